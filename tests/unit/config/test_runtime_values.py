"""Config sections become the values the runtime uses through the config converter: [risk] the
RiskLimits, [broker.sim] the SimSettings, [strategy] the strategy's params class. No field is copied
by hand, so a key the runtime value has can never be left behind."""

from __future__ import annotations

from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot_v2.adapters.brokers.sim.settings import IntrabarOrder, MarginMode, SimSettings
from bot_v2.domain.errors import ConfigError
from bot_v2.domain.risk import RiskLimits
from bot_v2.features.live_trade.strategies.baseline import BaselineParams, BaselineStrategy
from bot_v2.features.live_trade.strategies.registry import STRATEGIES
from bot_v2.orchestration import factories
from bot_v2.orchestration.config.models import (
    BotConfig,
    BrokerSection,
    RiskSection,
    SimSection,
    StrategySection,
)
from bot_v2.orchestration.runtime.lifecycle import risk_limits
from tests.unit.config._support import load

D = Decimal
amounts = st.decimals(min_value="0.0001", max_value="1000000", places=4)
rates = st.decimals(min_value="0", max_value="0.0999", places=4)


@given(amounts, amounts, amounts, amounts, amounts)
def test_the_risk_section_is_the_risk_limits(
    leverage: Decimal, order: Decimal, symbol: Decimal, total: Decimal, loss: Decimal
) -> None:
    risk = RiskSection(leverage, order, symbol, total, loss, kill_switch=True)
    assert risk_limits(BotConfig(risk=risk)) == RiskLimits(leverage, order, symbol, total, loss)


@given(
    st.builds(
        SimSection,
        initial_balance=amounts,
        taker_fee=rates,
        maker_fee=rates,
        spread_bps=amounts,
        state_path=st.just("/somewhere/exchange.db"),
        seed=st.integers(min_value=-(2**63), max_value=2**63 - 1),
        taker_fees=st.dictionaries(st.just("BTC/USDT:USDT"), rates, max_size=1),
        maker_fees=st.dictionaries(st.just("ETH/USDT:USDT"), rates, max_size=1),
        margin_mode=st.sampled_from(["cross", "isolated"]),
        intrabar_order=st.sampled_from(["pessimistic", "optimistic"]),
        slippage=amounts,
        slippage_noise=rates,
        volume_share=rates,
        liquidation_fee=rates,
    )
)
def test_the_sim_section_is_the_sim_settings(sim: SimSection) -> None:
    settings = factories.sim_settings(BotConfig(broker=BrokerSection(sim=sim)))
    for field in attrs.fields(SimSection):
        if field.name == "state_path":  # the broker's, not the exchange's
            continue
        expected = getattr(sim, field.name)
        if field.name == "margin_mode":
            expected = MarginMode(expected)
        if field.name == "intrabar_order":
            expected = IntrabarOrder(expected)
        assert getattr(settings, field.name) == expected, field.name
    # What only the exchange knows keeps its own default.
    defaults = SimSettings()
    assert (settings.default_leverage, settings.maintenance_margin_rate) == (
        defaults.default_leverage,
        defaults.maintenance_margin_rate,
    )


def test_every_sim_key_reaches_the_exchange() -> None:
    """A key added to [broker.sim] that SimSettings lacks would be dropped silently."""
    only_config = set(attrs.fields_dict(SimSection)) - set(attrs.fields_dict(SimSettings))
    assert only_config == {"state_path"}
    risk_only = set(attrs.fields_dict(RiskSection)) - set(attrs.fields_dict(RiskLimits))
    # Read by the runtime beside the limits (lifecycle.py, account_views.py).
    assert risk_only == {"kill_switch", "reduce_only", "max_mark_staleness_s"}


def test_the_strategy_section_is_structured_into_the_params_class() -> None:
    section = StrategySection(
        params={
            "short_window": 5,
            "long_window": 20,
            "confirmation_bars": 2,
            "trailing_stop_pct": D("0.03"),
            "allow_shorts": False,
        },
        position_fraction=D("0.5"),
        leverage=D(3),
    )
    built = factories.strategy(BotConfig(strategy=section))
    assert isinstance(built, BaselineStrategy)
    assert built.params == BaselineParams(5, 20, 2, D("0.03"), False)


def test_the_strategy_from_a_loaded_config_reads_text_numbers_exactly() -> None:
    loaded = load(
        overrides=["strategy.params.trailing_stop_pct=0.1", "strategy.params.long_window=30"]
    )
    built = factories.strategy(loaded.config)
    assert isinstance(built, BaselineStrategy)
    assert (built.params.trailing_stop_pct, built.params.long_window) == (D("0.1"), 30)


def test_an_unknown_strategy_is_one_line_naming_the_known_ones() -> None:
    with pytest.raises(ConfigError) as caught:
        factories.strategy(BotConfig(strategy=StrategySection(name="nope")))
    known = ", ".join(sorted(STRATEGIES))
    assert "baseline" in known
    assert caught.value.lines == [f"config.strategy.name: unknown strategy 'nope'; known: {known}"]
