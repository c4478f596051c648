"""The `Venue` value a venue folder exports (adapters/venues/<id>/__init__.py: `VENUE`), and the
settings its stream transports are built from. Orchestration reads venues from registry.py and
composes the broker and the streaming service from their parts; a venue folder builds nothing else.

Required: `profile` (the generic ccxt broker's knowledge of the venue). Optional: `protective`
(conditional orders), `public_stream` (marks and closed candles over a websocket), `user_stream`
(orders and fills over a private websocket; the profile then names its `listen_key`). A venue
without a stream is polled over REST."""

from __future__ import annotations

import enum
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import attrs

from bot_v2.adapters.venues.profile import VenueProfile
from bot_v2.adapters.venues.protective_style import ProtectiveStyle
from bot_v2.features.streaming.transport import IStreamTransport

if TYPE_CHECKING:
    # ws.py imports websockets, which a REST-only profile never loads.
    from bot_v2.adapters.streams.ws import WsOptions


class _VenueDefault(enum.Enum):
    TOKEN = "venue default"


# "Whatever this venue does by default" for a setting that differs per venue (rotation).
VENUE_DEFAULT = _VenueDefault.TOKEN
VenueDefault = _VenueDefault


ObtainListenKey = Callable[[], Awaitable[str]]
KeepaliveListenKey = Callable[[str], Awaitable[None]]


@attrs.frozen
class PublicStreamSettings:
    timeframe: str = "1m"
    # The venue's endpoint (each venue says whether it is a base or the full URL); None: production.
    url: str | None = None
    rotate_after_s: float | VenueDefault | None = VENUE_DEFAULT
    # Application-level pings, for venues that want them (Bybit); None: the venue's default.
    app_ping_interval_s: float | None = None
    ws_options: WsOptions | None = None
    logger: logging.Logger | None = None


@attrs.frozen
class UserStreamSettings:
    obtain_listen_key: ObtainListenKey
    keepalive_listen_key: KeepaliveListenKey | None = None
    url: str | None = None
    # None: the venue's keepalive interval.
    keepalive_s: float | None = None
    rotate_after_s: float | VenueDefault | None = VENUE_DEFAULT
    ws_options: WsOptions | None = None
    logger: logging.Logger | None = None


PublicTransport = Callable[[PublicStreamSettings], IStreamTransport]
UserTransport = Callable[[UserStreamSettings], IStreamTransport]


@attrs.frozen
class Venue:
    profile: VenueProfile
    protective: ProtectiveStyle | None = None
    # Build functions import their websocket code when called, so a venue that is only traded
    # over REST never loads `websockets`.
    public_stream: PublicTransport | None = None
    user_stream: UserTransport | None = None

    @property
    def exchange_id(self) -> str:
        return self.profile.exchange_id


def seconds(value: float | VenueDefault | None, default: float | None) -> float | None:
    """A rotation setting resolved against the venue's default."""
    if isinstance(value, _VenueDefault):
        return default
    return None if value is None else float(value)
