"""Where a profile keeps its state, logs and address files."""

from __future__ import annotations

from pathlib import Path

from bot_v2.orchestration.config.models import BotConfig


def resolve_data_dir(config: BotConfig) -> Path:
    """`bot.data_dir` when set (with `~` expanded), else `./var/<profile>` relative to the working
    directory, so dev, canary and prod never share a state file."""
    if config.bot.data_dir.strip():
        return Path(config.bot.data_dir).expanduser()
    return Path("var") / config.profile
