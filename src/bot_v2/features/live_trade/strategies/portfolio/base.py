"""The portfolio strategy API: decide over several symbols at once.

A portfolio strategy has, like a per-candle one, `name`, `params_type` and `warmup_candles()`, and
instead of `on_candle`:

    decide(view: HistoryView, positions: Mapping[str, Position]) -> Sequence[Signal]

called once per cycle time at which any of its symbols got a closed candle, with the view of its own
symbols' closed candles up to that time (view.fresh: which got one now) and the current positions of
those symbols. It answers a target direction for any of its symbols (omitted: hold), so a pairs
strategy opens and closes both legs in the same decision.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from bot_v2.domain.positions import Position
from bot_v2.domain.signals import Signal
from bot_v2.features.live_trade.strategies.portfolio.view import HistoryView


class PortfolioStrategy(Protocol):
    name: str

    def warmup_candles(self) -> int: ...

    def decide(self, view: HistoryView, positions: Mapping[str, Position]) -> Sequence[Signal]: ...


def is_portfolio(strategy: Any) -> bool:
    """Whether `strategy` (a class or an instance) decides over several symbols (has `decide`)."""
    return callable(getattr(strategy, "decide", None))
