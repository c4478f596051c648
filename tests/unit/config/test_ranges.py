"""Absurd but "positive" numbers, hostile TOML and live venues under `dev` are refused with one
line, the same from a file, the environment and --set."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from bot_v2.orchestration.config.layers import MAX_DEPTH, MAX_LINE, Layer, Merged
from bot_v2.orchestration.config.models import BotConfig
from bot_v2.orchestration.config.validation import numeric_ranges

from ._support import errors, write
from .test_documented_keys import model_defaults

ABSURD = [
    # (section, key, TOML literal, the one line)
    ("strategy.params", "long_window", "1" + "0" * 20, "must be <= 10000, got 1" + "0" * 20),
    ("strategy.params", "short_window", "100001", "must be <= 10000, got 100001"),
    ("bot", "cycle_interval_s", "1e-999999", "must be >= 0.1, got 1E-999999"),
    ("bot", "cycle_interval_s", "1e20", "must be <= 86400, got 1E+20"),
    ("risk", "max_leverage", "1e20", "must be <= 125, got 1E+20"),
    ("risk", "max_order_notional", "1e300", "must be <= 1000000000000, got 1E+300"),
    ("replay", "pace_ms", "1e999999", "must be <= 60000, got 1E+999999"),
    ("streaming", "heartbeat_s", "1e-30", "must be >= 0.001, got 1E-30"),
    ("broker.sim", "seed", "9" * 30, f"must be <= {2**63 - 1}, got {'9' * 30}"),
]


@pytest.mark.parametrize(("section", "key", "value", "message"), ABSURD)
def test_absurd_numbers_get_the_same_line_from_every_layer(
    tmp_path: Path, section: str, key: str, value: str, message: str
) -> None:
    line = f"config.{section}.{key}: {message}"
    path = write(tmp_path, f"[{section}]\n{key} = {value}\n")
    env = {"PERPS__" + "__".join([*section.upper().split("."), key.upper()]): value}
    assert errors(config_file=path) == [line]
    assert errors(env=env) == [line]
    assert errors(overrides=[f"{section}.{key}={value}"]) == [line]


def test_every_number_has_a_lower_and_an_upper_bound() -> None:
    numeric = {
        f"{section}.{key}".lstrip(".")
        for section, key, default in model_defaults(BotConfig)
        if isinstance(default, int | Decimal) and not isinstance(default, bool)
    }
    assert numeric - numeric_ranges().keys() == set()


@pytest.mark.parametrize(("path", "bounds"), sorted(numeric_ranges().items()))
def test_the_model_defaults_are_inside_their_ranges(path: str, bounds: object) -> None:
    section, _, key = path.rpartition(".")
    node: object = BotConfig()
    for part in section.split(".") if section else []:
        node = getattr(node, part)
    assert bounds(path, getattr(node, key)) is None  # type: ignore[operator]


def test_a_range_that_cannot_be_read_stays_quiet() -> None:
    # long_window out of range: its relation to short_window is not judged on top.
    assert errors(overrides=["strategy.params.long_window=0"]) == [
        "config.strategy.params.long_window: must be >= 1, got 0"
    ]


def test_dev_refuses_a_live_venue() -> None:
    line = (
        "config.broker.kind: the dev profile is offline and must use sim;"
        " use canary or prod for a venue, got 'ccxt'"
    )
    assert errors("dev", overrides=["broker.kind=ccxt"]) == [line]
    assert errors("dev", env={"PERPS__BROKER__KIND": "ccxt"}) == [line]


def test_a_huge_integer_in_a_file_is_one_line(tmp_path: Path) -> None:
    path = write(tmp_path, "[strategy.params]\nshort_window = " + "9" * 5000 + "\n")
    assert errors(config_file=path) == [
        f"config file {path}: line 2: longer than {MAX_LINE} characters"
    ]


def test_a_huge_integer_in_the_environment_or_set_is_one_line() -> None:
    digits = "9" * 5000
    shown = "'" + digits[:76] + "..."
    line = f"config.strategy.params.short_window: must be an integer, got {shown}"
    assert errors(env={"PERPS__STRATEGY__PARAMS__SHORT_WINDOW": digits}) == [line]
    assert errors(overrides=[f"strategy.params.short_window={digits}"]) == [line]


@pytest.mark.parametrize(
    "text",
    [
        "x = " + "[\n" * 3000 + "]\n" * 3000,  # tomllib recurses: RecursionError
        "x = " + "{a = " * 500 + "1" + "}" * 500 + "\n",
    ],
)
def test_deeply_nested_values_in_a_file_are_one_line(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, text)
    (line,) = errors(config_file=path)
    assert line.startswith(f"config file {path}: ")
    assert line.endswith(f"nested more than {MAX_DEPTH} levels deep")


def test_a_table_nested_past_the_limit_names_where(tmp_path: Path) -> None:
    path = write(tmp_path, "[" + ".".join(["a"] * (MAX_DEPTH + 4)) + "]\nx = 1\n")
    assert errors(config_file=path) == [
        f"config file {path}: {'.'.join(['a'] * MAX_DEPTH)}...: nested more than 16 levels deep"
    ]


def test_a_long_dotted_key_in_a_file_is_refused_before_parsing(tmp_path: Path) -> None:
    # tomllib's cost for such a key is quadratic in its length (100k parts exhausts memory).
    path = write(tmp_path, "a" + ".b" * 100_000 + " = 1\n")
    assert errors(config_file=path) == [
        f"config file {path}: line 1: longer than {MAX_LINE} characters"
    ]


def test_deep_keys_from_the_environment_and_set_are_one_line() -> None:
    name = "PERPS__" + "__".join(["A"] * (MAX_DEPTH + 1))
    assert errors(env={name: "1"}) == [f"env {name}: nested more than 16 levels deep"]
    key = ".".join(["a"] * (MAX_DEPTH + 1))
    assert errors(overrides=[f"{key}=1"]) == [f"--set {key!r}: nested more than 16 levels deep"]
    long_key = "a" + ".b" * 100_000
    assert errors(overrides=[f"{long_key}=1"]) == [
        f"--set {long_key[:40]!r}...: key longer than {MAX_LINE} characters"
    ]


def test_a_deeply_nested_value_from_set_is_text_not_a_traceback() -> None:
    value = "[" * 3000 + "]" * 3000
    (line,) = errors(overrides=[f"strategy.params.short_window={value}"])
    assert line.startswith("config.strategy.params.short_window: must be an integer, got '[[[")


class _CountingSources(dict[tuple[str, ...], str]):
    """Counts full scans of the source map: a merge that scans it once per key is quadratic."""

    scans = 0

    def __iter__(self):  # type: ignore[no-untyped-def]
        type(self).scans += 1
        return super().__iter__()


def test_merging_never_scans_every_known_source() -> None:
    merged = Merged(sources=_CountingSources())
    many = {f"k{i}": i for i in range(200)}
    merged.apply(Layer("one", {"broker": {"ccxt_config": many}}))
    merged.apply(Layer("two", {"broker": {"ccxt_config": {"k1": 1, "k2": {"x": 1}}}}))
    assert _CountingSources.scans == 0
    assert merged.source_of(("broker", "ccxt_config", "k0")) == "one"
    assert merged.source_of(("broker", "ccxt_config", "k2", "x")) == "two"
    assert ("broker", "ccxt_config", "k2") not in merged.sources


def test_replacing_a_table_forgets_the_sources_under_it() -> None:
    merged = Merged()
    merged.apply(Layer("one", {"t": {"a": {"b": 1}, "c": {}}}))
    merged.apply(Layer("two", {"t": 5}))
    assert merged.sources == {("t",): "two"}
    merged.apply(Layer("three", {"t": {"d": 1}}))
    assert merged.sources == {("t", "d"): "three"}
    merged.drop(("t", "d"))
    assert merged.sources == {}
