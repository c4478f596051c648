"""What a risk rule sees besides the order: the account at this moment and the switches."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal

import attrs

from bot_v2.domain.orders import OrderRequest
from bot_v2.domain.positions import Position
from bot_v2.domain.risk import RiskLimits, RiskVerdict
from bot_v2.features.live_trade.risk.protections import Protections


@attrs.frozen
class RiskContext:
    equity: Decimal
    # By symbol; a symbol that is missing is flat.
    positions: Mapping[str, Position]
    marks: Mapping[str, Decimal]
    # Realized + unrealized - fees +/- funding since the UTC day began.
    day_pnl: Decimal
    kill_switch: bool
    reduce_only: bool
    stale_symbols: frozenset[str] = frozenset()
    # Symbols with an order whose outcome is unknown (its intent is pending): reduce-only on them.
    pending_symbols: frozenset[str] = frozenset()
    # (symbol, start) -> start + the notional of every other position in `positions` at `marks`,
    # kept up to date by the runtime (LedgerValuation) so the exposure rules need not walk every
    # position; None (or an answer of None) means: walk them.
    others_notional: Callable[[str, Decimal], Decimal | None] | None = attrs.field(
        default=None, eq=False, repr=False
    )
    # Why the UTC day is halted (its loss reached the limit at some point), or empty: a latch the
    # runtime keeps across restarts, so a day that recovered some of its loss stays halted.
    day_halt: str = ""
    # -- the portfolio protections (risk/protections.py) --
    protections: Protections = attrs.field(factory=Protections)
    # Why the bot halted on its drawdown (only a person resumes it), or empty.
    drawdown_halt: str = ""
    # Why the circuit breaker pauses new entries now, or empty.
    entry_pause: str = ""
    # Symbols cooling down after a stop-out, with the reason.
    cooldowns: Mapping[str, str] = attrs.field(factory=dict)
    # Average true range by symbol (from the candles), where known.
    atr: Mapping[str, Decimal] = attrs.field(factory=dict)
    # The next funding rate by symbol where known (a fraction; positive: longs pay shorts).
    funding_rates: Mapping[str, Decimal] = attrs.field(factory=dict)

    def position(self, symbol: str) -> Position:
        return self.positions.get(symbol) or Position(symbol)


RuleFn = Callable[[OrderRequest, RiskContext, RiskLimits], RiskVerdict]
