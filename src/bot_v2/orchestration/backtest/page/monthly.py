"""Monthly returns from the equity curve: each UTC month's last equity over the one before it (the
first month over the initial equity), and each year's compounded."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


def monthly_returns(
    times_ms: npt.NDArray[np.int64], equity: npt.NDArray[np.float64], initial: float
) -> dict[int, dict[int, float]]:
    """year -> month (1..12) -> return as a fraction; months without a cycle are absent."""
    if len(times_ms) == 0:
        return {}
    months = times_ms.astype("datetime64[ms]").astype("datetime64[M]").astype(np.int64)
    ends = np.flatnonzero(np.append(months[1:] != months[:-1], True))
    closing = equity[ends]
    before = np.concatenate(([initial], closing[:-1]))
    out: dict[int, dict[int, float]] = {}
    for m, b, c in zip(months[ends].tolist(), before.tolist(), closing.tolist(), strict=True):
        out.setdefault(1970 + m // 12, {})[m % 12 + 1] = c / b - 1 if b > 0 else 0.0
    return out


def yearly(months: dict[int, float]) -> float:
    total = 1.0
    for r in months.values():
        total *= 1 + r
    return total - 1
