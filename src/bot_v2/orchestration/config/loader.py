"""load_config: models.py defaults < packaged profile < --config file < PERPS__* environment < --set,
structured by cattrs, validated, capped, with the source of every leaf. Every problem is reported
in one ConfigError; secrets are read but never required here."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any

import attrs
import cattrs

from bot_v2.domain.errors import ConfigError, InvalidSymbol
from bot_v2.domain.symbols import normalize_symbol
from bot_v2.orchestration.config.caps import cap_problems
from bot_v2.orchestration.config.converter import make_converter
from bot_v2.orchestration.config.credentials import read_secrets, redact
from bot_v2.orchestration.config.layers import (
    Layer,
    Merged,
    env_layers,
    file_layer,
    leaf_paths,
    override_layers,
    profile_layer,
)
from bot_v2.orchestration.config.loaded import LoadedConfig
from bot_v2.orchestration.config.models import BotConfig
from bot_v2.orchestration.config.problems import Problem, structure_error_lines
from bot_v2.orchestration.config.strategy import drop_params_of_other_strategies, strategy_name
from bot_v2.orchestration.config.validation import REPLAY_KINDS, validate


def load_config(
    profile: str,
    config_file: Path | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Sequence[str] = (),
) -> LoadedConfig:
    environ: Mapping[str, str] = os.environ if env is None else env
    layers = [profile_layer(profile)]
    if config_file is not None:
        layers.append(file_layer(Path(config_file)))
    from_env, lines = env_layers(environ)
    from_set, set_errors = override_layers(overrides)
    lines += set_errors

    merged = Merged()
    name_after: dict[str, object] = {}
    for layer in [*layers, *from_env, *from_set]:
        merged.apply(_normalize_replay_keys(layer))
        name_after[layer.source] = strategy_name(merged.data)
    drop_params_of_other_strategies(merged, name_after)
    if merged.data.get("profile") != profile:
        # Caps follow the profile that was asked for; a file must not quietly switch it.
        lines.append(
            Problem("profile", f"must match --profile ({profile})", merged.data["profile"]).line()
        )
        merged.data["profile"] = profile
    _drop_unused_profile_replay(merged)

    converter = make_converter()
    config, structure_lines, unreadable = _structure(converter, merged.data)
    lines += structure_lines
    if config is not None:
        config, problems = validate(config)
        caps = cap_problems(config)
        capped = {problem.path for problem in caps}
        problems = [p for p in problems if p.path not in capped] + caps
        lines += [p.line() for p in problems if not _touches(p, unreadable)]
    secrets = read_secrets(environ)
    if lines or config is None:
        raise ConfigError([redact(line, secrets) for line in lines])

    sources = {
        ".".join(path): merged.source_of(path) for path in leaf_paths(converter.unstructure(config))
    }
    return LoadedConfig(
        config=config, secrets=read_secrets(environ), sources=MappingProxyType(sources)
    )


def _structure(
    converter: cattrs.Converter, data: dict[str, Any]
) -> tuple[BotConfig | None, list[str], set[str]]:
    """The config, or the structuring errors plus a best-effort config with the unreadable leaves
    left at their defaults, so range checks still run and one pass reports everything."""
    try:
        return converter.structure(data, BotConfig), [], set()
    except Exception as exc:
        lines = structure_error_lines(exc)
    unreadable: set[str] = set()
    readable = _readable_part(converter, data, BotConfig, "", unreadable)
    try:
        return converter.structure(readable, BotConfig), lines, unreadable
    except Exception:
        return None, lines, unreadable


def _readable_part(
    converter: cattrs.Converter, data: dict[str, Any], cls: Any, prefix: str, unreadable: set[str]
) -> dict[str, Any]:
    attrs.resolve_types(cls)
    fields = attrs.fields_dict(cls)
    kept: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        if key not in fields:
            continue
        kind: Any = fields[key].type
        if attrs.has(kind):
            if isinstance(value, dict):
                kept[key] = _readable_part(converter, value, kind, f"{path}.", unreadable)
            else:
                unreadable.add(path)
            continue
        try:
            converter.structure(value, kind)
        except Exception:
            unreadable.add(path)
            continue
        kept[key] = value
    return kept


def _touches(problem: Problem, unreadable: set[str]) -> bool:
    """A check that read a value we could not structure is judging a stand-in default: drop it."""
    for path in (problem.path, *problem.refs):
        for bad in unreadable:
            if path == bad or path.startswith((f"{bad}.", f"{bad}[")):
                return True
    return False


def _normalized(symbol: str) -> str:
    try:
        return normalize_symbol(symbol)
    except InvalidSymbol:
        return symbol  # validation names it


def _normalize_replay_keys(layer: Layer) -> Layer:
    """`BTCUSDT` in a user file must override the profile's `BTC/USDT:USDT` entry, not sit beside it."""
    replay = layer.data.get("replay")
    if not isinstance(replay, dict):
        return layer
    fixed = dict(replay)
    for kind in REPLAY_KINDS:
        table = replay.get(kind)
        if isinstance(table, dict):
            fixed[kind] = {_normalized(str(key)): value for key, value in table.items()}
    return Layer(layer.source, {**layer.data, "replay": fixed})


def _drop_unused_profile_replay(merged: Merged) -> None:
    """The packaged profile's replay tables are a catalogue of bundled data. When a user narrows
    bot.symbols, entries for the symbols left out are dropped instead of failing validation;
    entries the user wrote still must name a traded symbol."""
    bot = merged.data.get("bot")
    symbols = bot.get("symbols") if isinstance(bot, dict) else None
    replay = merged.data.get("replay")
    if not isinstance(symbols, list) or not isinstance(replay, dict):
        return
    traded = {_normalized(s) for s in symbols if isinstance(s, str)}
    for kind in REPLAY_KINDS:
        table = replay.get(kind)
        if not isinstance(table, dict):
            continue
        for key in list(table):
            path = ("replay", kind, key)
            if key not in traded and merged.source_of(path).startswith("profile:"):
                merged.drop(path)
