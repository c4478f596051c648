"""The values exits and protection share. `plan_exits` (in this package) answers an `ExitPlan` for
one open position each cycle, from the position, its `ExitState` and the market; the protection
service makes the venue hold what the plan asks and stores the new `ExitState` before relying on it."""

from __future__ import annotations

import enum
from decimal import Decimal

import attrs

from bot_v2.domain.orders import Side


class ExitKind(enum.Enum):
    """Why a position (or part of it) was closed; backtest summaries count exits by these."""

    STOP_LOSS = "stop_loss"
    TAKE_PROFIT = "take_profit"
    TRAILING = "trailing"
    BREAK_EVEN = "break_even"
    TIME = "time"
    END_OF_DAY = "end_of_day"
    LIQUIDATION = "liquidation"
    DRAWDOWN_HALT = "drawdown_halt"
    LIQUIDATION_DISTANCE = "liquidation_distance"
    SIGNAL = "signal"
    MANUAL = "manual"


@attrs.frozen
class TakeProfitRung:
    """One rung of a take-profit ladder: a reduce-only close of `size` at `price`."""

    index: int
    price: Decimal
    size: Decimal


@attrs.frozen
class ExitState:
    """What the exits remember about one open position; stored, so a restart resumes the same stop.

    `best_price` is the most favourable price seen since entry (the trailing stop counts from it);
    `rungs_filled` how many take-profit rungs have closed; `break_even_armed` latches once the
    profit asked for break-even was reached. `entry_size` is the largest absolute size the position
    had (the ladder's fractions count from it, so what was closed is entry_size - |size|);
    `stop_price`/`stop_kind` the stop last planned (it only ever moves in the position's favour,
    so it must be remembered, not recomputed); `closing` the bot-side exit already asked for
    (TIME, END_OF_DAY), which is never asked for again for this position."""

    symbol: str
    side: Side
    entry_price: Decimal
    opened_at_ms: int
    best_price: Decimal
    rungs_filled: int = 0
    break_even_armed: bool = False
    entry_size: Decimal = Decimal(0)
    stop_price: Decimal | None = None
    stop_kind: ExitKind = ExitKind.STOP_LOSS
    closing: ExitKind | None = None


@attrs.frozen
class ExitPlan:
    """What one open position should have now.

    `stop_price`: the reduce-only stop the venue must hold (None: no stop configured);
    `stop_kind`: what that stop is at this moment (STOP_LOSS, TRAILING or BREAK_EVEN), which names
    the exit when it fills; `take_profits`: the rungs still to place; `close_now`: a bot-side exit
    (TIME, END_OF_DAY) that fires this cycle, closing the whole position through the intent path."""

    stop_price: Decimal | None
    stop_kind: ExitKind = ExitKind.STOP_LOSS
    take_profits: tuple[TakeProfitRung, ...] = ()
    close_now: ExitKind | None = None
