"""adapters/streams: websocket transports for the streaming service, one package per venue.

`create_stream(exchange_id, symbols, ...)` returns a supervised StreamingService for binanceusdm or
bybit and raises NoStreamAdapter for any other venue; `create_user_stream(...)` does the same for
private order and fill updates (binanceusdm)."""

from bot_v2.adapters.streams.factory import (
    STREAM_VENUES,
    USER_STREAM_VENUES,
    VENUE_DEFAULT,
    create_stream,
    create_user_stream,
)
from bot_v2.adapters.streams.ws import WsOptions
from bot_v2.features.streaming.errors import NoStreamAdapter

__all__ = [
    "STREAM_VENUES",
    "USER_STREAM_VENUES",
    "VENUE_DEFAULT",
    "NoStreamAdapter",
    "WsOptions",
    "create_stream",
    "create_user_stream",
]
