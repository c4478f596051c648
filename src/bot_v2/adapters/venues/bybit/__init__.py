"""Bybit v5 linear perpetuals (ccxt `bybit`): profile, protective (conditional) orders and the
public websocket stream. No private stream: fills come from the REST sync each cycle."""

from bot_v2.adapters.venues.bybit import streams
from bot_v2.adapters.venues.bybit.profile import PROFILE
from bot_v2.adapters.venues.bybit.protective import STYLE
from bot_v2.adapters.venues.venue import Venue

VENUE = Venue(profile=PROFILE, protective=STYLE, public_stream=streams.public_transport)

__all__ = ["VENUE"]
