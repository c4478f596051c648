"""Every kind of problem gives one exact line, and one load reports all of them at once."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest

from ._support import errors, write

NOBODY = 65534
SECRETS_HINT = (
    "secrets come only from the environment (PERPS_API_KEY, PERPS_API_SECRET, PERPS_API_PASSWORD)"
)


@pytest.mark.parametrize(
    ("setting", "line"),
    [
        ("risk.max_leverage=-2", "config.risk.max_leverage: must be > 0, got -2"),
        ("risk.max_order_notional=0", "config.risk.max_order_notional: must be > 0, got 0"),
        ("risk.max_symbol_notional=-1", "config.risk.max_symbol_notional: must be > 0, got -1"),
        ("risk.max_total_notional=0", "config.risk.max_total_notional: must be > 0, got 0"),
        ("risk.daily_loss_limit=0", "config.risk.daily_loss_limit: must be > 0, got 0"),
        (
            "risk.max_mark_staleness_s=0",
            "config.risk.max_mark_staleness_s: must be >= 0.001, got 0",
        ),
        ("bot.cycle_interval_s=0", "config.bot.cycle_interval_s: must be >= 0.1, got 0"),
        ("bot.id=' '", "config.bot.id: must not be empty, got ' '"),
        (
            "bot.timeframe=7m",
            "config.bot.timeframe: must be one of 1m, 3m, 5m, 15m, 30m, 1h, 2h, 4h, 6h, 8h, 12h, 1d, got '7m'",
        ),
        ("bot.symbols=[]", "config.bot.symbols: must not be empty, got []"),
        (
            'bot.symbols=["BTCUSDT", "FOO-BAR"]',
            "config.bot.symbols[1]: must be a perpetual symbol in BASE/QUOTE:SETTLE form, got 'FOO-BAR'",
        ),
        (
            'bot.symbols=["BTCUSDT", "BTC/USDT:USDT"]',
            "config.bot.symbols[1]: repeats bot.symbols[0], got 'BTC/USDT:USDT'",
        ),
        ("broker.kind=fake", "config.broker.kind: must be one of sim, ccxt, paper, got 'fake'"),
        ("broker.sim.initial_balance=0", "config.broker.sim.initial_balance: must be > 0, got 0"),
        (
            "broker.sim.taker_fee=0.1",
            "config.broker.sim.taker_fee: must be < 0.1, got 0.1",
        ),
        (
            "broker.sim.maker_fee=-0.0001",
            "config.broker.sim.maker_fee: must be >= 0, got -0.0001",
        ),
        ("broker.sim.spread_bps=-1", "config.broker.sim.spread_bps: must be >= 0, got -1"),
        (
            "broker.sim.intrabar_order=random",
            "config.broker.sim.intrabar_order: must be one of pessimistic, optimistic, got 'random'",
        ),
        ("replay.pace_ms=-5", "config.replay.pace_ms: must be >= 0, got -5"),
        (
            "replay.candles.XRPUSDT=x.csv",
            "config.replay.candles: key must be one of bot.symbols, got 'XRP/USDT:USDT'",
        ),
        (
            "replay.mark.nonsense=x.csv",
            "config.replay.mark: key must be a perpetual symbol in BASE/QUOTE:SETTLE form, got 'nonsense'",
        ),
        (
            'replay.funding."BTC/USDT:USDT"=""',
            "config.replay.funding['BTC/USDT:USDT']: must not be empty, got ''",
        ),
        (
            "strategy.params.short_window=0",
            "config.strategy.params.short_window: must be >= 1, got 0",
        ),
        (
            "strategy.params.long_window=12",
            "config.strategy.params: short_window (12) must be < long_window (12)",
        ),
        (
            "strategy.params.confirmation_bars=-1",
            "config.strategy.params.confirmation_bars: must be >= 0, got -1",
        ),
        (
            "strategy.params.trailing_stop_pct=1",
            "config.strategy.params.trailing_stop_pct: must be < 1, got 1",
        ),
        (
            "strategy.position_fraction=0",
            "config.strategy.position_fraction: must be > 0, got 0",
        ),
        (
            "strategy.position_fraction=1.5",
            "config.strategy.position_fraction: must be <= 1, got 1.5",
        ),
        ("strategy.leverage=0", "config.strategy.leverage: must be > 0, got 0"),
        (
            "strategy.leverage=6",
            "config.strategy.leverage: must be <= risk.max_leverage (5), got 6",
        ),
        ("strategy.name=''", "config.strategy.name: must not be empty, got ''"),
        (
            "monitoring.http_port=70000",
            "config.monitoring.http_port: must be <= 65535, got 70000",
        ),
        (
            "monitoring.http_port=-1",
            "config.monitoring.http_port: must be >= 0, got -1",
        ),
        (
            "monitoring.status_interval_s=0",
            "config.monitoring.status_interval_s: must be >= 0.01, got 0",
        ),
        ("streaming.heartbeat_s=0", "config.streaming.heartbeat_s: must be >= 0.001, got 0"),
        ("reconciliation.interval_s=0", "config.reconciliation.interval_s: must be >= 0.01, got 0"),
        (
            "reconciliation.pending_timeout_s=-1",
            "config.reconciliation.pending_timeout_s: must be >= 0, got -1",
        ),
        (
            "reconciliation.pending_timeout_s=86401",
            "config.reconciliation.pending_timeout_s: must be <= 86400, got 86401",
        ),
        (
            "reconciliation.unknown_orders=ignore",
            "config.reconciliation.unknown_orders: must be one of cancel, adopt, got 'ignore'",
        ),
        ("profile=prod", "config.profile: must match --profile (dev), got 'prod'"),
    ],
)
def test_range_and_choice_errors(setting: str, line: str) -> None:
    assert errors(overrides=[setting]) == [line]


@pytest.mark.parametrize(
    ("setting", "line"),
    [
        (
            "strategy.params.short_window=abc",
            "config.strategy.params.short_window: must be an integer, got 'abc'",
        ),
        (
            "strategy.params.short_window=1.5",
            "config.strategy.params.short_window: must be an integer, got 1.5",
        ),
        (
            "strategy.params.short_window=true",
            "config.strategy.params.short_window: must be an integer, got true",
        ),
        ("risk.max_leverage=lots", "config.risk.max_leverage: must be a number, got 'lots'"),
        ("risk.max_leverage=false", "config.risk.max_leverage: must be a number, got false"),
        ("risk.max_leverage=nan", "config.risk.max_leverage: must be a finite number, got nan"),
        ("risk.kill_switch=yes", "config.risk.kill_switch: must be true or false, got 'yes'"),
        ("bot.symbols=[1]", "config.bot.symbols[0]: must be a string, got 1"),
        ("replay.candles=3", "config.replay.candles: must be a table, got 3"),
        ("broker.ccxt_config=3", "config.broker.ccxt_config: must be a table, got 3"),
        ("risk=5", "config.risk: must be a table, got 5"),
    ],
)
def test_type_errors(setting: str, line: str) -> None:
    assert errors(overrides=[setting]) == [line]


def test_type_errors_in_a_file_name_the_toml_types(tmp_path: Path) -> None:
    path = write(
        tmp_path, '[strategy.params]\nshort_window = "10"\n[bot]\nid = 7\nsymbols = "BTCUSDT"\n'
    )
    assert errors(config_file=path) == [
        "config.bot.id: must be a string, got 7",
        "config.bot.symbols: must be a list of strings, got 'BTCUSDT'",
        "config.strategy.params.short_window: must be an integer, got '10'",
    ]


def test_unknown_keys_one_line_each(tmp_path: Path) -> None:
    path = write(tmp_path, "[risk]\nlevrage = 3\n\n[riskk]\nmax_leverage = 1\n")
    assert errors(config_file=path) == [
        "config.risk.levrage: unknown key",
        "config.riskk: unknown key",
    ]


@pytest.mark.parametrize(
    ("toml", "line"),
    [
        ('[broker]\napi_key = "x"\n', f"config.broker.api_key: unknown key; {SECRETS_HINT}"),
        ('api_secret = "x"\n', f"config.api_secret: unknown key; {SECRETS_HINT}"),
        ('[bot]\npassword = "x"\n', f"config.bot.password: unknown key; {SECRETS_HINT}"),
        (
            '[broker.ccxt_config]\napiKey = "x"\n',
            f"config.broker.ccxt_config.apiKey: not allowed here; {SECRETS_HINT}",
        ),
        (
            '[broker.ccxt_config.options]\nsecret = "x"\n',
            f"config.broker.ccxt_config.options.secret: not allowed here; {SECRETS_HINT}",
        ),
    ],
)
def test_secret_keys_in_files_point_to_the_environment(
    tmp_path: Path, toml: str, line: str
) -> None:
    assert errors(config_file=write(tmp_path, toml)) == [line]


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "[risk]\nlevrage = 3\nmax_leverage = -2\n\n"
        '[strategy.params]\nshort_window = "abc"\nlong_window = 5\n\n'
        '[bot]\ntimeframe = "7m"\n',
    )
    lines = errors(
        config_file=path,
        env={"PERPS__MONITORING__HTTP_PORT": "70000", "PERPS__": "x"},
        overrides=["broker.kind=fake", "oops"],
    )
    assert sorted(lines) == sorted(
        [
            "env PERPS__: expected PERPS__SECTION__KEY=value (double underscores between names)",
            "--set 'oops': expected section.key=value",
            "config.strategy.params.short_window: must be an integer, got 'abc'",
            "config.risk.levrage: unknown key",
            "config.bot.timeframe: must be one of 1m, 3m, 5m, 15m, 30m, 1h, 2h, 4h, 6h, 8h, 12h, 1d, got '7m'",
            "config.broker.kind: must be one of sim, ccxt, paper, got 'fake'",
            "config.risk.max_leverage: must be > 0, got -2",
            "config.monitoring.http_port: must be <= 65535, got 70000",
        ]
    )


def test_checks_that_read_an_unreadable_value_stay_quiet() -> None:
    # long_window=5 is only wrong against short_window, which could not be read: one line, not two.
    assert errors(
        overrides=["strategy.params.short_window=abc", "strategy.params.long_window=5"]
    ) == ["config.strategy.params.short_window: must be an integer, got 'abc'"]


def test_unknown_profile_lists_the_known_ones() -> None:
    assert errors(profile="staging") == [
        "profile: unknown profile 'staging'; known profiles: canary, dev, paper, prod"
    ]
    assert errors(profile="../dev") == [
        "profile: unknown profile '../dev'; known profiles: canary, dev, paper, prod"
    ]


def test_missing_config_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    assert errors(config_file=path) == [f"config file {path}: not found"]


def test_config_file_that_is_a_directory(tmp_path: Path) -> None:
    assert errors(config_file=tmp_path) == [f"config file {tmp_path}: is a directory, not a file"]


def test_unreadable_config_file() -> None:
    # Root reads any file, so as root the load runs in a forked child that has become nobody; the
    # file lies in a folder nobody may enter (pytest's own tmp folder is root's alone).
    with tempfile.TemporaryDirectory() as folder:
        Path(folder).chmod(0o755)
        path = write(Path(folder), "[risk]\n")
        path.chmod(0)
        assert _errors_unprivileged(path) == [
            f"config file {path}: cannot be read (Permission denied)"
        ]


def _errors_unprivileged(path: Path) -> list[str]:
    if os.geteuid() != 0:
        return errors(config_file=path)
    read, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        try:
            os.close(read)
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            os.write(write_end, json.dumps(errors(config_file=path)).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read, "rb") as pipe:
        answer = pipe.read()
    os.waitpid(child, 0)
    result: list[str] = json.loads(answer)
    return result


def test_config_file_below_a_file(tmp_path: Path) -> None:
    path = write(tmp_path, "") / "user.toml"
    assert errors(config_file=path) == [f"config file {path}: cannot be read (Not a directory)"]


def test_invalid_toml_names_the_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "[risk]\nmax_leverage = 3\nkill_switch = \n")
    assert errors(config_file=path) == [
        f"config file {path}: invalid TOML: line 3, column 15: Invalid value"
    ]


def test_non_utf8_config_file(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes('[bot]\nid = "caf\xe9"\n'.encode("latin-1"))
    assert errors(config_file=path) == [f"config file {path}: is not UTF-8 text"]


@pytest.mark.parametrize("name", ["PERPS__", "PERPS__RISK__", "PERPS__RISK____MAX_LEVERAGE"])
def test_malformed_environment_names(name: str) -> None:
    assert errors(env={name: "1"}) == [
        f"env {name}: expected PERPS__SECTION__KEY=value (double underscores between names)"
    ]


@pytest.mark.parametrize("item", ["nokey", "=3", "a..b=1", "[x]=1"])
def test_malformed_overrides(item: str) -> None:
    key = item.partition("=")[0]
    assert errors(overrides=[item]) == [f"--set {key!r}: expected section.key=value"]
