"""The Optuna study: where it lives (SQLite in the report directory, or a database URL shared by
several machines), which sampler searches it (TPE for one objective, NSGA-II for several, both
seeded), and the checks that keep --resume from mixing two different searches in one study."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from bot_v2.domain.errors import ConfigError
from bot_v2.features.optimize.space import Dimension, Space

STUDY_NAME = "perps-bot-optimize"
DB_FILE = "study.db"
# What a resumed study must agree on with the command that resumes it.
IDENTITY = ("strategy", "symbols", "objectives")


@attrs.frozen
class StudyIdentity:
    strategy: str
    symbols: tuple[str, ...]
    objectives: tuple[str, ...]

    def attrs_map(self) -> dict[str, Any]:
        return {
            "strategy": self.strategy,
            "symbols": list(self.symbols),
            "objectives": list(self.objectives),
        }


def storage_url(report_dir: Path, storage: str | None) -> str:
    return storage or f"sqlite:///{(report_dir / DB_FILE).resolve()}"


def distributions(space: Space) -> dict[str, Any]:
    from optuna.distributions import (
        CategoricalDistribution,
        FloatDistribution,
        IntDistribution,
    )

    out: dict[str, Any] = {}
    for d in space.dimensions:
        out[d.name] = _distribution(d, CategoricalDistribution, FloatDistribution, IntDistribution)
    return out


def _distribution(d: Dimension, categorical: Any, floating: Any, integer: Any) -> Any:
    if d.kind == "categorical":
        return categorical(list(d.choices))
    if d.kind == "int":
        step = int(d.step) if d.step is not None else 1
        high = int(d.low) + (int(d.high) - int(d.low)) // step * step
        return integer(int(d.low), high, step=step, log=d.log)
    if d.step is not None:
        high = d.low + ((d.high - d.low) // d.step) * d.step
        return floating(d.low, high, step=d.step)
    return floating(d.low, d.high, log=d.log)


def sampler(objectives: int, seed: int, finished: int) -> Any:
    """Seeded so one seed and one data set give one search; a resumed study is seeded past the
    trials it has, so it does not draw its first trials again."""
    import optuna

    if objectives > 1:
        return optuna.samplers.NSGAIISampler(seed=seed + finished)
    return optuna.samplers.TPESampler(seed=seed + finished, n_startup_trials=10)


def pruner() -> Any:
    """A trial whose score on a fold is below the median of earlier trials' on that fold stops
    there (after 5 trials); several objectives are not pruned (Optuna cannot compare them)."""
    import optuna

    return optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=0)


def open_study(url: str, identity: StudyIdentity, seed: int, resume: bool) -> Any:
    """The study at `url`, created, or loaded with --resume. Imports Optuna only when called: the
    other commands do not pay for it."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    existing = _existing(url)
    if existing is not None and not resume:
        raise ConfigError(
            [
                f"--report-dir: {_where(url)} already holds a study; pass --resume to continue it "
                "or choose another --report-dir"
            ]
        )
    if existing is None and resume:
        raise ConfigError([f"--resume: no study in {_where(url)} to resume"])
    if existing is not None:
        study = optuna.load_study(study_name=STUDY_NAME, storage=url, pruner=pruner())
        _check_same(study.user_attrs, identity, url)
        finished = len(study.trials)
        study.sampler = sampler(len(identity.objectives), seed, finished)
        return study
    study = optuna.create_study(
        study_name=STUDY_NAME,
        storage=url,
        directions=["maximize"] * len(identity.objectives),
        sampler=sampler(len(identity.objectives), seed, 0),
        pruner=pruner(),
    )
    for key, value in identity.attrs_map().items():
        study.set_user_attr(key, value)
    study.set_user_attr("seed", seed)
    return study


def _existing(url: str) -> Any:
    import optuna

    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return None
    try:
        names = [s.study_name for s in optuna.get_all_study_summaries(storage=url)]
    except Exception as exc:
        raise ConfigError([f"--storage: cannot open {_where(url)}: {exc}"]) from exc
    return STUDY_NAME if STUDY_NAME in names else None


def _check_same(found: Mapping[str, Any], identity: StudyIdentity, url: str) -> None:
    wanted = identity.attrs_map()
    for key in IDENTITY:
        if found.get(key) != wanted[key]:
            raise ConfigError(
                [
                    f"--resume: the study in {_where(url)} was made for {key} {found.get(key)!r}, "
                    f"not {wanted[key]!r}; resume it with the same {key} or choose another --report-dir"
                ]
            )


def _where(url: str) -> str:
    # A database URL may carry a password: name only its kind and path.
    if url.startswith("sqlite:///"):
        return url.removeprefix("sqlite:///")
    return url.split("://", 1)[0] + " storage"
