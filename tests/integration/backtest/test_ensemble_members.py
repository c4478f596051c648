"""An ensemble whose members have their own parameters: through the real `perps-bot backtest`, a
member's table changes the fills (against the same ensemble on defaults) and fast mode gives the
step mode's fills; a bad member key is one line and exit 2. Fast == step with member params, and
with any of the per-candle built-ins voting, on random walks and on the bundled year."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot_v2.adapters.replay.csv_files import resolve_path
from bot_v2.cli.main import main
from bot_v2.orchestration.backtest.synthetic import random_walk
from bot_v2.orchestration.config import load_config
from bot_v2.orchestration.config.models import BotConfig
from tests.integration.backtest._support import both, bundled_year, feed, trace

BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"
D = "bundled:binance_usdm"
CANDLES = str(resolve_path(f"{D}/1h/BTCUSDT-1h-2024.csv"))
FUNDING = str(resolve_path(f"{D}/funding/BTCUSDT-funding-upto-2024.csv"))
MARK = str(resolve_path(f"{D}/1h_mark/BTCUSDT-mark-1h-2024.csv"))
ENSEMBLE = '[strategy]\nname = "ensemble"\n[strategy.params]\nmembers = "momentum,breakout"\n'
TUNED = "[strategy.params.momentum]\nlookback = 96\n[strategy.params.breakout]\nchannel = 48\n"


def backtest(tmp_path: Path, name: str, toml: str, mode: str = "fast") -> dict[str, object]:
    config = tmp_path / f"{name}.toml"
    config.write_text(toml, encoding="utf-8")
    report = tmp_path / f"{name}-{mode}"
    code = main(
        [
            "backtest", "--no-progress", "--config", str(config),
            "--data", CANDLES, "--funding", FUNDING, "--mark", MARK, "--symbol", "BTCUSDT",
            "--from", "2024-01-01", "--to", "2024-06-30", "--mode", mode,
            "--report-dir", str(report),
        ]
    )  # fmt: skip
    assert code == 0
    summary: dict[str, object] = json.loads((report / "summary.json").read_text())
    return summary


def test_member_params_take_effect_and_fast_gives_the_step_fills(tmp_path: Path) -> None:
    defaults = backtest(tmp_path, "defaults", ENSEMBLE)
    tuned = backtest(tmp_path, "tuned", ENSEMBLE + TUNED)
    tuned_step = backtest(tmp_path, "tuned", ENSEMBLE + TUNED, "step")
    assert int(str(defaults["trades"])) > 0 and int(str(tuned["trades"])) > 0
    assert tuned["fills_sha256"] != defaults["fills_sha256"]
    assert tuned["fills_sha256"] == tuned_step["fills_sha256"]
    # The tables written out as the defaults are the defaults: the same fills.
    spelled = (
        "[strategy.params.momentum]\nlookback = 48\n[strategy.params.breakout]\nchannel = 20\n"
    )
    assert (
        backtest(tmp_path, "spelled", ENSEMBLE + spelled)["fills_sha256"]
        == defaults["fills_sha256"]
    )


def test_a_bad_member_key_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(ENSEMBLE + "[strategy.params.momentum]\nlookbak = 96\n", encoding="utf-8")
    code = main(
        ["backtest", "--no-progress", "--config", str(config), "--data", CANDLES, "--symbol",
         "BTCUSDT", "--report-dir", str(tmp_path / "r")]
    )  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["perps-bot: config.strategy.params.momentum.lookbak: unknown key"]
    assert not (tmp_path / "r").exists()


def tuned_config(tmp: Path, timeframe: str, lookback: int, channel: int) -> BotConfig:
    path = tmp / "tuned.toml"
    path.write_text(
        f'[bot]\nsymbols = ["{BTC}", "{ETH}"]\ntimeframe = "{timeframe}"\n{ENSEMBLE}'
        f"[strategy.params.momentum]\nlookback = {lookback}\nvol_window = {lookback}\n"
        f"[strategy.params.breakout]\nchannel = {channel}\n",
        encoding="utf-8",
    )
    return load_config("dev", path, {}, []).config


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), lookback=st.integers(3, 30), channel=st.integers(5, 40))
def test_member_params_random_walks_give_identical_fills(
    tmp_path_factory: pytest.TempPathFactory, seed: int, lookback: int, channel: int
) -> None:
    tmp = tmp_path_factory.mktemp("members")
    columns = [
        random_walk(BTC, 600, seed=seed, volatility=0.004),
        random_walk(ETH, 600, seed=seed + 3, volatility=0.004),
    ]
    step, fast = both(tuned_config(tmp, "1m", lookback, channel), feed(columns, {}))
    assert step.broker.exchange.state.fills
    assert trace(fast) == trace(step)


ALL = ("baseline", "momentum", "breakout", "mean_reversion", "volatility_expansion", "regime")


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), members=st.lists(st.sampled_from(ALL), min_size=2, max_size=4))
def test_any_members_random_walks_give_identical_fills(
    tmp_path_factory: pytest.TempPathFactory, seed: int, members: list[str]
) -> None:
    tmp = tmp_path_factory.mktemp("any")
    path = tmp / "any.toml"
    chosen = ",".join(dict.fromkeys(members))
    path.write_text(
        f'[bot]\nsymbols = ["{BTC}", "{ETH}"]\ntimeframe = "1m"\n[strategy]\nname = "ensemble"\n'
        f'[strategy.params]\nmembers = "{chosen}"\nthreshold = 0.3\n',
        encoding="utf-8",
    )
    columns = [
        random_walk(BTC, 600, seed=seed, volatility=0.004),
        random_walk(ETH, 600, seed=seed + 5, volatility=0.004),
    ]
    step, fast = both(load_config("dev", path, {}, []).config, feed(columns, {}))
    assert step.broker.exchange.state.fills
    assert trace(fast) == trace(step)


def test_member_params_bundled_year_identical_fills(tmp_path: Path) -> None:
    data = bundled_year()
    step, fast = both(tuned_config(tmp_path, "1h", 96, 48), data.feed)
    assert {f.symbol for f in step.broker.exchange.state.fills} == {BTC, ETH}
    assert trace(fast) == trace(step)
