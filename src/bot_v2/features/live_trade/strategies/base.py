"""What the runtime needs from a strategy: the same API in dev, backtest, canary and prod.

A strategy is a class with
- `name`: how [strategy] name picks it;
- `params_type`: an attrs class beside it (declared with `params.param`), which the config
  structures from [strategy.params]; the class is built from an instance of it;
- `warmup_candles()`: closed candles per symbol it needs before its first entry;
- `on_candle(candle, position)`: each closed candle once, in time order, per symbol.

Look-ahead: a strategy is given no reference to the feed, and the strategy orchestrator refuses
(LookAhead) any candle not closed at the cycle's time before the strategy sees it. (A read-only
history view ending at the cycle's time, for strategies that want more than their own state, is
in strategies/portfolio/view.py: HistoryView; it also holds the funding rates in force at the
decisions, for a strategy that declares `funding_samples()`.)
"""

from __future__ import annotations

from typing import Any, Protocol

import attrs

from bot_v2.domain.market import Candle
from bot_v2.domain.positions import Position
from bot_v2.domain.signals import Signal

REQUIRED_METHODS = ("warmup_candles",)
# One of these: a per-candle strategy answers on_candle, a portfolio strategy decide
# (strategies/portfolio/base.py).
DECIDING_METHODS = ("on_candle", "decide")


class Strategy(Protocol):
    """One instance serves every symbol; it keeps per-symbol state keyed by `candle.symbol`.

    `on_candle` gets each closed candle once, in time order, with the position as it stands now, and
    answers the target direction. No entry comes before `warmup_candles()` candles have been seen
    (exits such as a trailing stop on a position held from before may).
    """

    name: str

    def on_candle(self, candle: Candle, position: Position) -> Signal: ...

    def warmup_candles(self) -> int: ...


def api_problem(cls: Any) -> str | None:
    """What keeps `cls` from being a strategy (one phrase), None when it is one."""
    if not isinstance(cls, type):
        return f"{cls!r} is not a class"
    name = getattr(cls, "name", None)
    if not isinstance(name, str) or not name.strip():
        return f"{cls.__name__} has no `name` string"
    missing = [m for m in REQUIRED_METHODS if not callable(getattr(cls, m, None))]
    if not any(callable(getattr(cls, m, None)) for m in DECIDING_METHODS):
        missing.insert(0, " or ".join(DECIDING_METHODS))
    if missing:
        return f"{cls.__name__} lacks {', '.join(missing)}"
    params_type = getattr(cls, "params_type", None)
    if not (isinstance(params_type, type) and attrs.has(params_type)):
        return f"{cls.__name__}.params_type is not an attrs class"
    return None
