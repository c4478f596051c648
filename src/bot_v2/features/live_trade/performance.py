"""How a run went: drawdown while it runs, and a summary at the end."""

from __future__ import annotations

from decimal import Decimal

import attrs

from bot_v2.domain.money import ZERO
from bot_v2.features.live_trade.accounting import Ledger

ALL = Decimal(1)  # the whole peak, as a drawdown fraction


@attrs.frozen
class RunSummary:
    trades: int
    wins: int
    # Fractions 0..1, except return_pct which is in percent.
    win_rate: Decimal
    realized_pnl: Decimal
    fees: Decimal
    funding: Decimal
    max_drawdown: Decimal
    max_drawdown_abs: Decimal
    final_equity: Decimal
    initial_equity: Decimal
    return_pct: Decimal


@attrs.frozen
class Drawdown:
    """Peak-to-trough decline of equity as a value: `update` gives the next one, O(1), and the
    same object when nothing changed (so a caller can tell, by identity, when to store it)."""

    peak: Decimal | None = None
    # The deepest drop below the current peak so far.
    deepest: Decimal = ZERO
    # Largest decline as a fraction of the peak before it, 0..1.
    max_drawdown: Decimal = ZERO
    max_drawdown_abs: Decimal = ZERO

    def update(self, equity: Decimal) -> Drawdown:
        peak = self.peak
        if peak is None or equity > peak:
            return Drawdown(equity, ZERO, self.max_drawdown, self.max_drawdown_abs)
        drop = peak - equity
        if drop <= self.deepest:
            # Below the same peak, only a deeper drop can raise either maximum (the fraction is
            # the drop over that peak): most updates stop here, without a division.
            return self
        fraction = self.max_drawdown
        if peak > 0:
            # Capped at 1: equity below zero is still a total loss of the peak.
            fraction = max(fraction, min(drop / peak, ALL))
        return Drawdown(peak, drop, fraction, max(self.max_drawdown_abs, drop))


class DrawdownTracker:
    """A Drawdown that updates in place."""

    def __init__(self, value: Drawdown | None = None) -> None:
        self.value = Drawdown() if value is None else value

    def update(self, equity: Decimal) -> None:
        self.value = self.value.update(equity)

    @property
    def peak(self) -> Decimal:
        peak = self.value.peak
        return ZERO if peak is None else peak

    @property
    def max_drawdown(self) -> Decimal:
        """Largest decline as a fraction of the peak before it, 0..1."""
        return self.value.max_drawdown

    @property
    def max_drawdown_abs(self) -> Decimal:
        return self.value.max_drawdown_abs


def summarize(
    ledger: Ledger,
    initial_equity: Decimal,
    final_equity: Decimal,
    drawdown: Drawdown | DrawdownTracker,
) -> RunSummary:
    trades = ledger.closed_trades
    wins = sum(1 for trade in trades if trade.net > 0)
    win_rate = Decimal(wins) / Decimal(len(trades)) if trades else ZERO
    return_pct = (
        (final_equity - initial_equity) / initial_equity * 100 if initial_equity > 0 else ZERO
    )
    return RunSummary(
        trades=len(trades),
        wins=wins,
        win_rate=win_rate,
        realized_pnl=ledger.realized_pnl,
        fees=ledger.fees_paid,
        funding=ledger.funding_net,
        max_drawdown=drawdown.max_drawdown,
        max_drawdown_abs=drawdown.max_drawdown_abs,
        final_equity=final_equity,
        initial_equity=initial_equity,
        return_pct=return_pct,
    )


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def _percent(fraction: Decimal) -> str:
    return f"{fraction * 100:.2f}%"


def format_summary(summary: RunSummary) -> str:
    """A small aligned table for the terminal."""
    rows = [
        ("trades", str(summary.trades)),
        ("wins", f"{summary.wins} ({_percent(summary.win_rate)})"),
        ("realized pnl", _money(summary.realized_pnl)),
        ("fees", _money(summary.fees)),
        ("funding", _money(summary.funding)),
        ("max drawdown", f"{_percent(summary.max_drawdown)} ({_money(summary.max_drawdown_abs)})"),
        ("initial equity", _money(summary.initial_equity)),
        ("final equity", _money(summary.final_equity)),
        ("return", f"{summary.return_pct:.2f}%"),
    ]
    label_width = max(len(label) for label, _ in rows)
    value_width = max(len(value) for _, value in rows)
    return "\n".join(f"{label:<{label_width}}  {value:>{value_width}}" for label, value in rows)
