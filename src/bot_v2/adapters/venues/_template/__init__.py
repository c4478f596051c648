"""Template venue folder: copy to adapters/venues/<ccxt id>/ (README.md lists what is required and
what is optional). Not registered: registry.py names only real venues."""

from bot_v2.adapters.venues._template.profile import PROFILE
from bot_v2.adapters.venues._template.protective import STYLE
from bot_v2.adapters.venues.venue import Venue

# Required: the profile. Optional: `protective=`, `public_stream=` (streams.public_transport),
# `user_stream=` (streams.user_transport, with the profile's `listen_key`).
VENUE = Venue(profile=PROFILE, protective=STYLE)

__all__ = ["VENUE"]
