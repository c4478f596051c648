"""The raw layers of configuration (packaged profile, user file, environment, --set), each a nested
dict with a source label, and the deep merge that remembers which layer set each leaf."""

from __future__ import annotations

import copy
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any, Final

import attrs

from bot_v2.domain.errors import ConfigError
from bot_v2.orchestration.config.models import BotConfig

ENV_PREFIX: Final = "PERPS__"
_PROFILE_NAME: Final = re.compile(r"^[a-z0-9_-]+$")
_TOML_POSITION: Final = re.compile(r"^(?P<what>.*) \(at line (?P<line>\d+), column (?P<col>\d+)\)$")

Raw = dict[str, Any]
KeyPath = tuple[str, ...]


@attrs.frozen
class Layer:
    source: str
    data: Raw


def _profiles_dir() -> Any:
    return resources.files("bot_v2.orchestration").joinpath("profiles")


def known_profiles() -> list[str]:
    names = (entry.name for entry in _profiles_dir().iterdir())
    return sorted(name[: -len(".toml")] for name in names if name.endswith(".toml"))


def profile_layer(profile: str) -> Layer:
    known = known_profiles()
    if not _PROFILE_NAME.match(profile) or profile not in known:
        raise ConfigError(
            [f"profile: unknown profile {profile!r}; known profiles: {', '.join(known)}"]
        )
    text = _profiles_dir().joinpath(f"{profile}.toml").read_text(encoding="utf-8")
    data = _parse_toml(text, f"packaged profile {profile}.toml")
    # The profile name is the one that was asked for, even if the file forgot to say it.
    return Layer(f"profile:{profile}", {"profile": profile, **data})


def file_layer(path: Path) -> Layer:
    where = f"config file {path}"
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError([f"{where}: not found"]) from None
    except IsADirectoryError:
        raise ConfigError([f"{where}: is a directory, not a file"]) from None
    except OSError as exc:
        raise ConfigError(
            [f"{where}: cannot be read ({exc.strerror or type(exc).__name__})"]
        ) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError([f"{where}: is not UTF-8 text"]) from None
    return Layer(f"file:{path}", _parse_toml(text, where))


def _parse_toml(text: str, where: str) -> Raw:
    try:
        # parse_float=Decimal keeps `0.1` exactly 0.1 all the way to the money math.
        return tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = _TOML_POSITION.match(message)
        if match:
            message = f"line {match['line']}, column {match['col']}: {match['what']}"
        raise ConfigError([f"{where}: invalid TOML: {message}"]) from None


def parse_literal(text: str) -> object:
    """A TOML literal (`3`, `0.5`, `true`, `["a", "b"]`, `"x"`) when it is one, else the text."""
    if "\n" in text or "\r" in text:
        return text
    try:
        parsed = tomllib.loads(f"v = {text}", parse_float=Decimal)
    except tomllib.TOMLDecodeError:
        return text
    return parsed["v"] if parsed.keys() == {"v"} else text


def env_layers(env: Mapping[str, str]) -> tuple[list[Layer], list[str]]:
    """`PERPS__RISK__MAX_LEVERAGE=3` -> {"risk": {"max_leverage": 3}}, one layer per variable (sorted,
    so a broad variable comes before a narrower one and the narrower one wins)."""
    layers: list[Layer] = []
    errors: list[str] = []
    for name in sorted(env):
        if not name.startswith(ENV_PREFIX):
            continue
        parts = name[len(ENV_PREFIX) :].lower().split("__")
        if not all(parts):
            errors.append(
                f"env {name}: expected PERPS__SECTION__KEY=value (double underscores between names)"
            )
            continue
        layers.append(Layer(f"env:{name}", _nest(tuple(parts), _coerce(tuple(parts), env[name]))))
    return layers, errors


def override_layers(overrides: Sequence[str]) -> tuple[list[Layer], list[str]]:
    """`strategy.short_window=10` -> {"strategy": {"short_window": 10}}. Keys use TOML's dotted-key
    syntax, so `replay.candles."BTC/USDT:USDT"=x.csv` works."""
    layers: list[Layer] = []
    errors: list[str] = []
    for item in overrides:
        key, sep, value = item.partition("=")
        parts = _dotted_key(key) if sep else None
        if parts is None:
            # Show only the key side: the value may be something the user would not want printed.
            errors.append(f"--set {key.strip()!r}: expected section.key=value")
            continue
        layers.append(Layer("--set", _nest(parts, _coerce(parts, value.strip()))))
    return layers, errors


def _dotted_key(text: str) -> KeyPath | None:
    try:
        parsed: Any = tomllib.loads(f"{text.strip()} = 0")
    except tomllib.TOMLDecodeError:
        return None
    parts: list[str] = []
    while isinstance(parsed, dict) and len(parsed) == 1:
        ((name, parsed),) = parsed.items()
        parts.append(name)
    return tuple(parts) if parsed == 0 and parts else None


def _nest(parts: KeyPath, value: object) -> Raw:
    data: Any = value
    for part in reversed(parts):
        data = {part: data}
    result: Raw = data
    return result


def field_type(parts: KeyPath) -> Any:
    """The declared type at a key path of BotConfig; entries of dict fields have the value type;
    None for paths the model does not have."""
    cls: Any = BotConfig
    for index, part in enumerate(parts):
        if not attrs.has(cls):
            args: tuple[Any, ...] = getattr(cls, "__args__", ())
            is_entry = getattr(cls, "__origin__", None) is dict and index == len(parts) - 1
            return args[1] if is_entry else None
        attrs.resolve_types(cls)
        fields = attrs.fields_dict(cls)
        if part not in fields:
            return None
        cls = fields[part].type
    return cls


def _coerce(parts: KeyPath, text: str) -> object:
    """Environment and --set values are text. Parse them as TOML literals, but let the field's type
    decide when that would be silly: `bot.id=123` is the string "123", and a string field keeps the
    text as typed; `bot.symbols=BTCUSDT,ETHUSDT` is a list."""
    value = parse_literal(text)
    target = field_type(parts)
    if target is str and not isinstance(value, str):
        return text
    if target == tuple[str, ...] and isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


@attrs.define
class Merged:
    """The deep merge of layers, with the source of every leaf that a layer set."""

    data: Raw = attrs.field(factory=dict)
    sources: dict[KeyPath, str] = attrs.field(factory=dict)

    def apply(self, layer: Layer) -> None:
        self._merge(self.data, layer.data, (), layer.source)

    def _merge(self, into: Raw, new: Mapping[str, Any], prefix: KeyPath, source: str) -> None:
        for key, value in new.items():
            path = (*prefix, key)
            if isinstance(value, Mapping):
                if not isinstance(into.get(key), dict):
                    self._forget_under(path)
                    into[key] = {}
                self._merge(into[key], value, path, source)
                if not into[key]:
                    # An empty table is a leaf of its own (see leaf_paths).
                    self.sources[path] = source
            else:
                self._forget_under(path)
                into[key] = copy.deepcopy(value)
                self.sources[path] = source

    def _forget_under(self, path: KeyPath) -> None:
        for known in [p for p in self.sources if p[: len(path)] == path]:
            del self.sources[known]

    def drop(self, path: KeyPath) -> None:
        node: Any = self.data
        for part in path[:-1]:
            node = node[part]
        del node[path[-1]]
        self._forget_under(path)

    def source_of(self, path: KeyPath) -> str:
        return self.sources.get(path, "default")


def leaf_paths(data: Mapping[str, Any], prefix: KeyPath = ()) -> Iterable[KeyPath]:
    """Key paths of the values in nested tables; an empty table is a leaf of its own."""
    for key, value in data.items():
        path = (*prefix, key)
        if isinstance(value, Mapping) and value:
            yield from leaf_paths(value, path)
        else:
            yield path
