"""Strategies from an installed package's entry point (group perps_bot.strategies) and from a file,
through the config loader: found by name, listed, and one line when broken."""

from __future__ import annotations

from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from bot_v2.orchestration import factories, strategy_source

from ._support import errors, load
from .test_strategy_params import WindowStrategy

GROUP = strategy_source.ENTRY_POINT_GROUP


def installed(monkeypatch: pytest.MonkeyPatch, *points: EntryPoint) -> None:
    def entry_points(*, group: str) -> list[EntryPoint]:
        return [p for p in points if p.group == group]

    monkeypatch.setattr(strategy_source, "entry_points", entry_points)


def test_an_entry_point_strategy_is_found_by_name_and_listed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    target = f"{WindowStrategy.__module__}:WindowStrategy"
    installed(monkeypatch, EntryPoint("window_test", target, GROUP))
    loaded = load(overrides=["strategy.name=window_test", "strategy.params.window=5"])
    built = factories.strategy(loaded.config)
    assert isinstance(built, WindowStrategy) and built.params.window == 5
    assert strategy_source.known_strategies()["window_test"] is WindowStrategy


def test_a_broken_entry_point_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    installed(monkeypatch, EntryPoint("gone", "no_such_module_xyz:Thing", GROUP))
    (line,) = errors(overrides=["strategy.name=gone"])
    assert line.startswith(
        "config.strategy.name: entry point 'no_such_module_xyz:Thing' fails to import "
        "(ModuleNotFoundError"
    )
    assert "gone" not in strategy_source.known_strategies()


def test_a_missing_file_is_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "nope.py"
    assert errors(overrides=[f'strategy.file="{missing}"']) == [
        f"config.strategy.file: {missing}: not found"
    ]
