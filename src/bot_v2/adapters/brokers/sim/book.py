"""What a look-ahead sees of the exchange (`BookView`, read only) and what it answers (`Step`).

The exchange's rules decide what happens on a candle; a look-ahead only decides which instants
`advance` stops at to apply them. The exchange imports this module, never a look-ahead: the one to
use is handed to it where it is built (see lookahead.py for the two there are)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Protocol

import attrs

from bot_v2.adapters.brokers.sim.account import Account
from bot_v2.adapters.brokers.sim.state import OrderState, PositionState
from bot_v2.adapters.replay.feed import SymbolSeries
from bot_v2.domain.market import LeverageTier


@attrs.frozen
class Step:
    """The first instant after the clock at which something may happen to the account, as looked
    at under one `version` and `orders_version`: candles closing then that need an exact look
    (`hits`), funding due then, or neither: the end of the look, up to which nothing happens."""

    version: int
    orders_version: int
    at_ms: int
    hits: list[tuple[str, int]]
    funding: bool
    # A liquidation bound came from other cross positions' marks over the stretch looked at: a
    # longer look would loosen it.
    windowed: bool = False
    # How far beyond the call's time the look reached.
    ahead_ms: int = 0

    @property
    def nothing_found(self) -> bool:
        return not (self.hits or self.funding or self.windowed)


class BookView(Protocol):
    """The exchange as a look-ahead reads it. Nothing here is written through."""

    @property
    def version(self) -> int:
        """Bumped on every change to money, positions or settings."""
        ...

    @property
    def orders_version(self) -> int:
        """Bumped on every order recorded."""
        ...

    @property
    def clock_ms(self) -> int | None: ...

    @property
    def symbols(self) -> tuple[str, ...]: ...

    @property
    def series(self) -> Mapping[str, SymbolSeries]: ...

    @property
    def tiers(self) -> Mapping[str, tuple[LeverageTier, ...]]: ...

    @property
    def positions_held(self) -> Mapping[str, PositionState]: ...

    @property
    def account(self) -> Account: ...

    def resting(self, symbol: str) -> Sequence[OrderState]:
        """The symbol's open limit orders (triggered stop-limits among them)."""
        ...

    def conditional(self, symbol: str) -> Sequence[OrderState]:
        """The symbol's untriggered conditional orders."""
        ...

    def mark(self, symbol: str) -> Decimal: ...


class LookAhead(Protocol):
    def next_step(self, book: BookView, now_ms: int) -> Step:
        """The next instant after the book's clock that `advance(now_ms)` must stop at: it may
        lie beyond `now_ms` (then nothing happens before `now_ms`)."""
        ...
