"""The collector's pace while the bot runs: its young generation is sized for a cycle while
PerpsBot.run runs (observed from inside a real dev run's cycles) and the thresholds the process
had are given back after it, also when the block ends with an error."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot_v2.monitoring.reports import CycleReport
from bot_v2.orchestration.builders import PerpsBotBuilder, make_container
from bot_v2.orchestration.config import load_config
from bot_v2.orchestration.runtime.collector import YOUNG_GENERATION, cycle_sized_collector


@pytest.fixture
def thresholds() -> Iterator[tuple[int, int, int]]:
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield gc.get_threshold()
    gc.set_threshold(*before)


def test_the_block_sizes_the_young_generation_and_gives_it_back(
    thresholds: tuple[int, int, int],
) -> None:
    with cycle_sized_collector():
        assert gc.get_threshold() == (YOUNG_GENERATION, 10, 10)
    assert gc.get_threshold() == thresholds
    with pytest.raises(RuntimeError), cycle_sized_collector(1234):
        assert gc.get_threshold()[0] == 1234
        raise RuntimeError("a cycle failed")
    assert gc.get_threshold() == thresholds


def test_a_running_bot_collects_at_its_cycle_sized_pace(
    tmp_path: Path, thresholds: tuple[int, int, int]
) -> None:
    overrides = [f"bot.data_dir={tmp_path}", "monitoring.http_port=0", "replay.pace_ms=0"]
    loaded = load_config("dev", None, {}, overrides)
    container = make_container(loaded.config, loaded.secrets, tmp_path)
    seen: list[tuple[int, int, int]] = []

    def observe(_report: CycleReport) -> None:
        seen.append(gc.get_threshold())

    bot = PerpsBotBuilder(container, write=lambda _line: None, observers=[observe]).build()
    asyncio.run(bot.run(3))
    assert seen == [(YOUNG_GENERATION, 10, 10)] * 3
    assert gc.get_threshold() == thresholds
