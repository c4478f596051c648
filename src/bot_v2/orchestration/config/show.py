"""`perps-bot config show`: the effective config as TOML that loads back to the same BotConfig, each
leaf commented with where it came from, and whether each secret is set (never its value)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Final

import tomli_w

from bot_v2.orchestration.config.converter import make_converter
from bot_v2.orchestration.config.credentials import redact
from bot_v2.orchestration.config.loaded import LoadedConfig

_BARE_KEY: Final = re.compile(r"^[A-Za-z0-9_-]+$")
_CONTROL: Final = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def render_config_show(loaded: LoadedConfig) -> str:
    config = loaded.config
    data = make_converter().unstructure(config)
    lines = [
        f"# perps-bot effective configuration for profile {config.profile}.",
        "# Each comment names the layer that set the value: default (models.py), profile:<name>,",
        "# file:<path>, env:<VARIABLE> or --set. Pass this file back with --config to reproduce it.",
    ]
    _table(lines, data, (), loaded.sources)
    secrets = loaded.secrets
    lines += [
        "",
        "# [secrets] come only from the environment; values are never shown.",
        _secret_line("api_key", "PERPS_API_KEY", secrets.api_key),
        _secret_line("api_secret", "PERPS_API_SECRET", secrets.api_secret),
        _secret_line("api_password", "PERPS_API_PASSWORD", secrets.api_password),
        _secret_line("webhook_url", "PERPS_WEBHOOK_URL", secrets.webhook_url),
        _secret_line("slack_webhook_url", "PERPS_SLACK_WEBHOOK_URL", secrets.slack_webhook_url),
        _secret_line("telegram_bot_token", "PERPS_TELEGRAM_BOT_TOKEN", secrets.telegram_bot_token),
        _secret_line("telegram_chat_id", "PERPS_TELEGRAM_CHAT_ID", secrets.telegram_chat_id),
        _secret_line(
            "discord_webhook_url", "PERPS_DISCORD_WEBHOOK_URL", secrets.discord_webhook_url
        ),
    ]
    return redact("\n".join(lines) + "\n", secrets)


def _secret_line(name: str, variable: str, value: str) -> str:
    if value:
        return f'# {name} = "***"  # {variable} is set'
    return f"# {name} = (not set)  # {variable}"


def _table(
    lines: list[str], data: Mapping[str, Any], path: tuple[str, ...], sources: Mapping[str, str]
) -> None:
    """Keys first, then sub-tables, as TOML requires."""
    subtables = [(k, v) for k, v in data.items() if isinstance(v, Mapping)]
    for key, value in data.items():
        if not isinstance(value, Mapping):
            lines.append(f"{toml_key(key)} = {toml_value(value)}{_comment(sources, (*path, key))}")
    for key, value in subtables:
        sub = (*path, key)
        header = ".".join(toml_key(part) for part in sub)
        # An empty table is a leaf: its header carries the comment.
        comment = "" if value else _comment(sources, sub)
        lines += ["", f"[{header}]{comment}"]
        _table(lines, value, sub, sources)


def _comment(sources: Mapping[str, str], path: tuple[str, ...]) -> str:
    source = sources.get(".".join(path), "default")
    # A comment cannot hold control characters; a file name could.
    return "  # " + _CONTROL.sub("?", source)


def toml_key(key: str) -> str:
    return key if _BARE_KEY.match(key) else toml_value(key)


def toml_value(value: object) -> str:
    """One-line TOML for a value. Decimal uses its own str(), which is valid TOML float text and
    reads back exactly because the loader parses floats as Decimal."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        return "{ " + ", ".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items()) + " }"
    text = tomli_w.dumps({"v": value})
    return text[len("v = ") :].rstrip("\n")
