"""canary's hard caps hold against every layer; lowering is fine; prod and dev have none."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from ._support import errors, load, write

RAISES = [
    (
        "risk",
        "max_order_notional",
        "26",
        "config.risk.max_order_notional: canary caps this at 25, got 26",
    ),
    (
        "risk",
        "max_symbol_notional",
        "51",
        "config.risk.max_symbol_notional: canary caps this at 50, got 51",
    ),
    (
        "risk",
        "max_total_notional",
        "100.01",
        "config.risk.max_total_notional: canary caps this at 100, got 100.01",
    ),
    ("risk", "max_leverage", "3", "config.risk.max_leverage: canary caps this at 1, got 3"),
    (
        "risk",
        "daily_loss_limit",
        "11",
        "config.risk.daily_loss_limit: canary caps this at 10, got 11",
    ),
    ("strategy", "leverage", "1.5", "config.strategy.leverage: canary caps this at 1, got 1.5"),
    (
        "protections",
        "max_drawdown_pct",
        "0.15",
        "config.protections.max_drawdown_pct: canary caps this at 0.1, got 0.15",
    ),
]


@pytest.mark.parametrize(("section", "key", "value", "line"), RAISES)
def test_a_file_cannot_raise_a_cap(
    tmp_path: Path, section: str, key: str, value: str, line: str
) -> None:
    assert [line] == errors("canary", write(tmp_path, f"[{section}]\n{key} = {value}\n"))


@pytest.mark.parametrize(("section", "key", "value", "line"), RAISES)
def test_the_environment_cannot_raise_a_cap(section: str, key: str, value: str, line: str) -> None:
    assert errors("canary", env={f"PERPS__{section.upper()}__{key.upper()}": value}) == [line]


@pytest.mark.parametrize(("section", "key", "value", "line"), RAISES)
def test_set_cannot_raise_a_cap(section: str, key: str, value: str, line: str) -> None:
    assert errors("canary", overrides=[f"{section}.{key}={value}"]) == [line]


def test_every_raised_cap_is_reported_together() -> None:
    lines = errors("canary", overrides=[f"{s}.{k}={v}" for s, k, v, _ in RAISES])
    assert lines == [line for *_, line in RAISES]


def test_caps_may_be_lowered() -> None:
    loaded = load(
        "canary",
        overrides=[
            "risk.max_order_notional=10",
            "risk.daily_loss_limit=5",
            "risk.max_leverage=0.5",
            "strategy.leverage=0.5",
        ],
    )
    assert loaded.config.risk.max_order_notional == Decimal(10)
    assert loaded.config.strategy.leverage == Decimal("0.5")


def test_the_cap_message_replaces_the_relative_leverage_check() -> None:
    assert errors("canary", overrides=["strategy.leverage=2"]) == [
        "config.strategy.leverage: canary caps this at 1, got 2"
    ]


@pytest.mark.parametrize("profile", ["prod", "dev"])
def test_prod_and_dev_have_full_limits(profile: str) -> None:
    loaded = load(
        profile,
        overrides=[
            "risk.max_leverage=20",
            "strategy.leverage=10",
            "risk.max_order_notional=1000000",
        ],
    )
    assert loaded.config.risk.max_leverage == Decimal(20)


@pytest.mark.parametrize("profile", ["dev", "canary", "prod"])
def test_every_profile_ships_with_the_drawdown_halt_on(profile: str) -> None:
    assert load(profile).config.protections.max_drawdown_pct > 0


def test_canary_cannot_turn_the_drawdown_halt_off() -> None:
    assert errors("canary", overrides=["protections.max_drawdown_pct=0"]) == [
        "config.protections.max_drawdown_pct: canary requires this on (> 0), got 0"
    ]
    prod = load("prod", overrides=["protections.max_drawdown_pct=0"])
    assert prod.config.protections.max_drawdown_pct == 0
