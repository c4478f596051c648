"""create_stream / create_user_stream: the composition root's half of streaming. A venue folder
offers transports (adapters/venues/<id>/, `Venue.public_stream` / `user_stream`); this module looks
the venue up, builds its transport and supervises it in a StreamingService. A venue without a
stream raises NoStreamAdapter (the runtime then keeps polling REST)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from bot_v2.adapters.streams.timeframes import timeframe_ms
from bot_v2.adapters.streams.ws import WsOptions
from bot_v2.adapters.venues.registry import VENUES
from bot_v2.adapters.venues.venue import (
    VENUE_DEFAULT,
    KeepaliveListenKey,
    ObtainListenKey,
    PublicStreamSettings,
    UserStreamSettings,
    VenueDefault,
)
from bot_v2.domain.symbols import normalize_symbol
from bot_v2.features.streaming.backoff import Backoff
from bot_v2.features.streaming.errors import NoStreamAdapter
from bot_v2.features.streaming.service import OnResync, StreamingService
from bot_v2.features.streaming.transport import IStreamTransport
from bot_v2.ports.market_data import IMarketData


def stream_venues() -> tuple[str, ...]:
    return tuple(sorted(v.exchange_id for v in VENUES.values() if v.public_stream))


def user_stream_venues() -> tuple[str, ...]:
    return tuple(sorted(v.exchange_id for v in VENUES.values() if v.user_stream))


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
    rotate_after_s: float | VenueDefault | None = VENUE_DEFAULT,
    rotation_overlap_s: float = 2.0,
    app_ping_interval_s: float | None = None,
    ws_options: WsOptions | None = None,
    on_resync: OnResync | None = None,
    logger: logging.Logger | None = None,
) -> StreamingService:
    """Public market data (marks and closed candles) for `symbols`, supervised.

    `url`, `rotate_after_s` and `app_ping_interval_s` mean what the venue's streams.py says (None /
    VENUE_DEFAULT: the venue's default). Raises NoStreamAdapter for a venue (or timeframe) without
    a stream, InvalidSymbol for a symbol that is not a perpetual."""
    venue = VENUES.get(exchange_id.strip().lower())
    if venue is None or venue.public_stream is None:
        raise NoStreamAdapter(
            f"streaming: no websocket adapter for exchange {exchange_id!r}; "
            f"streams exist for {', '.join(stream_venues())}"
        )
    unified = [normalize_symbol(symbol) for symbol in symbols]
    transport: IStreamTransport = venue.public_stream(
        PublicStreamSettings(
            timeframe=timeframe,
            url=url,
            rotate_after_s=rotate_after_s,
            app_ping_interval_s=app_ping_interval_s,
            ws_options=ws_options,
            logger=logger,
        )
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
    keepalive_s: float | None = None,
    backoff: Backoff | None = None,
    connect_timeout_s: float = 10.0,
    rotate_after_s: float | VenueDefault | None = VENUE_DEFAULT,
    rotation_overlap_s: float = 2.0,
    ws_options: WsOptions | None = None,
    logger: logging.Logger | None = None,
) -> StreamingService:
    """Private order updates and fills (drain them with `drain_account()`), supervised without a
    stall heartbeat (a quiet account sends nothing). `on_resync` runs after every connect: the
    runtime fetches fills (and funding) since the last ones it saw, so a disconnect misses no fill.
    `keepalive_s` None: the venue's listen-key keepalive interval."""
    venue = VENUES.get(exchange_id.strip().lower())
    if venue is None or venue.user_stream is None:
        raise NoStreamAdapter(
            f"streaming: no private websocket adapter for exchange {exchange_id!r}; "
            f"private streams exist for {', '.join(user_stream_venues())}"
        )
    transport = venue.user_stream(
        UserStreamSettings(
            obtain_listen_key=obtain_listen_key,
            keepalive_listen_key=keepalive_listen_key,
            url=url,
            keepalive_s=keepalive_s,
            rotate_after_s=rotate_after_s,
            ws_options=ws_options,
            logger=logger,
        )
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
