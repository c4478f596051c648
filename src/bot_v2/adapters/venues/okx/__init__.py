"""OKX USDT-margined swaps (ccxt `okx`): profile and protective (algo) orders. No websocket stream
here: market data and fills are polled over REST."""

from bot_v2.adapters.venues.okx.profile import PROFILE
from bot_v2.adapters.venues.okx.protective import STYLE
from bot_v2.adapters.venues.venue import Venue

VENUE = Venue(profile=PROFILE, protective=STYLE)

__all__ = ["VENUE"]
