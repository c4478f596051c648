"""defaults < packaged profile < --config file < PERPS__* environment < --set, and the source of
every leaf."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from bot_v2.orchestration.config.models import BotConfig

from ._support import load, write

LEVERAGE_FILE = "[risk]\nmax_leverage = 4\n"


def test_defaults_fill_what_the_profile_leaves_out() -> None:
    loaded = load("dev")
    assert loaded.config.risk.max_mark_staleness_s == BotConfig().risk.max_mark_staleness_s
    assert loaded.sources["risk.max_mark_staleness_s"] == "default"


def test_profile_overrides_defaults() -> None:
    loaded = load("canary")
    assert loaded.config.risk.max_leverage == Decimal(1)
    assert loaded.sources["risk.max_leverage"] == "profile:canary"
    assert loaded.sources["profile"] == "profile:canary"


def test_file_overrides_profile(tmp_path: Path) -> None:
    path = write(tmp_path, LEVERAGE_FILE)
    loaded = load("dev", path)
    assert loaded.config.risk.max_leverage == Decimal(4)
    assert loaded.sources["risk.max_leverage"] == f"file:{path}"
    assert loaded.sources["risk.max_order_notional"] == "profile:dev"


def test_env_overrides_file(tmp_path: Path) -> None:
    path = write(tmp_path, LEVERAGE_FILE)
    loaded = load("dev", path, env={"PERPS__RISK__MAX_LEVERAGE": "3"})
    assert loaded.config.risk.max_leverage == Decimal(3)
    assert loaded.sources["risk.max_leverage"] == "env:PERPS__RISK__MAX_LEVERAGE"


def test_set_overrides_env(tmp_path: Path) -> None:
    path = write(tmp_path, LEVERAGE_FILE)
    loaded = load(
        "dev", path, env={"PERPS__RISK__MAX_LEVERAGE": "3"}, overrides=["risk.max_leverage=2.5"]
    )
    assert loaded.config.risk.max_leverage == Decimal("2.5")
    assert loaded.sources["risk.max_leverage"] == "--set"


def test_later_set_wins() -> None:
    loaded = load(overrides=["strategy.params.short_window=10", "strategy.params.short_window=11"])
    assert loaded.config.strategy.params["short_window"] == 11


def test_sources_cover_every_leaf_and_only_leaves() -> None:
    sources = load("dev").sources
    assert "risk" not in sources
    assert sources["replay.candles.BTC/USDT:USDT"] == "profile:dev"
    assert sources["broker.ccxt_config"] == "default"  # an empty table is a leaf
    assert set(sources.values()) <= {"default", "profile:dev"}
    with pytest.raises(TypeError):
        sources["risk.max_leverage"] = "tampered"  # type: ignore[index]


def test_nested_env_names_and_lower_casing() -> None:
    loaded = load(
        env={
            "PERPS__BROKER__SIM__TAKER_FEE": "0.001",
            "perps__risk__max_leverage": "9",
            "OTHER": "x",
        }
    )
    assert loaded.config.broker.sim.taker_fee == Decimal("0.001")
    assert loaded.sources["broker.sim.taker_fee"] == "env:PERPS__BROKER__SIM__TAKER_FEE"
    # Only the upper-case prefix is ours.
    assert loaded.config.risk.max_leverage == Decimal(5)


def test_env_values_are_toml_literals_else_text() -> None:
    loaded = load(
        env={
            "PERPS__RISK__KILL_SWITCH": "true",
            "PERPS__BOT__SYMBOLS": '["ETHUSDT"]',
            "PERPS__BOT__DATA_DIR": "/srv/perps data",
            "PERPS__BOT__ID": "123",  # a string field keeps the text as typed
            "PERPS__BROKER__CCXT_CONFIG__TIMEOUT": "30000",
        }
    )
    config = loaded.config
    assert config.risk.kill_switch is True
    assert config.bot.symbols == ("ETH/USDT:USDT",)
    assert config.bot.data_dir == "/srv/perps data"
    assert config.bot.id == "123"
    assert config.broker.ccxt_config == {"timeout": 30000}


def test_a_broad_env_table_yields_to_a_narrower_variable() -> None:
    loaded = load(
        env={
            "PERPS__RISK": "{ max_leverage = 4, daily_loss_limit = 100 }",
            "PERPS__RISK__MAX_LEVERAGE": "3",
        }
    )
    assert loaded.config.risk.max_leverage == Decimal(3)
    assert loaded.config.risk.daily_loss_limit == Decimal(100)
    assert loaded.sources["risk.daily_loss_limit"] == "env:PERPS__RISK"


def test_symbols_as_comma_separated_text_and_normalized() -> None:
    loaded = load(overrides=["bot.symbols=btcusdt, ETH/USDT"])
    assert loaded.config.bot.symbols == ("BTC/USDT:USDT", "ETH/USDT:USDT")


def test_symbols_in_a_file_are_normalized(tmp_path: Path) -> None:
    loaded = load(config_file=write(tmp_path, '[bot]\nsymbols = ["ethusdt"]\n'))
    assert loaded.config.bot.symbols == ("ETH/USDT:USDT",)


def test_quoted_dotted_keys_in_set() -> None:
    loaded = load(overrides=['replay.candles."BTC/USDT:USDT"=mine.csv'])
    assert loaded.config.replay.candles["BTC/USDT:USDT"] == "mine.csv"
    assert loaded.sources["replay.candles.BTC/USDT:USDT"] == "--set"


def test_replay_keys_in_any_symbol_form_override_the_profile_entry(tmp_path: Path) -> None:
    loaded = load(config_file=write(tmp_path, '[replay.candles]\nBTCUSDT = "mine.csv"\n'))
    assert loaded.config.replay.candles == {
        "BTC/USDT:USDT": "mine.csv",
        "ETH/USDT:USDT": "bundled:binance_usdm/1h/ETHUSDT-1h-2024.csv",
    }


def test_narrowing_symbols_drops_the_profiles_replay_entries_for_the_others() -> None:
    loaded = load(overrides=["bot.symbols=BTCUSDT"])
    replay = loaded.config.replay
    assert list(replay.candles) == list(replay.mark) == list(replay.funding) == ["BTC/USDT:USDT"]
    assert "replay.candles.ETH/USDT:USDT" not in loaded.sources


def test_tables_merge_key_by_key(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "[broker.ccxt_config]\ntimeout = 1000\n[broker.ccxt_config.options]\ndefaultType = 'swap'\n",
    )
    loaded = load(
        config_file=path, overrides=["broker.ccxt_config.options.adjustForTimeDifference=true"]
    )
    assert loaded.config.broker.ccxt_config == {
        "timeout": 1000,
        "options": {"defaultType": "swap", "adjustForTimeDifference": True},
    }
    assert loaded.sources["broker.ccxt_config.options.defaultType"] == f"file:{path}"
    assert loaded.sources["broker.ccxt_config.options.adjustForTimeDifference"] == "--set"


def test_floats_are_read_exactly(tmp_path: Path) -> None:
    loaded = load(
        config_file=write(tmp_path, "[broker.sim]\ntaker_fee = 0.00040000000000000000001\n")
    )
    assert loaded.config.broker.sim.taker_fee == Decimal("0.00040000000000000000001")


def test_os_environ_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot_v2.orchestration.config import load_config

    monkeypatch.setenv("PERPS__STRATEGY__PARAMS__SHORT_WINDOW", "7")
    assert load_config("dev").config.strategy.params["short_window"] == 7
