"""The deflated Sharpe ratio (Bailey and López de Prado, 2014): the probability that the best of
N trials' Sharpe ratio is above zero once we account for having picked the best of N, for the
length of the sample and for fat tails. Below 0.95 the best trial is labelled as likely luck."""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import NormalDist

EULER_GAMMA = 0.5772156649015329
LUCK_BELOW = 0.95
_N = NormalDist()


def expected_max_sharpe(trial_sharpes: Sequence[float]) -> float:
    """The Sharpe ratio the best of these trials would show if every one of them were worthless
    (true Sharpe zero): sqrt(V[SR]) * ((1 - g) Z^-1(1 - 1/N) + g Z^-1(1 - 1/(N e)))."""
    n = len(trial_sharpes)
    if n < 2:
        return 0.0
    mean = sum(trial_sharpes) / n
    variance = sum((s - mean) ** 2 for s in trial_sharpes) / (n - 1)
    if variance <= 0:
        return 0.0
    spread = (1 - EULER_GAMMA) * _N.inv_cdf(1 - 1 / n) + EULER_GAMMA * _N.inv_cdf(
        1 - 1 / (n * math.e)
    )
    return math.sqrt(variance) * spread


def deflated_sharpe(
    sharpe: float, periods: int, skew: float, kurtosis: float, trial_sharpes: Sequence[float]
) -> float:
    """P(true Sharpe > 0) for a best trial with per-period `sharpe` over `periods` returns of the
    given skew and (non-excess) kurtosis, chosen among `trial_sharpes` (per-period, every trial)."""
    if periods < 2:
        return 0.0
    benchmark = expected_max_sharpe(trial_sharpes)
    denominator = 1 - skew * sharpe + (kurtosis - 1) / 4 * sharpe**2
    if denominator <= 0:
        return 0.0
    z = (sharpe - benchmark) * math.sqrt(periods - 1) / math.sqrt(denominator)
    return _N.cdf(z)


def verdict(probability: float) -> str:
    return "likely skill" if probability >= LUCK_BELOW else "likely luck"
