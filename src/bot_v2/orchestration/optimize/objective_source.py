"""--objective: a built-in name (sharpe, sortino, calmar, profit, profit_dd) or a user's function
`path/to/file.py:name`, called with one window's score as a dict (the keys of
features/optimize/objectives.WindowScore) and returning a float, higher is better. Functions run
in the driver only, so a cluster's workers never need the user's file."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import attrs

from bot_v2.domain.errors import ConfigError
from bot_v2.features.optimize.objectives import OBJECTIVES, WindowScore

UserFunction = Callable[[Mapping[str, float]], float]


@attrs.frozen
class Objective:
    name: str
    function: UserFunction | None = None

    def value(self, found: WindowScore) -> float:
        if self.function is None:
            return found.value(self.name)
        result = self.function(found.as_dict())
        if not isinstance(result, int | float) or isinstance(result, bool):
            raise ConfigError(
                [f"--objective {self.name}: must return a number, returned {type(result).__name__}"]
            )
        return float(result)


def objectives_of(texts: Sequence[str]) -> tuple[Objective, ...]:
    names = [n.strip() for t in texts for n in t.split(",") if n.strip()] or ["sharpe"]
    if len(set(names)) != len(names):
        raise ConfigError(["--objective: each objective may be given once"])
    return tuple(_one(n) for n in names)


def _one(text: str) -> Objective:
    if text in OBJECTIVES:
        return Objective(text)
    if ":" not in text or not text.split(":", 1)[0].endswith(".py"):
        raise ConfigError(
            [f"--objective: {text!r} is not one of {', '.join(OBJECTIVES)} nor FILE.py:FUNCTION"]
        )
    file, name = text.rsplit(":", 1)
    path = Path(file).expanduser()
    if not path.is_file():
        raise ConfigError([f"--objective: {path}: no such file"])
    spec = importlib.util.spec_from_file_location(f"perps_bot_objective_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise ConfigError([f"--objective: {path}: cannot be imported"])
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        raise ConfigError([f"--objective: {path}: {type(exc).__name__}: {exc}"]) from exc
    function = getattr(module, name, None)
    if not callable(function):
        raise ConfigError([f"--objective: {path} defines no function {name!r}"])
    return Objective(text, function)
