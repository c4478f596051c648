"""[strategy.params]: the strategy's own parameters, checked against its attrs params class so every
problem names its key, and kept apart from the strategy they were written for."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import attrs
import pytest

from bot_v2.domain.market import Candle
from bot_v2.domain.positions import Position
from bot_v2.domain.signals import Action, Signal
from bot_v2.features.live_trade.strategies import registry
from bot_v2.features.live_trade.strategies.baseline import BaselineParams, BaselineStrategy
from bot_v2.features.live_trade.strategies.params import param
from bot_v2.orchestration import factories

from ._support import errors, load, write


@attrs.frozen
class WindowParams:
    window: int = param(20, low=2, high=500, doc="Look-back, in candles.")


class WindowStrategy:
    name = "window_test"
    params_type = WindowParams

    def __init__(self, params: WindowParams) -> None:
        self.params = params

    def warmup_candles(self) -> int:
        return self.params.window

    def on_candle(self, candle: Candle, position: Position) -> Signal:
        return Signal(candle.symbol, Action.HOLD)


@pytest.fixture
def window_strategy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(registry.STRATEGIES, WindowStrategy.name, WindowStrategy)


def test_params_are_structured_into_the_strategys_class() -> None:
    loaded = load(
        overrides=["strategy.params.trailing_stop_pct=0.1", "strategy.params.long_window=30"]
    )
    built = factories.strategy(loaded.config)
    assert isinstance(built, BaselineStrategy)
    assert built.params == BaselineParams(long_window=30, trailing_stop_pct=Decimal("0.1"))


@pytest.mark.usefixtures("window_strategy")
@pytest.mark.parametrize(
    ("setting", "line"),
    [
        ("strategy.params.window=0", "config.strategy.params.window: must be >= 2, got 0"),
        ("strategy.params.window=501", "config.strategy.params.window: must be <= 500, got 501"),
        ("strategy.params.windw=5", "config.strategy.params.windw: unknown key"),
        (
            "strategy.params.window=abc",
            "config.strategy.params.window: must be an integer, got 'abc'",
        ),
    ],
)
def test_each_param_problem_is_one_line_naming_the_key(setting: str, line: str) -> None:
    assert errors(overrides=["strategy.name=window_test", setting]) == [line]


def test_a_rule_between_params_names_the_table() -> None:
    assert errors(overrides=["strategy.params.short_window=48"]) == [
        "config.strategy.params: short_window (48) must be < long_window (48)"
    ]


@pytest.mark.parametrize(
    "key", ["short_window", "long_window", "confirmation_bars", "trailing_stop_pct", "allow_shorts"]
)
def test_an_old_flat_key_says_where_it_moved(tmp_path: Path, key: str) -> None:
    path = write(tmp_path, f"[strategy]\n{key} = 1\n")
    line = f"config.strategy.{key}: moved to [strategy.params] (set strategy.params.{key})"
    assert errors(config_file=path) == [line]
    assert errors(overrides=[f"strategy.{key}=1"]) == [line]


@pytest.mark.usefixtures("window_strategy")
def test_switching_strategy_drops_the_params_written_for_the_other_one(tmp_path: Path) -> None:
    # The dev profile's [strategy.params] are the baseline's; the window strategy must not get them.
    loaded = load(overrides=["strategy.name=window_test"])
    assert loaded.config.strategy.params == {}
    built = factories.strategy(loaded.config)
    assert isinstance(built, WindowStrategy)
    assert built.params == WindowParams()
    # Params written with (or after) the name stay, in any order within a layer.
    loaded = load(overrides=["strategy.params.window=7", "strategy.name=window_test"])
    assert loaded.config.strategy.params == {"window": 7}
    path = write(tmp_path, '[strategy]\nname = "window_test"\n[strategy.params]\nwindow = 9\n')
    assert load(config_file=path).config.strategy.params == {"window": 9}


def test_an_unknown_strategy_name_is_one_line() -> None:
    known = ", ".join(sorted(registry.STRATEGIES))
    assert errors(overrides=["strategy.name=nope"]) == [
        f"config.strategy.name: unknown strategy 'nope'; known: {known}"
    ]


def test_the_momentum_builtin_is_chosen_by_name_with_its_params() -> None:
    loaded = load(overrides=["strategy.name=momentum", "strategy.params.lookback=24"])
    built = factories.strategy(loaded.config)
    assert type(built).__name__ == "MomentumStrategy"
    assert built.warmup_candles() == 49  # vol_window 48 returns need 49 closes
    assert errors(overrides=["strategy.name=momentum", "strategy.params.vol_window=1"]) == [
        "config.strategy.params.vol_window: must be >= 2, got 1"
    ]


@pytest.mark.parametrize(
    ("name", "cls", "good", "bad", "error"),
    [
        (
            "mean_reversion",
            "MeanReversionStrategy",
            "strategy.params.window=30",
            "strategy.params.entry_z=0",
            "config.strategy.params.entry_z: must be > 0, got 0",
        ),
        (
            "volatility_expansion",
            "VolatilityExpansionStrategy",
            "strategy.params.squeeze_bars=3",
            "strategy.params.window=1",
            "config.strategy.params.window: must be >= 2, got 1",
        ),
        (
            "regime",
            "RegimeStrategy",
            "strategy.params.rank_window=100",
            "strategy.params.turbulent_pct=1.5",
            "config.strategy.params.turbulent_pct: must be <= 1, got 1.5",
        ),
    ],
)
def test_the_library_builtins_are_chosen_by_name_and_their_params_checked(
    name: str, cls: str, good: str, bad: str, error: str
) -> None:
    loaded = load(overrides=[f"strategy.name={name}", good])
    assert type(factories.strategy(loaded.config)).__name__ == cls
    assert errors(overrides=[f"strategy.name={name}", bad]) == [error]


def test_mean_reversion_needs_its_rsi_thresholds_in_order() -> None:
    assert errors(
        overrides=[
            "strategy.name=mean_reversion",
            "strategy.params.rsi_low=70",
            "strategy.params.rsi_high=70",
        ]
    ) == ["config.strategy.params: rsi_low (70) must be < rsi_high (70)"]
