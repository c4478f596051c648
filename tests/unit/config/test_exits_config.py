"""[strategy.exits]: every profile ships a stop-loss; bad exits are refused one line each, naming
the key; canary cannot raise or turn off its stop-loss; the section becomes ExitSettings."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from bot_v2.features.live_trade.exits.settings import ExitSettings, StopMode, stop_room
from bot_v2.orchestration.config.exits import exit_settings

from ._support import errors, load, write

AT = "config.strategy.exits"


@pytest.mark.parametrize("profile", ["dev", "canary", "prod"])
def test_every_profile_ships_a_stop_loss(profile: str) -> None:
    exits = exit_settings(load(profile).config.strategy)
    assert exits.stop_loss is StopMode.PERCENT
    assert 0 < exits.stop_loss_pct <= Decimal("0.05")


def test_the_section_becomes_exit_settings_exactly(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "[strategy.exits]\n"
        'stop_loss = "atr"\nstop_loss_atr = 2.5\n'
        "take_profit_distances = [0.01, 0.025]\ntake_profit_fractions = [0.5, 0.5]\n"
        'trailing = "percent"\ntrailing_pct = 0.02\ntrailing_activation_pct = 0.01\n'
        'break_even_after_pct = 0.008\nmax_holding_s = 86400\nflatten_at_utc = "21:55"\n',
    )
    assert exit_settings(load("dev", path).config.strategy) == ExitSettings(
        stop_loss=StopMode.ATR,
        stop_loss_pct=Decimal("0.04"),
        stop_loss_atr=Decimal("2.5"),
        take_profit_distances=(Decimal("0.01"), Decimal("0.025")),
        take_profit_fractions=(Decimal("0.5"), Decimal("0.5")),
        trailing=StopMode.PERCENT,
        trailing_pct=Decimal("0.02"),
        trailing_activation_pct=Decimal("0.01"),
        break_even_after_pct=Decimal("0.008"),
        max_holding_s=Decimal(86400),
        flatten_at_utc="21:55",
    )


@pytest.mark.parametrize(
    ("overrides", "line"),
    [
        (
            [
                "strategy.exits.take_profit_distances=[0.01, 0.02]",
                "strategy.exits.take_profit_fractions=[0.6, 0.5]",
            ],
            f"{AT}.take_profit_fractions: must sum to at most 1 (the whole position), got [0.6, 0.5]",
        ),
        (
            [
                "strategy.exits.take_profit_distances=[0.01, 0.02]",
                "strategy.exits.take_profit_fractions=[1]",
            ],
            f"{AT}.take_profit_fractions: must have one fraction per rung of "
            f"strategy.exits.take_profit_distances (2), got [1]",
        ),
        (
            [
                "strategy.exits.take_profit_distances=[0.02, 0.01]",
                "strategy.exits.take_profit_fractions=[0.5, 0.5]",
            ],
            f"{AT}.take_profit_distances: must increase from rung to rung, got [0.02, 0.01]",
        ),
        (
            [
                "strategy.exits.take_profit_distances=[0.01, 1.5]",
                "strategy.exits.take_profit_fractions=[0.5, 0.5]",
            ],
            f"{AT}.take_profit_distances[1]: must be < 1, got 1.5",
        ),
        (
            # The sim's brackets: BTC and ETH at 100000 (risk.max_symbol_notional) keep 0.5%.
            ["strategy.leverage=5", "strategy.exits.stop_loss_pct=0.195"],
            f"{AT}.stop_loss_pct: must be < 0.195, inside the liquidation price at strategy.leverage 5 "
            "(1/leverage less the sim's maintenance margin 0.5%), got 0.195",
        ),
        (
            ['strategy.exits.trailing="percent"', "strategy.exits.trailing_pct=0.5"],
            f"{AT}.trailing_pct: must be < 0.495, inside the liquidation price at strategy.leverage 2 "
            "(1/leverage less the sim's maintenance margin 0.5%), got 0.5",
        ),
        (
            ['strategy.exits.flatten_at_utc="25:00"'],
            f'{AT}.flatten_at_utc: must be a UTC time "HH:MM" (00:00 to 23:59) or "" (off), got \'25:00\'',
        ),
        (
            ['strategy.exits.flatten_at_utc="5pm"'],
            f'{AT}.flatten_at_utc: must be a UTC time "HH:MM" (00:00 to 23:59) or "" (off), got \'5pm\'',
        ),
        (
            ["strategy.exits.trailing_activation_pct=0.02"],
            f'{AT}.trailing_activation_pct: needs strategy.exits.trailing on ("percent" or "atr"); '
            'it is "off", got 0.02',
        ),
        (
            ['strategy.exits.stop_loss="trailing"'],
            f"{AT}.stop_loss: must be one of off, percent, atr, got 'trailing'",
        ),
        (
            ["strategy.exits.break_even_after_pct=0.0005"],
            f"{AT}.break_even_after_pct: must be 0 (off) or > strategy.exits.break_even_fee_pct (0.001), got 0.0005",
        ),
        (["strategy.exits.max_holding_s=-1"], f"{AT}.max_holding_s: must be >= 0, got -1"),
        (["strategy.exits.stop_loss_atr=0"], f"{AT}.stop_loss_atr: must be > 0, got 0"),
    ],
)
def test_bad_exits_are_one_line_each(overrides: list[str], line: str) -> None:
    assert errors("dev", overrides=overrides) == [line]


def test_a_larger_position_limit_reaches_a_bracket_with_a_higher_maintenance_rate() -> None:
    # BTC's brackets: 1% from 3000000 to 12000000 of notional.
    assert errors(
        "dev",
        overrides=[
            "strategy.leverage=5",
            "strategy.exits.stop_loss_pct=0.19",
            "risk.max_symbol_notional=5000000",
            "risk.max_total_notional=10000000",
        ],
    ) == [
        f"{AT}.stop_loss_pct: must be < 0.19, inside the liquidation price at strategy.leverage 5 "
        "(1/leverage less the sim's maintenance margin 1%), got 0.19"
    ]


def test_a_live_venue_uses_the_conservative_bound() -> None:
    # prod trades on a venue whose brackets are fetched at start: half the initial margin.
    assert errors(
        "prod", overrides=["strategy.leverage=5", "strategy.exits.stop_loss_pct=0.1"]
    ) == [
        f"{AT}.stop_loss_pct: must be < 0.1, inside the liquidation price at strategy.leverage 5 "
        "(1/leverage less a maintenance margin of up to 1/(2 x leverage)), got 0.1"
    ]
    assert load("prod", overrides=["strategy.leverage=5", "strategy.exits.stop_loss_pct=0.099"])


def test_a_symbol_without_bundled_brackets_uses_the_conservative_bound() -> None:
    assert errors(
        "dev",
        overrides=[
            'bot.symbols=["SOL/USDT:USDT"]',
            "strategy.leverage=5",
            "strategy.exits.stop_loss_pct=0.1",
        ],
    ) == [
        f"{AT}.stop_loss_pct: must be < 0.1, inside the liquidation price at strategy.leverage 5 "
        "(1/leverage less a maintenance margin of up to 1/(2 x leverage)), got 0.1"
    ]


def test_a_stop_beyond_liquidation_is_fine_when_that_stop_is_off() -> None:
    loaded = load(
        "dev",
        overrides=[
            "strategy.leverage=5",
            "strategy.exits.stop_loss_pct=0.3",
            'strategy.exits.stop_loss="off"',
        ],
    )
    assert loaded.config.strategy.exits.stop_loss == "off"


def test_a_bad_leverage_is_reported_alone_not_compared_with() -> None:
    assert errors("dev", overrides=["strategy.leverage=0"]) == [
        "config.strategy.leverage: must be > 0, got 0"
    ]


@pytest.mark.parametrize(
    ("leverage", "room"),
    [("1", "0.5"), ("2", "0.25"), ("10", "0.05"), ("125", "0.004")],
)
def test_the_documented_bound_is_half_the_initial_margin(leverage: str, room: str) -> None:
    assert stop_room(Decimal(leverage)) == Decimal(room)
    # With the market's rate (BTC's first Binance bracket, 0.4%): 1/leverage less it.
    assert stop_room(Decimal(leverage), Decimal("0.004")) == 1 / Decimal(leverage) - Decimal(
        "0.004"
    )


def test_canary_cannot_raise_its_stop_loss() -> None:
    assert errors("canary", overrides=["strategy.exits.stop_loss_pct=0.06"]) == [
        f"{AT}.stop_loss_pct: canary caps this at 0.05, got 0.06"
    ]


def test_canary_cannot_turn_its_stop_loss_off_from_a_file_or_the_environment(
    tmp_path: Path,
) -> None:
    line = f"{AT}.stop_loss: canary requires this on, got 'off'"
    assert errors("canary", write(tmp_path, '[strategy.exits]\nstop_loss = "off"\n')) == [line]
    assert errors("canary", env={"PERPS__STRATEGY__EXITS__STOP_LOSS": "off"}) == [line]


def test_canary_may_tighten_its_stop_or_use_the_atr() -> None:
    loaded = load(
        "canary", overrides=["strategy.exits.stop_loss_pct=0.01", 'strategy.exits.stop_loss="atr"']
    )
    assert loaded.config.strategy.exits.stop_loss_pct == Decimal("0.01")
