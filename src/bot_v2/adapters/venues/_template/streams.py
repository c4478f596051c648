"""OPTIONAL. The venue's websocket transports, built from the settings orchestration passes
(orchestration/streams.py supervises them in a StreamingService; a venue folder never builds one).
Import the transport modules inside each builder so that a REST-only profile never loads
`websockets`. Wire one into VENUE as `public_stream=streams.public_transport` (and
`user_stream=streams.user_transport`, with the profile's `listen_key`).

A transport implements features/streaming/transport.py::IStreamTransport on top of
adapters/streams/ws.py (open_ws, WsSession: connect, read frames into a parser, helper loops such as
application pings or a listen-key keepalive); its parser turns frames into domain Marks and Candles
(adapters/streams/parsing.py, numbers.py). See adapters/venues/bybit/ for a public stream and
adapters/venues/binanceusdm/ for a private one."""

from __future__ import annotations

from bot_v2.adapters.venues.venue import PublicStreamSettings, UserStreamSettings
from bot_v2.features.streaming.errors import NoStreamAdapter
from bot_v2.features.streaming.transport import IStreamTransport


def public_transport(settings: PublicStreamSettings) -> IStreamTransport:
    raise NoStreamAdapter(f"template: no public stream (timeframe {settings.timeframe})")


def user_transport(settings: UserStreamSettings) -> IStreamTransport:
    raise NoStreamAdapter("template: no private stream")
