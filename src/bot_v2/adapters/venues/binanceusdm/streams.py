"""Binance USDⓈ-M's websocket transports, built from the settings orchestration passes. Each import
happens inside its builder so that a REST-only profile never loads `websockets`.

`url` is the base (`wss://fstream.binance.com`; the combined-stream path is appended). Both streams
rotate after 23 h by default (Binance closes a connection at 24 h)."""

from __future__ import annotations

from bot_v2.adapters.venues.venue import PublicStreamSettings, UserStreamSettings, seconds
from bot_v2.features.streaming.transport import IStreamTransport


def public_transport(settings: PublicStreamSettings) -> IStreamTransport:
    from bot_v2.adapters.venues.binanceusdm.public import (
        BINANCE_PUBLIC_URL,
        BINANCE_ROTATE_AFTER_S,
        BinancePublicTransport,
    )

    return BinancePublicTransport(
        timeframe=settings.timeframe,
        rotate_after_s=seconds(settings.rotate_after_s, BINANCE_ROTATE_AFTER_S),
        options=settings.ws_options,
        logger=settings.logger,
        base_url=settings.url or BINANCE_PUBLIC_URL,
    )


def user_transport(settings: UserStreamSettings) -> IStreamTransport:
    from bot_v2.adapters.venues.binanceusdm.public import BINANCE_PUBLIC_URL, BINANCE_ROTATE_AFTER_S
    from bot_v2.adapters.venues.binanceusdm.user_data import (
        LISTEN_KEY_KEEPALIVE_S,
        BinanceUserDataTransport,
    )

    return BinanceUserDataTransport(
        settings.obtain_listen_key,
        settings.keepalive_listen_key,
        keepalive_s=LISTEN_KEY_KEEPALIVE_S
        if settings.keepalive_s is None
        else settings.keepalive_s,
        rotate_after_s=seconds(settings.rotate_after_s, BINANCE_ROTATE_AFTER_S),
        options=settings.ws_options,
        logger=settings.logger,
        base_url=settings.url or BINANCE_PUBLIC_URL,
    )
