"""Where a transport puts what it parsed: the buffers the service drains, and the latest mark per symbol."""

from __future__ import annotations

import asyncio

from bot_v2.domain.fills import Fill
from bot_v2.domain.market import Mark
from bot_v2.domain.orders import Order
from bot_v2.features.streaming.counters import StreamCounters
from bot_v2.ports.quote_stream import MarketEvent

AccountEvent = Order | Fill


class AccountBuffer(list[AccountEvent]):
    """The private stream's events, which also wake whoever waits for them (the runtime's pump):
    a fill reaches accounting as its message arrives, not at the next poll. Account events are
    rare, so the extra call per append costs nothing that matters."""

    __slots__ = ("arrived",)

    def __init__(self) -> None:
        super().__init__()
        self.arrived = asyncio.Event()

    def append(self, event: AccountEvent) -> None:
        super().append(event)
        self.arrived.set()


class StreamOutput:
    """Shared by every session of one service, so a reconnect or a rotation keeps appending to the
    same lists. Parsers may cache the lists' bound `append`: the service empties them in place."""

    __slots__ = ("account", "counters", "latest_marks", "market")

    def __init__(self, counters: StreamCounters | None = None) -> None:
        self.market: list[MarketEvent] = []
        self.account = AccountBuffer()
        self.latest_marks: dict[str, Mark] = {}
        self.counters = counters if counters is not None else StreamCounters()

    def add_mark(self, mark: Mark) -> None:
        """For the slow paths (REST fallback, tests); parsers inline the same two lines."""
        self.market.append(mark)
        self.latest_marks[mark.symbol] = mark
        self.counters.events += 1


def coalesce_marks(events: list[MarketEvent]) -> list[MarketEvent]:
    """Drop every mark that a later mark of the same symbol supersedes; keep all candles. The result
    is still in arrival order: a subsequence of the input."""
    seen: set[str] = set()
    kept: list[MarketEvent] = []
    for event in reversed(events):
        if type(event) is Mark:
            if event.symbol in seen:
                continue
            seen.add(event.symbol)
        kept.append(event)
    kept.reverse()
    return kept


def forward_only(events: list[MarketEvent], high_water: dict[str, int]) -> list[MarketEvent]:
    """Drop marks older than the newest mark already passed on for their symbol. Sources interleave
    (book ticker and mark price events, REST answers during a hand-back), so without this a
    consumer could see a symbol's price step back in time. `high_water` is updated in place."""
    kept: list[MarketEvent] = []
    for event in events:
        if type(event) is Mark:
            newest = high_water.get(event.symbol)
            if newest is not None and event.timestamp_ms < newest:
                continue
            high_water[event.symbol] = event.timestamp_ms
        kept.append(event)
    return kept
