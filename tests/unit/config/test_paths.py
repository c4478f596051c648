from __future__ import annotations

from pathlib import Path

import attrs

from bot_v2.orchestration.config import resolve_data_dir
from bot_v2.orchestration.config.models import BotConfig, BotSection


def test_default_data_dir_is_per_profile() -> None:
    assert resolve_data_dir(BotConfig(profile="canary")) == Path("var/canary")


def test_explicit_data_dir_wins_and_expands_home() -> None:
    config = BotConfig(bot=attrs.evolve(BotSection(), data_dir="~/perps"))
    assert resolve_data_dir(config) == Path.home() / "perps"
