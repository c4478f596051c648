"""One-line config problems, `config.<path>: <message>, got <value>`, and the translation of cattrs
structuring errors into that same shape."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Final

import attrs
import cattrs
from cattrs.errors import ForbiddenExtraKeysError

from bot_v2.orchestration.config.converter import BadValue

SECRET_ENV_VARS: Final = ("PERPS_API_KEY", "PERPS_API_SECRET", "PERPS_API_PASSWORD")
SECRETS_HINT: Final = "secrets come only from the environment (" + ", ".join(SECRET_ENV_VARS) + ")"

# Key names that look like credentials. Matched case-insensitively with `-`/`_` removed, so
# `api_key`, `apiKey` and `API-KEY` all hit.
_SECRET_NAMES: Final = frozenset(
    {
        "apikey",
        "apisecret",
        "apipassword",
        "secret",
        "password",
        "passphrase",
        "privatekey",
        "token",
    }
)

# Control characters that no value text can contain (repr escapes them), so they can carry
# structure through cattrs.transform_error's `<message> @ <path>` strings.
_END: Final = "\x1e"
_UNKNOWN: Final = "\x1c"
_FIELD_SEP: Final = "\x1d"

_MAX_SHOWN: Final = 80


def looks_secret(key: str) -> bool:
    return key.lower().replace("_", "").replace("-", "") in _SECRET_NAMES


def show_value(value: object) -> str:
    """A value as a person would have typed it in TOML, shortened so one line stays one line."""
    text = _show(value)
    if len(text) > _MAX_SHOWN:
        text = text[: _MAX_SHOWN - 3] + "..."
    return text


def _show(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, Decimal) and not value.is_finite():
        return str(value).lower().replace("infinity", "inf")  # TOML spelling: nan, inf, -inf
    if isinstance(value, Decimal | int):
        return str(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k} = {_show(v)}" for k, v in value.items()) + "}"
    return repr(value)


@attrs.frozen
class Problem:
    """One thing wrong with the config. `refs` names other paths the check read, so a problem that
    only exists because one of them was unreadable can be dropped."""

    path: str
    message: str
    value: object = None
    show: bool = True
    refs: tuple[str, ...] = ()

    def line(self) -> str:
        if not self.show:
            return f"config.{self.path}: {self.message}"
        return f"config.{self.path}: {self.message}, got {show_value(self.value)}"


# The baseline's keys sat flat in [strategy] before strategies had their own table.
MOVED_KEYS: Final = frozenset(
    {"short_window", "long_window", "confirmation_bars", "trailing_stop_pct", "allow_shorts"}
)


def moved_key_hint(path: str) -> str | None:
    """`config.strategy.short_window` -> where that key lives now; None for any other path."""
    section, _, key = path.removeprefix("config.").rpartition(".")
    if section == "strategy" and key in MOVED_KEYS:
        return f"moved to [strategy.params] (set strategy.params.{key})"
    return None


def unknown_key_line(path: str) -> str:
    moved = moved_key_hint(path)
    if moved is not None:
        return f"{path}: {moved}"
    leaf = path.rsplit(".", 1)[-1]
    hint = f"; {SECRETS_HINT}" if looks_secret(leaf) else ""
    return f"{path}: unknown key{hint}"


def _format(exc: BaseException, _type: type | None) -> str:
    if isinstance(exc, BadValue):
        return f"{exc.message}, got {show_value(exc.value)}{_END}"
    if isinstance(exc, ForbiddenExtraKeysError):
        return _UNKNOWN + _FIELD_SEP.join(sorted(exc.extra_fields)) + _END
    if isinstance(exc, KeyError):  # a field without a default (config.markets.*) left out
        return f"is required{_END}"
    # Not expected from our hooks; say what cattrs said rather than hide it.
    return f"cannot be read ({type(exc).__name__}){_END}"


def structure_error_lines(exc: BaseException) -> list[str]:
    """Every structuring problem as `config.<path>: <message>`, via cattrs.transform_error."""
    lines: list[str] = []
    for raw in cattrs.transform_error(exc, path="config", format_exception=_format):
        message, _, path = raw.partition(_END + " @ ")
        if message.startswith(_UNKNOWN):
            for name in message[len(_UNKNOWN) :].split(_FIELD_SEP):
                lines.append(unknown_key_line(f"{path}.{name}"))
        else:
            lines.append(f"{path}: {message}")
    return lines
