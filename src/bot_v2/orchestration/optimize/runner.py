"""The search loop. Trials go out in batches of --jobs: a batch is asked from the sampler
together, runs fold by fold on Ray (the train window of fold 0 for every trial of the batch, then
fold 1 for those not pruned, ...), and is told back in trial-number order. The order results
arrive in never reaches the sampler or the pruner, so one seed, one data set and one --jobs give
one search, wherever the tasks ran.

Then walk-forward: for each fold, the trial best on its train window is run on its test window;
the test windows stitched together are the out-of-sample result."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from bot_v2.domain.errors import BotError
from bot_v2.features.optimize.deflated import deflated_sharpe
from bot_v2.features.optimize.objectives import WindowScore, score
from bot_v2.features.optimize.space import Space
from bot_v2.features.optimize.walkforward import Curve, FoldResult, choose, stitch
from bot_v2.features.optimize.windows import Fold
from bot_v2.orchestration.config.models import BotConfig
from bot_v2.orchestration.optimize.objective_source import Objective
from bot_v2.orchestration.optimize.pool import RayPool
from bot_v2.orchestration.optimize.study import distributions
from bot_v2.orchestration.optimize.window import WindowOutcome

FOLD_ATTR = "fold"  # user attr fold<i>: the train window's WindowScore as a dict
Progress = Callable[[int], None]


@attrs.frozen
class TrialRow:
    number: int
    state: str  # complete | pruned | failed
    params: Mapping[str, object]
    values: tuple[float, ...]
    folds: Mapping[int, WindowScore]


@attrs.frozen
class Outcome:
    trials: tuple[TrialRow, ...]
    best: tuple[TrialRow, ...]  # single objective: the best trial; several: the Pareto front
    folds: tuple[FoldResult, ...]
    out_of_sample: Curve
    oos_score: WindowScore
    deflated: float  # P(the best trial's in-sample Sharpe is not luck)


def resume_lost(study: Any, optuna: Any) -> int:
    """Trials a killed run left running: failed, and their parameters asked again first, so the
    kill loses at most those trials' work. Returns how many."""
    lost = [t for t in study.trials if t.state == optuna.trial.TrialState.RUNNING]
    for t in lost:
        study._storage.set_trial_state_values(t._trial_id, optuna.trial.TrialState.FAIL)
        study.enqueue_trial(dict(t.params), skip_if_exists=False)
    return len(lost)


def search(
    study: Any,
    pool: RayPool,
    config: BotConfig,
    space: Space,
    folds: Sequence[Fold],
    objectives: Sequence[Objective],
    trials: int,
    progress: Progress | None = None,
) -> None:
    import optuna

    states = optuna.trial.TrialState
    resume_lost(study, optuna)
    dists = distributions(space)
    single = len(objectives) == 1

    def finished() -> int:
        return sum(1 for t in study.trials if t.state in (states.COMPLETE, states.PRUNED))

    while (done := finished()) < trials:
        batch = [study.ask(dists) for _ in range(min(pool.jobs, trials - done))]
        alive = list(batch)
        values: dict[int, list[tuple[float, ...]]] = {t.number: [] for t in batch}
        errors: list[str] = []
        for fold in folds:
            refs = [
                pool.submit(config, t.params, fold.train_start_ms, fold.train_end_ms) for t in alive
            ]
            survivors = []
            for trial, got in zip(alive, pool.gather(refs), strict=True):
                if isinstance(got, Exception):
                    trial.set_user_attr("error", f"{type(got).__name__}: {got}"[:500])
                    errors.append(f"trial {trial.number}: {type(got).__name__}: {got}")
                    study.tell(trial, state=states.FAIL)
                    continue
                trial.set_user_attr(f"{FOLD_ATTR}{fold.index}", got.score.as_dict())
                fold_values = tuple(o.value(got.score) for o in objectives)
                values[trial.number].append(fold_values)
                if single:
                    trial.report(fold_values[0], fold.index)
                    if trial.should_prune():
                        study.tell(trial, state=states.PRUNED)
                        continue
                survivors.append(trial)
            alive = survivors
            if progress is not None:
                progress(0)
        if len(errors) == len(batch):
            # Every trial of the batch failed: the next batch would too; stop with the reason.
            raise BotError(f"every trial of a batch failed; first: {errors[0][:300]}")
        for trial in alive:
            per_fold = values[trial.number]
            means = [sum(v[i] for v in per_fold) / len(per_fold) for i in range(len(objectives))]
            study.tell(trial, means[0] if single else means)
        if progress is not None:
            progress(len(batch))


def rows(study: Any, folds: int) -> tuple[TrialRow, ...]:
    import optuna

    states = optuna.trial.TrialState
    names = {states.COMPLETE: "complete", states.PRUNED: "pruned"}
    out = []
    for t in study.trials:
        if t.state not in names:
            continue
        scores = {
            i: _score(t.user_attrs[f"{FOLD_ATTR}{i}"])
            for i in range(folds)
            if f"{FOLD_ATTR}{i}" in t.user_attrs
        }
        values = tuple(t.values) if t.values is not None else ()
        out.append(TrialRow(t.number, names[t.state], dict(t.params), values, scores))
    return tuple(out)


def _score(stored: Mapping[str, float]) -> WindowScore:
    return WindowScore(
        **{**stored, "periods": int(stored["periods"]), "trades": int(stored["trades"])}
    )  # type: ignore[arg-type]


def best_rows(study: Any, table: Sequence[TrialRow]) -> tuple[TrialRow, ...]:
    by_number = {r.number: r for r in table}
    if len(study.directions) == 1:
        return (by_number[study.best_trial.number],)
    front = sorted(study.best_trials, key=lambda t: (-t.values[0], t.number))
    return tuple(by_number[t.number] for t in front)


def walk_forward(
    pool: RayPool,
    config: BotConfig,
    folds: Sequence[Fold],
    table: Sequence[TrialRow],
    objectives: Sequence[Objective],
    initial: float,
) -> tuple[tuple[FoldResult, ...], Curve]:
    """Each fold's choice (by the first objective on its train window) run on its test window."""
    first = objectives[0]
    train_values = {r.number: {i: first.value(s) for i, s in r.folds.items()} for r in table}
    by_number = {r.number: r for r in table}
    chosen = [choose(train_values, f.index, maximize=True) for f in folds]
    refs = [
        pool.submit(config, by_number[n].params, f.test_start_ms, f.test_end_ms, keep_curve=True)
        for n, f in zip(chosen, folds, strict=True)
    ]
    results: list[FoldResult] = []
    curves: list[Curve] = []
    for n, f, got in zip(chosen, folds, pool.gather(refs), strict=True):
        if isinstance(got, Exception):
            raise got
        assert isinstance(got, WindowOutcome)
        assert got.timestamps_ms is not None and got.equity is not None
        row = by_number[n]
        results.append(FoldResult(f.index, n, row.params, row.folds[f.index], got.score))
        curves.append(Curve(got.timestamps_ms, got.equity))
    return tuple(results), stitch(curves, initial)


def finish(
    study: Any,
    pool: RayPool,
    config: BotConfig,
    folds: Sequence[Fold],
    objectives: Sequence[Objective],
    initial: float,
) -> Outcome:
    table = rows(study, len(folds))
    best = best_rows(study, table)
    fold_results, curve = walk_forward(pool, config, folds, table, objectives, initial)
    oos = score(
        curve.timestamps_ms, curve.equity, sum(f.out_of_sample.trades for f in fold_results)
    )
    return Outcome(table, best, fold_results, curve, oos, _deflated(best[0], table))


def _deflated(best: TrialRow, table: Sequence[TrialRow]) -> float:
    """The best trial's in-sample Sharpe (its train windows pooled) deflated by every trial that
    was tried, pruned ones included: they were looked at too."""

    def pooled(row: TrialRow) -> float:
        scores = list(row.folds.values())
        return sum(s.period_sharpe for s in scores) / len(scores) if scores else 0.0

    scores = list(best.folds.values())
    if not scores:
        return 0.0
    periods = sum(s.periods for s in scores)
    skew = sum(s.skew for s in scores) / len(scores)
    kurtosis = sum(s.kurtosis for s in scores) / len(scores)
    return deflated_sharpe(pooled(best), periods, skew, kurtosis, [pooled(r) for r in table])
