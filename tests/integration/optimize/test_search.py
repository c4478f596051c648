"""The search loop with real Optuna and real backtests, the windows run in this process instead of
on Ray (the e2e test runs them on Ray): one seed gives one study, several objectives search with
NSGA-II and a Pareto front, and trials a killed run left running are asked again on resume."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import optuna
import pytest

from bot_v2.domain.errors import BotError, ConfigError
from bot_v2.features.optimize.space import Dimension, Space
from bot_v2.features.optimize.windows import make_folds
from bot_v2.orchestration.backtest.data import SymbolFiles, load_data
from bot_v2.orchestration.config import load_config
from bot_v2.orchestration.config.models import BotConfig
from bot_v2.orchestration.optimize.objective_source import objectives_of
from bot_v2.orchestration.optimize.runner import finish, resume_lost, search
from bot_v2.orchestration.optimize.study import StudyIdentity, open_study, storage_url
from bot_v2.orchestration.optimize.window import WindowOutcome, run_window

D = "bundled:binance_usdm"
FILES = [
    SymbolFiles(
        "ETH/USDT:USDT",
        f"{D}/1h/ETHUSDT-1h-2024.csv",
        f"{D}/funding/ETHUSDT-funding-upto-2024.csv",
        f"{D}/1h_mark/ETHUSDT-mark-1h-2024.csv",
    )
]
DAY = 86_400_000
START = 1_704_067_200_000  # 2024-01-01
FEED = load_data(FILES, START, START + 40 * DAY).feed
FOLDS = make_folds(START, START + 40 * DAY, 2, 20 * DAY, 10 * DAY)
SPACE = Space((Dimension("channel", "int", 10, 60, 5), Dimension("atr_mult", "float", 1.0, 6.0)))


class InlinePool:
    """RayPool's submit/gather, each window run in this process when submitted."""

    jobs = 2

    def submit(
        self,
        config: BotConfig,
        params: Mapping[str, object],
        start_ms: int,
        end_ms: int,
        keep_curve: bool = False,
    ) -> WindowOutcome | Exception:
        try:
            return run_window(FEED, config, params, start_ms, end_ms, keep_curve)
        except Exception as exc:
            return exc

    def gather(self, refs: Sequence[Any]) -> list[WindowOutcome | Exception]:
        return list(refs)


def config(strategy: str = "breakout") -> BotConfig:
    sets = ['bot.symbols=["ETH/USDT:USDT"]', 'bot.timeframe="1h"', f'strategy.name="{strategy}"']
    return load_config("dev", None, {}, sets).config


def study_in(tmp_path: Path, objectives: tuple[str, ...], resume: bool = False) -> Any:
    identity = StudyIdentity("breakout", ("ETH/USDT:USDT",), objectives)
    return open_study(storage_url(tmp_path, None), identity, 7, resume)


def run(tmp_path: Path, names: tuple[str, ...], trials: int) -> Any:
    study = study_in(tmp_path, names)
    objectives = objectives_of(list(names))
    search(study, InlinePool(), config(), SPACE, FOLDS, objectives, trials)  # type: ignore[arg-type]
    return study, finish(study, InlinePool(), config(), FOLDS, objectives, 10_000.0)  # type: ignore[arg-type]


def test_one_seed_one_study(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    _, a = run(tmp_path / "a", ("sharpe",), 8)
    _, b = run(tmp_path / "b", ("sharpe",), 8)
    assert [(r.number, r.params, r.values) for r in a.trials] == [
        (r.number, r.params, r.values) for r in b.trials
    ]
    assert a.best == b.best
    assert [f.trial for f in a.folds] == [f.trial for f in b.folds]
    # Out of sample: the test windows only, from the first test's start to the data's end.
    assert len(a.out_of_sample.equity) > 0
    assert int(a.out_of_sample.timestamps_ms[0]) > FOLDS[0].test_start_ms
    assert (a.out_of_sample.equity == b.out_of_sample.equity).all()


def test_several_objectives_give_a_pareto_front(tmp_path: Path) -> None:
    study, outcome = run(tmp_path, ("sharpe", "calmar"), 6)
    assert isinstance(study.sampler, optuna.samplers.NSGAIISampler)
    assert all(len(r.values) == 2 for r in outcome.best)
    front = {r.number for r in outcome.best}
    for r in outcome.trials:
        if r.number in front or r.state != "complete":
            continue
        # Every trial off the front is dominated by one on it.
        assert any(
            all(b >= v for b, v in zip(f.values, r.values, strict=True)) for f in outcome.best
        )


def test_trials_left_running_are_asked_again(tmp_path: Path) -> None:
    study = study_in(tmp_path, ("sharpe",))
    dists = {"channel": optuna.distributions.IntDistribution(10, 60, step=5)}
    lost = study.ask(dists)
    assert resume_lost(study, optuna) == 1
    states = [t.state for t in study.trials]
    assert states == [optuna.trial.TrialState.FAIL, optuna.trial.TrialState.WAITING]
    again = study.ask(dists)
    assert again.params == lost.params


def test_resume_checks_the_study_is_the_same_search(tmp_path: Path) -> None:
    study_in(tmp_path, ("sharpe",))
    with pytest.raises(ConfigError) as caught:
        study_in(tmp_path, ("sharpe",))
    assert "already holds a study; pass --resume" in caught.value.lines[0]
    with pytest.raises(ConfigError) as caught:
        study_in(tmp_path, ("calmar",), resume=True)
    assert "was made for objectives ['sharpe'], not ['calmar']" in caught.value.lines[0]
    with pytest.raises(ConfigError) as caught:
        study_in(tmp_path / "none", ("sharpe",), resume=True)
    assert caught.value.lines[0].startswith("--resume: no study in")


def test_a_batch_that_only_fails_stops_the_search_with_its_reason(tmp_path: Path) -> None:
    study = study_in(tmp_path, ("sharpe",))
    # atr_window beyond the params class's range: every trial's backtest refuses it.
    space = Space((Dimension("atr_window", "int", 20_000, 30_000),))
    with pytest.raises(BotError, match="every trial of a batch failed"):
        search(study, InlinePool(), config(), space, FOLDS, objectives_of([]), 4)  # type: ignore[arg-type]
