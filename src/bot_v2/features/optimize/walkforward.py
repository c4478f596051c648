"""Walk-forward results: per fold, the parameters chosen on its train window (the trial whose
score there is best) and what they did on the test window after it; the test windows' equity
stitched into one out-of-sample curve; and how far the chosen parameters move between folds."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import attrs
import numpy as np
import numpy.typing as npt

from bot_v2.features.optimize.objectives import WindowScore


@attrs.frozen
class FoldResult:
    index: int
    trial: int  # the trial chosen on this fold's train window
    params: Mapping[str, object]
    in_sample: WindowScore
    out_of_sample: WindowScore


@attrs.frozen
class Curve:
    timestamps_ms: npt.NDArray[np.int64]
    equity: npt.NDArray[np.float64]


def choose(train_values: Mapping[int, Mapping[int, float]], fold: int, maximize: bool) -> int:
    """The trial number with the best value on `fold`'s train window; ties go to the lower
    number, so the choice does not depend on the order trials finished in."""
    candidates = [(v[fold], t) for t, v in train_values.items() if fold in v]
    if not candidates:
        raise ValueError(f"no trial finished fold {fold}")
    best = max(candidates, key=lambda c: (c[0] if maximize else -c[0], -c[1]))
    return best[1]


def stitch(curves: Sequence[Curve], initial: float) -> Curve:
    """The test windows one after another, each compounding from where the previous one ended:
    every window's equity is taken relative to its own start."""
    stamps: list[npt.NDArray[np.int64]] = []
    values: list[npt.NDArray[np.float64]] = []
    level = initial
    for curve in curves:
        if len(curve.equity) == 0 or curve.equity[0] <= 0:
            continue
        relative = curve.equity / curve.equity[0]
        stamps.append(curve.timestamps_ms)
        values.append(level * relative)
        level = float(level * relative[-1])
    if not stamps:
        return Curve(np.zeros(0, dtype=np.int64), np.zeros(0))
    return Curve(np.concatenate(stamps), np.concatenate(values))


def drift(folds: Sequence[FoldResult]) -> dict[str, float]:
    """Per numeric parameter, the spread of its chosen values across folds relative to their mean
    (coefficient of variation): near 0, every fold agrees; large, the choice is noise. Categorical
    parameters give the share of folds that differ from the most common choice."""
    out: dict[str, float] = {}
    names = sorted({k for f in folds for k in f.params})
    for name in names:
        values = [f.params[name] for f in folds if name in f.params]
        numeric = [
            float(v) for v in values if isinstance(v, int | float) and not isinstance(v, bool)
        ]
        if len(numeric) == len(values) and values:
            mean = float(np.mean(numeric))
            sd = float(np.std(numeric))
            out[name] = sd / abs(mean) if mean != 0 else sd
        elif values:
            common = max(set(map(repr, values)), key=list(map(repr, values)).count)
            out[name] = sum(1 for v in values if repr(v) != common) / len(values)
    return out


def importance(params: Sequence[Mapping[str, object]], values: Sequence[float]) -> dict[str, float]:
    """How much each parameter moves the objective: the absolute Spearman rank correlation
    between the parameter and the value over the trials, normalized to sum to 1 (0 for all when
    nothing correlates). Categorical choices are ranked by their text."""
    if len(values) < 3:
        return {}
    target = _ranks(list(values))
    raw: dict[str, float] = {}
    names = sorted({k for p in params for k in p})
    for name in names:
        column = [p.get(name) for p in params]
        if any(v is None for v in column):
            continue
        keys = [
            v if isinstance(v, int | float) and not isinstance(v, bool) else repr(v) for v in column
        ]
        ranks = _ranks(keys)
        if np.std(ranks) == 0 or np.std(target) == 0:
            raw[name] = 0.0
            continue
        raw[name] = abs(float(np.corrcoef(ranks, target)[0, 1]))
    total = sum(raw.values())
    return {k: (v / total if total > 0 else 0.0) for k, v in raw.items()}


def _ranks(values: Sequence[object]) -> npt.NDArray[np.float64]:
    """Average ranks (ties share the mean of their positions)."""
    order = sorted(range(len(values)), key=lambda i: values[i])  # type: ignore[arg-type,return-value]
    ranks = np.zeros(len(values))
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2
        i = j + 1
    return ranks
