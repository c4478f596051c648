"""The port the service supervises: a venue transport opens subscribed sessions that parse into a
StreamOutput. Adapters implement it; the service knows nothing of websockets."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from bot_v2.features.streaming.output import StreamOutput


class IStreamSession(Protocol):
    """One open, subscribed connection."""

    async def run(self) -> None:
        """Read and parse frames into the output until the connection ends. Returns or raises
        StreamClosed when it ends; cancelling it stops reading without losing buffered frames."""

    async def close(self) -> None:
        """Close the connection. Never raises."""


class IStreamTransport(Protocol):
    @property
    def name(self) -> str:
        """Venue and stream, for logs: `binanceusdm`, `bybit`, `binanceusdm-user`."""

    @property
    def rotate_after_s(self) -> float | None:
        """Open a fresh connection after this long (venues that cut connections at 24 h)."""

    async def open(self, symbols: Sequence[str], output: StreamOutput) -> IStreamSession:
        """Connect and subscribe. Raises StreamClosed when the venue cannot be reached."""
