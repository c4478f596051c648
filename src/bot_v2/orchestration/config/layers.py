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
# Limits on what tomllib is given. Its cost for one dotted key grows with the square of the key's
# length (a 20 kB `a.b.c...` key takes seconds and 400 MB), and a config line is never this long.
MAX_LINE: Final = 4096
MAX_FILE_BYTES: Final = 16 * 1024 * 1024
# The model is four tables deep; ccxt options add a few. Deeper is a mistake or an attack.
MAX_DEPTH: Final = 16

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
        with path.open("rb") as stream:
            raw = stream.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError([f"{where}: not found"]) from None
    except IsADirectoryError:
        raise ConfigError([f"{where}: is a directory, not a file"]) from None
    except OSError as exc:
        raise ConfigError(
            [f"{where}: cannot be read ({exc.strerror or type(exc).__name__})"]
        ) from None
    if len(raw) > MAX_FILE_BYTES:
        raise ConfigError([f"{where}: larger than {MAX_FILE_BYTES // 1024 // 1024} MiB"])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError([f"{where}: is not UTF-8 text"]) from None
    return Layer(f"file:{path}", _parse_toml(text, where))


def _parse_toml(text: str, where: str) -> Raw:
    for number, line in enumerate(text.splitlines(), start=1):
        if len(line) > MAX_LINE:
            raise ConfigError([f"{where}: line {number}: longer than {MAX_LINE} characters"])
    try:
        # parse_float=Decimal keeps `0.1` exactly 0.1 all the way to the money math.
        data = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = _TOML_POSITION.match(message)
        if match:
            message = f"line {match['line']}, column {match['col']}: {match['what']}"
        raise ConfigError([f"{where}: invalid TOML: {message}"]) from None
    except RecursionError:
        raise ConfigError([f"{where}: invalid TOML: {_TOO_DEEP}"]) from None
    except ValueError:
        # int() refuses more than sys.get_int_max_str_digits() digits (4300).
        raise ConfigError([f"{where}: invalid TOML: {_TOO_LONG_NUMBER}"]) from None
    deep = too_deep(data)
    if deep is not None:
        raise ConfigError([f"{where}: {'.'.join(deep)}...: {_TOO_DEEP}"])
    return data


_TOO_DEEP: Final = f"nested more than {MAX_DEPTH} levels deep"
_TOO_LONG_NUMBER: Final = "a number with too many digits"


def too_deep(data: object) -> KeyPath | None:
    """The first key path that goes deeper than MAX_DEPTH tables or arrays, else None. A loop,
    not recursion: the answer must not depend on how deep the stack already is."""
    stack: list[tuple[KeyPath, object]] = [((), data)]
    while stack:
        path, node = stack.pop()
        if len(path) > MAX_DEPTH:
            return path[:MAX_DEPTH]
        if isinstance(node, Mapping):
            stack.extend(((*path, str(key)), value) for key, value in node.items())
        elif isinstance(node, list | tuple):
            stack.extend(((*path, f"[{index}]"), item) for index, item in enumerate(node))
    return None


def parse_literal(text: str) -> object:
    """A TOML literal (`3`, `0.5`, `true`, `["a", "b"]`, `"x"`) when it is one, else the text."""
    if "\n" in text or "\r" in text or len(text) > MAX_LINE:
        return text
    try:
        parsed = tomllib.loads(f"v = {text}", parse_float=Decimal)
    except (ValueError, RecursionError):  # TOMLDecodeError is a ValueError
        return text
    if parsed.keys() != {"v"} or too_deep(parsed["v"]) is not None:
        return text
    return parsed["v"]


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
        if len(parts) > MAX_DEPTH:
            errors.append(f"env {name[:MAX_LINE]}: {_TOO_DEEP}")
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
        if len(key) > MAX_LINE:
            errors.append(f"--set {key[:40]!r}...: key longer than {MAX_LINE} characters")
            continue
        parts = _dotted_key(key) if sep else None
        if parts is not None and len(parts) > MAX_DEPTH:
            errors.append(f"--set {key.strip()!r}: {_TOO_DEEP}")
            continue
        if parts is None:
            # Show only the key side: the value may be something the user would not want printed.
            errors.append(f"--set {key.strip()!r}: expected section.key=value")
            continue
        layers.append(Layer("--set", _nest(parts, _coerce(parts, value.strip()))))
    return layers, errors


def _dotted_key(text: str) -> KeyPath | None:
    try:
        parsed: Any = tomllib.loads(f"{text.strip()} = 0")
    except (ValueError, RecursionError):
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
                    self._forget(path, into.get(key))
                    into[key] = {}
                self._merge(into[key], value, path, source)
                if not into[key]:
                    # An empty table is a leaf of its own (see leaf_paths).
                    self.sources[path] = source
            else:
                self._forget(path, into.get(key))
                into[key] = copy.deepcopy(value)
                self.sources[path] = source

    def _forget(self, path: KeyPath, old: object) -> None:
        """Forget the sources of what is replaced: `old` at `path` and everything under it. Walking
        the replaced value, not every known source, keeps a merge linear in the number of keys."""
        stack = [(path, old)]
        while stack:
            at, node = stack.pop()
            self.sources.pop(at, None)
            if isinstance(node, dict):
                stack.extend(((*at, key), child) for key, child in node.items())

    def drop(self, path: KeyPath) -> None:
        node: Any = self.data
        for part in path[:-1]:
            node = node[part]
        self._forget(path, node.pop(path[-1]))

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
