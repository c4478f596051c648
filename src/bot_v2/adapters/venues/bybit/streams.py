"""Bybit's public websocket transport, built from the settings orchestration passes (the import
happens inside the builder so that a REST-only profile never loads `websockets`).

`url` is the full endpoint (`wss://stream.bybit.com/v5/public/linear`). No rotation by default;
application-level pings every 20 s as Bybit asks."""

from __future__ import annotations

from bot_v2.adapters.venues.venue import PublicStreamSettings, seconds
from bot_v2.features.streaming.transport import IStreamTransport


def public_transport(settings: PublicStreamSettings) -> IStreamTransport:
    from bot_v2.adapters.venues.bybit.public import (
        BYBIT_PING_INTERVAL_S,
        BYBIT_PUBLIC_LINEAR_URL,
        BybitPublicTransport,
    )

    ping = settings.app_ping_interval_s
    return BybitPublicTransport(
        timeframe=settings.timeframe,
        ping_interval_s=BYBIT_PING_INTERVAL_S if ping is None else ping,
        rotate_after_s=seconds(settings.rotate_after_s, None),
        options=settings.ws_options,
        logger=settings.logger,
        url=settings.url or BYBIT_PUBLIC_LINEAR_URL,
    )
