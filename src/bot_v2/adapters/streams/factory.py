"""create_stream / create_user_stream: the supervised stream for a venue, or NoStreamAdapter when
the venue has none (the runtime then keeps polling REST)."""

from __future__ import annotations

import enum
import logging
from collections.abc import Sequence

from bot_v2.adapters.streams.binanceusdm.public import (
    BINANCE_PUBLIC_URL,
    BINANCE_ROTATE_AFTER_S,
    BinancePublicTransport,
)
from bot_v2.adapters.streams.binanceusdm.user_data import (
    LISTEN_KEY_KEEPALIVE_S,
    BinanceUserDataTransport,
    KeepaliveListenKey,
    ObtainListenKey,
)
from bot_v2.adapters.streams.bybit.public import (
    BYBIT_PING_INTERVAL_S,
    BYBIT_PUBLIC_LINEAR_URL,
    BybitPublicTransport,
)
from bot_v2.adapters.streams.timeframes import timeframe_ms
from bot_v2.adapters.streams.ws import WsOptions
from bot_v2.domain.symbols import normalize_symbol
from bot_v2.features.streaming.backoff import Backoff
from bot_v2.features.streaming.errors import NoStreamAdapter
from bot_v2.features.streaming.service import OnResync, StreamingService
from bot_v2.features.streaming.transport import IStreamTransport
from bot_v2.ports.market_data import IMarketData

STREAM_VENUES = ("binanceusdm", "bybit")
USER_STREAM_VENUES = ("binanceusdm",)


class _VenueDefault(enum.Enum):
    TOKEN = "venue default"


VENUE_DEFAULT = _VenueDefault.TOKEN


def create_stream(
    exchange_id: str,
    symbols: Sequence[str],
    *,
    timeframe: str = "1m",
    heartbeat_s: float | None = 15.0,
    fallback: IMarketData | None = None,
    fallback_after_s: float = 2.0,
    fallback_poll_s: float = 2.0,
    url: str | None = None,
    backoff: Backoff | None = None,
    connect_timeout_s: float = 10.0,
    rotate_after_s: float | _VenueDefault | None = VENUE_DEFAULT,
    rotation_overlap_s: float = 2.0,
    app_ping_interval_s: float = BYBIT_PING_INTERVAL_S,
    ws_options: WsOptions | None = None,
    on_resync: OnResync | None = None,
    logger: logging.Logger | None = None,
) -> StreamingService:
    """Public market data (marks and closed candles) for `symbols`, supervised.

    `url`: for binanceusdm the base (`wss://fstream.binance.com`; the combined-stream path is
    appended), for bybit the full endpoint (`wss://stream.bybit.com/v5/public/linear`).
    `rotate_after_s`: binanceusdm rotates after 23 h by default, bybit does not rotate.
    Raises NoStreamAdapter for a venue (or timeframe) without a stream, InvalidSymbol for a symbol
    that is not a perpetual."""
    venue = exchange_id.strip().lower()
    unified = [normalize_symbol(symbol) for symbol in symbols]
    transport: IStreamTransport
    if venue == "binanceusdm":
        rotate = BINANCE_ROTATE_AFTER_S if rotate_after_s is VENUE_DEFAULT else rotate_after_s
        transport = BinancePublicTransport(
            timeframe=timeframe,
            rotate_after_s=_seconds(rotate),
            options=ws_options,
            logger=logger,
            base_url=url or BINANCE_PUBLIC_URL,
        )
    elif venue == "bybit":
        rotate = None if rotate_after_s is VENUE_DEFAULT else rotate_after_s
        transport = BybitPublicTransport(
            timeframe=timeframe,
            ping_interval_s=app_ping_interval_s,
            rotate_after_s=_seconds(rotate),
            options=ws_options,
            logger=logger,
            url=url or BYBIT_PUBLIC_LINEAR_URL,
        )
    else:
        raise NoStreamAdapter(
            f"streaming: no websocket adapter for exchange {exchange_id!r}; "
            f"streams exist for {', '.join(STREAM_VENUES)}"
        )
    return StreamingService(
        transport,
        symbols=unified,
        heartbeat_s=heartbeat_s,
        backoff=backoff,
        fallback=fallback,
        fallback_after_s=fallback_after_s,
        fallback_poll_s=fallback_poll_s,
        fallback_timeframe_ms=timeframe_ms(timeframe) if fallback is not None else None,
        connect_timeout_s=connect_timeout_s,
        rotation_overlap_s=rotation_overlap_s,
        on_resync=on_resync,
        logger=logger,
    )


def create_user_stream(
    exchange_id: str,
    obtain_listen_key: ObtainListenKey,
    keepalive_listen_key: KeepaliveListenKey | None = None,
    *,
    on_resync: OnResync | None = None,
    url: str | None = None,
    keepalive_s: float = LISTEN_KEY_KEEPALIVE_S,
    backoff: Backoff | None = None,
    connect_timeout_s: float = 10.0,
    rotate_after_s: float | _VenueDefault | None = VENUE_DEFAULT,
    rotation_overlap_s: float = 2.0,
    ws_options: WsOptions | None = None,
    logger: logging.Logger | None = None,
) -> StreamingService:
    """Private order updates and fills (drain them with `drain_account()`), supervised without a
    stall heartbeat (a quiet account sends nothing). `on_resync` runs after every connect: the
    runtime fetches fills (and funding) since the last ones it saw, so a disconnect misses no fill."""
    venue = exchange_id.strip().lower()
    if venue != "binanceusdm":
        raise NoStreamAdapter(
            f"streaming: no private websocket adapter for exchange {exchange_id!r}; "
            f"private streams exist for {', '.join(USER_STREAM_VENUES)}"
        )
    rotate = BINANCE_ROTATE_AFTER_S if rotate_after_s is VENUE_DEFAULT else rotate_after_s
    transport = BinanceUserDataTransport(
        obtain_listen_key,
        keepalive_listen_key,
        keepalive_s=keepalive_s,
        rotate_after_s=_seconds(rotate),
        options=ws_options,
        logger=logger,
        base_url=url or BINANCE_PUBLIC_URL,
    )
    return StreamingService(
        transport,
        heartbeat_s=None,
        backoff=backoff,
        connect_timeout_s=connect_timeout_s,
        rotation_overlap_s=rotation_overlap_s,
        on_resync=on_resync,
        logger=logger,
    )


def _seconds(value: float | _VenueDefault | None) -> float | None:
    return None if value is None or isinstance(value, _VenueDefault) else float(value)
