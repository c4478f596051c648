"""Binance USDⓈ-M futures (ccxt `binanceusdm`): profile, protective orders (the Algo Service),
public and private websocket streams, and the user-data-stream listen key."""

from bot_v2.adapters.venues.binanceusdm import streams
from bot_v2.adapters.venues.binanceusdm.profile import PROFILE
from bot_v2.adapters.venues.binanceusdm.protective import STYLE
from bot_v2.adapters.venues.venue import Venue

VENUE = Venue(
    profile=PROFILE,
    protective=STYLE,
    public_stream=streams.public_transport,
    user_stream=streams.user_transport,
)

__all__ = ["VENUE"]
