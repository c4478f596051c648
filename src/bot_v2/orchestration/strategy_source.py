"""Where a strategy class comes from: a user file (strategy.file), the built-in registry, or an
installed package's entry point (group `perps_bot.strategies`). Loading user code is the outside
world, so it lives here and not in features. Every failure is one line naming the file or the name
and the problem; the config loader turns it into exit 2."""

from __future__ import annotations

import hashlib
import importlib.util
import sys
import traceback
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType
from typing import Any, Final

from bot_v2.features.live_trade.strategies.base import api_problem
from bot_v2.features.live_trade.strategies.registry import STRATEGIES

ENTRY_POINT_GROUP: Final = "perps_bot.strategies"

# A file is imported once per process: validation and the container both ask for it.
_loaded: dict[Path, ModuleType] = {}


class StrategyNotFound(Exception):
    """One line for the operator: the config path and what is wrong there."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"config.{path}: {message}")
        self.path = path
        self.message = message


def find_strategy(name: str, file: str = "") -> Any:
    if file:
        return _from_file(name, Path(file).expanduser())
    cls = STRATEGIES.get(name)
    if cls is None:
        cls = _from_entry_point(name)
    problem = api_problem(cls)
    if problem is not None:
        raise StrategyNotFound("strategy.name", f"strategy {name!r}: {problem}")
    return cls


def known_strategies() -> dict[str, Any]:
    """Built-ins and installed entry points, by name (a broken entry point is left out)."""
    found: dict[str, Any] = dict(STRATEGIES)
    for point in entry_points(group=ENTRY_POINT_GROUP):
        if point.name not in found:
            try:
                found[point.name] = point.load()
            except Exception:  # listing must not die on someone else's broken package
                continue
    return found


def file_strategies(file: str) -> list[Any]:
    """Every class with the strategy API defined in a user file."""
    module = _import(Path(file).expanduser())
    return [cls for cls in _classes(module) if api_problem(cls) is None]


def _from_entry_point(name: str) -> Any:
    for point in entry_points(group=ENTRY_POINT_GROUP):
        if point.name == name:
            try:
                return point.load()
            except Exception as exc:
                raise StrategyNotFound(
                    "strategy.name", f"entry point {point.value!r} fails to import ({_why(exc)})"
                ) from None
    known = ", ".join(sorted(known_strategies()))
    raise StrategyNotFound("strategy.name", f"unknown strategy {name!r}; known: {known}")


def _from_file(name: str, path: Path) -> Any:
    module = _import(path)
    classes = [cls for cls in _classes(module) if getattr(cls, "name", None) == name]
    if not classes:
        named = sorted(str(cls.name) for cls in _classes(module) if isinstance(cls.name, str))
        found = f" (it defines {', '.join(named)})" if named else ""
        raise StrategyNotFound("strategy.file", f"{path}: no strategy class named {name!r}{found}")
    problem = api_problem(classes[0])
    if problem is not None:
        raise StrategyNotFound("strategy.file", f"{path}: {problem}")
    return classes[0]


def _classes(module: ModuleType) -> list[Any]:
    """Classes defined in the module itself that carry a `name` (imports do not count)."""
    return [
        value
        for value in vars(module).values()
        if isinstance(value, type)
        and value.__module__ == module.__name__
        and hasattr(value, "name")
    ]


def _import(path: Path) -> ModuleType:
    try:
        resolved = path.resolve(strict=True)
    except OSError:
        raise StrategyNotFound("strategy.file", f"{path}: not found") from None
    if not resolved.is_file() or resolved.suffix != ".py":
        raise StrategyNotFound("strategy.file", f"{path}: must be a Python file (.py)")
    if resolved in _loaded:
        return _loaded[resolved]
    digest = hashlib.sha256(str(resolved).encode()).hexdigest()[:12]
    module_name = f"perps_bot_user_strategy_{resolved.stem}_{digest}"
    spec = importlib.util.spec_from_file_location(module_name, resolved)
    if spec is None or spec.loader is None:
        raise StrategyNotFound("strategy.file", f"{path}: cannot be imported")
    module = importlib.util.module_from_spec(spec)
    # attrs resolves string annotations through sys.modules; the module must be there while it runs.
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException as exc:
        sys.modules.pop(module_name, None)
        if isinstance(exc, KeyboardInterrupt | SystemExit):
            raise
        raise StrategyNotFound("strategy.file", f"{path}: fails to import ({_why(exc)})") from None
    _loaded[resolved] = module
    return module


def _why(exc: BaseException) -> str:
    """The exception in one line, with the line of the user's file where it happened."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    where = ""
    if isinstance(exc, SyntaxError) and exc.lineno:
        where = f" at line {exc.lineno}"
    else:
        frames = traceback.extract_tb(exc.__traceback__)
        if frames:
            where = f" at line {frames[-1].lineno}"
    return f"{type(exc).__name__}{where}: {text}"[:300]
