"""Helpers shared by the config loader tests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from bot_v2.domain.errors import ConfigError
from bot_v2.orchestration.config import LoadedConfig, load_config

# Distinctive strings: if any of them shows up in an error or in `config show`, a secret leaked.
SECRET_ENV = {
    "PERPS_API_KEY": "LEAKCHECK-KEY-7f3a9",
    "PERPS_API_SECRET": "LEAKCHECK-SECRET-b41c2",
    "PERPS_API_PASSWORD": "LEAKCHECK-PASSWORD-e55d0",
}


def write(tmp_path: Path, text: str, name: str = "user.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def load(
    profile: str = "dev",
    config_file: Path | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Sequence[str] = (),
) -> LoadedConfig:
    # Never the real environment: a developer's PERPS__* variables must not change test results.
    return load_config(profile, config_file, {} if env is None else env, overrides)


def errors(
    profile: str = "dev",
    config_file: Path | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Sequence[str] = (),
) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load(profile, config_file, env, overrides)
    lines = caught.value.lines
    assert str(caught.value) == "\n".join(lines)
    assert all("\n" not in line for line in lines)
    return lines
