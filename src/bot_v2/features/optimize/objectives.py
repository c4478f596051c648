"""What a trial is scored by, computed from an equity curve alone so every window and every
mode is measured the same way. Ratios use daily returns (the equity at each UTC day's last
sample), annualized over 365 days; a window of under three days uses its per-sample returns."""

from __future__ import annotations

import math
from collections.abc import Mapping

import attrs
import numpy as np
import numpy.typing as npt

DAY_MS = 86_400_000
OBJECTIVES = ("sharpe", "sortino", "calmar", "profit", "profit_dd")
# profit_dd: return minus this many times the maximum drawdown (both fractions of equity).
DRAWDOWN_PENALTY = 2.0
# Ratios are capped so one flat window (zero variance) cannot make a trial infinitely good.
CAP = 100.0


@attrs.frozen
class WindowScore:
    """Everything objectives and the deflated Sharpe ratio need from one window's equity."""

    sharpe: float
    sortino: float
    calmar: float
    profit: float  # fraction of starting equity
    max_drawdown: float  # fraction of the running peak
    profit_dd: float
    # The per-period (not annualized) Sharpe, its sample count and the returns' shape.
    period_sharpe: float
    periods: int
    skew: float
    kurtosis: float  # not excess: a normal distribution's is 3
    trades: int = 0

    def as_dict(self) -> dict[str, float]:
        return {k: float(v) for k, v in attrs.asdict(self).items()}

    def value(self, objective: str) -> float:
        return float(getattr(self, objective))


def period_returns(
    timestamps_ms: npt.NDArray[np.int64], equity: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.float64], float]:
    """Daily returns and periods per year (per-sample ones for windows under three days)."""
    if len(equity) < 2:
        return np.zeros(0), 365.0
    days = timestamps_ms // DAY_MS
    day_ends = np.flatnonzero(np.append(days[1:] != days[:-1], True))
    if len(day_ends) >= 3:
        values, per_year = equity[day_ends], 365.0
    else:
        step = float(np.median(np.diff(timestamps_ms))) or float(DAY_MS)
        values, per_year = equity, 365.0 * DAY_MS / step
    with np.errstate(divide="ignore", invalid="ignore"):
        returns = np.diff(values) / values[:-1]
    return returns[np.isfinite(returns)], per_year


def score(
    timestamps_ms: npt.NDArray[np.int64], equity: npt.NDArray[np.float64], trades: int = 0
) -> WindowScore:
    returns, per_year = period_returns(timestamps_ms, equity)
    root = math.sqrt(per_year)
    period_sharpe = _ratio(returns, returns)
    downside = returns[returns < 0]
    period_sortino = _ratio(returns, downside) if len(downside) >= 2 else 0.0
    profit = float(equity[-1] / equity[0] - 1) if len(equity) and equity[0] > 0 else 0.0
    peak = np.maximum.accumulate(equity) if len(equity) else equity
    with np.errstate(divide="ignore", invalid="ignore"):
        dd = np.where(peak > 0, 1 - equity / peak, 0.0)
    max_dd = float(np.clip(dd, 0, 1).max()) if len(dd) else 0.0
    years = len(returns) / per_year if per_year > 0 else 0.0
    annual = _annualized(profit, years)
    calmar = annual / max_dd if max_dd > 0 else (CAP if annual > 0 else 0.0)
    skew, kurt = _shape(returns)
    return WindowScore(
        sharpe=_cap(period_sharpe * root),
        sortino=_cap(period_sortino * root),
        calmar=_cap(calmar),
        profit=profit,
        max_drawdown=max_dd,
        profit_dd=profit - DRAWDOWN_PENALTY * max_dd,
        period_sharpe=_cap(period_sharpe),
        periods=len(returns),
        skew=skew,
        kurtosis=kurt,
        trades=trades,
    )


def _annualized(profit: float, years: float) -> float:
    """Compound annual growth; a few hours' gain compounded over a year overflows, so the growth
    is capped (at CAP) in log space."""
    if years <= 0 or profit <= -1:
        return profit
    return math.expm1(min(math.log1p(profit) / years, math.log1p(CAP)))


def _ratio(returns: npt.NDArray[np.float64], spread: npt.NDArray[np.float64]) -> float:
    if len(returns) < 2:
        return 0.0
    sd = float(np.std(spread, ddof=1))
    return float(np.mean(returns)) / sd if sd > 0 else 0.0


def _shape(returns: npt.NDArray[np.float64]) -> tuple[float, float]:
    if len(returns) < 3:
        return 0.0, 3.0
    centered = returns - returns.mean()
    sd = float(np.sqrt(np.mean(centered**2)))
    if sd == 0:
        return 0.0, 3.0
    return float(np.mean(centered**3)) / sd**3, float(np.mean(centered**4)) / sd**4


def _cap(value: float) -> float:
    return max(-CAP, min(CAP, value))


def mean_score(values: Mapping[int, float]) -> float:
    """A trial's value over its folds: the plain mean (every fold counts the same)."""
    return float(np.mean(list(values.values()))) if values else 0.0
