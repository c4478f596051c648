"""Properties: the converter round-trips every valid config exactly, and `config show` output loads
back to the config it shows."""

from __future__ import annotations

import tempfile
import tomllib
from pathlib import Path
from typing import Any

import attrs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot_v2.orchestration.config import LoadedConfig, load_config, render_config_show
from bot_v2.orchestration.config.converter import make_converter
from bot_v2.orchestration.config.models import BotConfig, Secrets
from bot_v2.orchestration.config.validation import validate

from .strategies import bot_configs, exact


def exact_config(config: BotConfig) -> Any:
    return exact(attrs.asdict(config))


@settings(deadline=None)
@given(bot_configs())
def test_generated_configs_are_valid(config: BotConfig) -> None:
    normalized, problems = validate(config)
    assert problems == []
    assert normalized == config


@settings(deadline=None)
@given(bot_configs())
def test_structure_of_unstructure_is_the_same_config_exactly(config: BotConfig) -> None:
    conv = make_converter()
    again = conv.structure(conv.unstructure(config), BotConfig)
    assert again == config
    assert exact_config(again) == exact_config(config)


def _with_profile_catalogue(config: BotConfig) -> BotConfig:
    """Tables merge key by key, so a file cannot remove the profile's replay entries for symbols it
    trades; a config that `config show` could have printed always includes them."""
    base = load_config(
        config.profile, env={}, overrides=[f"bot.symbols={list(config.bot.symbols)!r}"]
    ).config
    replay = config.replay
    return attrs.evolve(
        config,
        replay=attrs.evolve(
            replay,
            candles={**base.replay.candles, **replay.candles},
            mark={**base.replay.mark, **replay.mark},
            funding={**base.replay.funding, **replay.funding},
        ),
    )


# No deadline: the machine is shared, and wall-clock limits in tests fail on load, not on bugs.
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bot_configs())
def test_config_show_output_loads_back_to_the_same_config(config: BotConfig) -> None:
    config = _with_profile_catalogue(config)
    shown = render_config_show(LoadedConfig(config=config, secrets=Secrets(), sources={}))
    tomllib.loads(shown)  # valid TOML, comments and all
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "shown.toml"
        path.write_text(shown, encoding="utf-8")
        again = load_config(config.profile, path, env={}).config
    assert again == config
    assert exact_config(again) == exact_config(config)


overrides = st.lists(
    st.sampled_from(
        [
            "strategy.params.short_window=5",
            "strategy.params.long_window=200",
            "strategy.params.trailing_stop_pct=0",
            "strategy.position_fraction=0.125",
            "risk.max_order_notional=12.5",
            "risk.daily_loss_limit=1E+1",
            "risk.kill_switch=true",
            "bot.symbols=BTCUSDT",
            'bot.id="with \\"quotes\\" and # hash"',
            "bot.data_dir=/tmp/perps state",
            "broker.ccxt_config.timeout=30000",
            "broker.ccxt_config.options.defaultType=swap",
            "broker.sim.taker_fee=0.00045",
            'replay.candles."BTC/USDT:USDT"=my.csv',
            "monitoring.http_port=0",
        ]
    ),
    max_size=6,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["dev", "canary", "prod", "paper"]), overrides)
def test_loaded_configs_survive_show_and_reload(profile: str, sets: list[str]) -> None:
    loaded = load_config(profile, env={}, overrides=sets)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "shown.toml"
        path.write_text(render_config_show(loaded), encoding="utf-8")
        again = load_config(profile, path, env={})
    assert again.config == loaded.config
    assert exact_config(again.config) == exact_config(loaded.config)
    assert set(again.sources) == set(loaded.sources)
