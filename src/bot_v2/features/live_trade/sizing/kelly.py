"""Fractional Kelly from the strategy's own closed trades: f* = W - (1 - W) / R, with W the share
of winning trades and R the average win over the average loss (net of fees and funding). The
fraction used is kelly_fraction * f*, at most kelly_cap, never below 0 (a losing record opens
nothing). Before kelly_min_trades trades have closed the record says too little: None."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

ZERO = Decimal(0)


def kelly_fraction(
    nets: Sequence[Decimal], share: Decimal, cap: Decimal, min_trades: int
) -> Decimal | None:
    if len(nets) < max(min_trades, 1):
        return None
    wins = [n for n in nets if n > 0]
    losses = [-n for n in nets if n <= 0]
    if not wins:
        return ZERO
    win_rate = Decimal(len(wins)) / len(nets)
    total_loss = sum(losses, ZERO)
    if total_loss == 0:
        full = Decimal(1)
    else:
        ratio = (sum(wins, ZERO) / len(wins)) / (total_loss / len(losses))
        full = win_rate - (1 - win_rate) / ratio
    return min(max(full * share, ZERO), cap)
