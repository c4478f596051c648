"""The portfolio strategy API: decide over several symbols at once.

A portfolio strategy has, like a per-candle one, `name`, `params_type` and `warmup_candles()`, and
instead of `on_candle`:

    decide(view: HistoryView, positions: Mapping[str, Position]) -> Sequence[Signal | Leg]

called once per cycle time at which any of its symbols got a closed candle, with the view of its own
symbols' closed candles up to that time (view.fresh: which got one now) and the current positions of
those symbols. It answers a target direction for any of its symbols (omitted: hold), so a pairs
strategy opens and closes both legs in the same decision. An answer may be a `Leg`: a signal with
the weight its entry is sized with (1: as a one-symbol strategy's entry on the slot's share of
equity), so a pairs strategy sizes its legs by the hedge ratio.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, Protocol

import attrs

from bot_v2.domain.positions import Position
from bot_v2.domain.signals import Signal
from bot_v2.features.live_trade.strategies.portfolio.view import HistoryView


@attrs.frozen
class Leg:
    signal: Signal
    # The entry's size is the slot's usual size times this (0 < weight <= 1).
    weight: Decimal = Decimal(1)


class PortfolioStrategy(Protocol):
    name: str

    def warmup_candles(self) -> int: ...

    def decide(
        self, view: HistoryView, positions: Mapping[str, Position]
    ) -> Sequence[Signal | Leg]: ...


def is_portfolio(strategy: Any) -> bool:
    """Whether `strategy` (a class or an instance) decides over several symbols (has `decide`)."""
    return callable(getattr(strategy, "decide", None))
