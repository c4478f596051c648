"""`[strategy.exits]`: its checks (ranges and the rules between keys) and its runtime value,
ExitSettings. validation.py runs the checks with the rest of the config."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Final

from bot_v2.features.live_trade.exits.settings import ExitSettings, StopMode, stop_room, utc_minute
from bot_v2.orchestration.config.converter import runtime_value
from bot_v2.orchestration.config.models import BotConfig, StrategySection
from bot_v2.orchestration.config.problems import Problem
from bot_v2.orchestration.config.ranges import Range

AT: Final = "strategy.exits"
STOP_MODES: Final = tuple(mode.value for mode in StopMode)
# A ladder longer than this is a typo: each rung is an order the venue must hold.
MAX_RUNGS: Final = 20
# Fractions of the price: a stop or a rung at or past 100% from the price is no price.
PRICE_FRACTION: Final = Range(0, 1, low_open=True, high_open=True)
LADDER_FRACTION: Final = Range(0, 1, low_open=True)
# A stop of a hundred ATRs is no stop; an ATR multiple of 0 is a stop at the price.
ATR_MULTIPLE: Final = Range(0, 100, low_open=True)
# Profits up to 10x the entry price (a long can gain more than 100%).
PROFIT: Final = Range(0, 10)
FEES: Final = Range(0, "0.1", high_open=True)
HOLDING_S: Final = Range(0, 365 * 86_400)
ATR_WINDOW: Final = Range(1, 10_000)

Check = Callable[[str, Any], Problem | None]


def _one_of(path: str, value: str) -> Problem | None:
    if value in STOP_MODES:
        return None
    return Problem(path, "must be one of " + ", ".join(STOP_MODES), value)


def _utc_time(path: str, value: str) -> Problem | None:
    if value == "" or utc_minute(value) is not None:
        return None
    return Problem(path, 'must be a UTC time "HH:MM" (00:00 to 23:59) or "" (off)', value)


def exit_leaf_checks(c: BotConfig) -> list[tuple[str, Any, Check]]:
    """Every key of the section with its own check; numbers with their documented Range."""
    e = c.strategy.exits
    return [
        (f"{AT}.stop_loss", e.stop_loss, _one_of),
        (f"{AT}.stop_loss_pct", e.stop_loss_pct, PRICE_FRACTION),
        (f"{AT}.stop_loss_atr", e.stop_loss_atr, ATR_MULTIPLE),
        *((f"{AT}.take_profit_distances[{i}]", d, PRICE_FRACTION)
          for i, d in enumerate(e.take_profit_distances)),
        *((f"{AT}.take_profit_fractions[{i}]", f, LADDER_FRACTION)
          for i, f in enumerate(e.take_profit_fractions)),
        (f"{AT}.trailing", e.trailing, _one_of),
        (f"{AT}.trailing_pct", e.trailing_pct, PRICE_FRACTION),
        (f"{AT}.trailing_atr", e.trailing_atr, ATR_MULTIPLE),
        (f"{AT}.trailing_activation_pct", e.trailing_activation_pct, PROFIT),
        (f"{AT}.break_even_after_pct", e.break_even_after_pct, PROFIT),
        (f"{AT}.break_even_fee_pct", e.break_even_fee_pct, FEES),
        (f"{AT}.max_holding_s", e.max_holding_s, HOLDING_S),
        (f"{AT}.flatten_at_utc", e.flatten_at_utc, _utc_time),
        (f"{AT}.atr_window", e.atr_window, ATR_WINDOW),
    ]  # fmt: skip


def exit_relations(c: BotConfig, leverage_ok: bool) -> list[Problem]:
    """The rules between keys. `leverage_ok`: strategy.leverage is in its range (else comparing
    with it would be noise; its own problem is reported)."""
    e = c.strategy.exits
    problems = _ladder(e.take_profit_distances, e.take_profit_fractions)
    if leverage_ok:
        problems += _inside_liquidation(c.strategy)
    if e.trailing == "off" and e.trailing_activation_pct != 0:
        problems.append(
            Problem(
                f"{AT}.trailing_activation_pct",
                f'needs {AT}.trailing on ("percent" or "atr"); it is "off"',
                e.trailing_activation_pct,
                refs=(f"{AT}.trailing",),
            )
        )
    fee = e.break_even_fee_pct
    if 0 < e.break_even_after_pct <= fee and FEES.holds(fee):
        # Armed at a profit below the fees, the break-even stop would sit beyond the price.
        problems.append(
            Problem(
                f"{AT}.break_even_after_pct",
                f"must be 0 (off) or > {AT}.break_even_fee_pct ({fee})",
                e.break_even_after_pct,
                refs=(f"{AT}.break_even_fee_pct",),
            )
        )
    return problems


def _ladder(distances: tuple[Decimal, ...], fractions: tuple[Decimal, ...]) -> list[Problem]:
    path = f"{AT}.take_profit_fractions"
    if len(distances) > MAX_RUNGS:
        return [
            Problem(
                f"{AT}.take_profit_distances", f"must have at most {MAX_RUNGS} rungs", distances
            )
        ]
    if len(fractions) != len(distances):
        return [
            Problem(
                path,
                f"must have one fraction per rung of {AT}.take_profit_distances ({len(distances)})",
                fractions,
                refs=(f"{AT}.take_profit_distances",),
            )
        ]
    problems: list[Problem] = []
    if sum(fractions, Decimal(0)) > 1:
        problems.append(Problem(path, "must sum to at most 1 (the whole position)", fractions))
    if any(b <= a for a, b in itertools.pairwise(distances)):
        problems.append(
            Problem(f"{AT}.take_profit_distances", "must increase from rung to rung", distances)
        )
    return problems


def _inside_liquidation(s: StrategySection) -> list[Problem]:
    """A stop farther than the liquidation price never fills: the venue liquidates first. Checked
    against `stop_room` without the market's maintenance rate (the config is read offline)."""
    room = stop_room(s.leverage)
    problems: list[Problem] = []
    for mode_key, key, value in (
        ("stop_loss", "stop_loss_pct", s.exits.stop_loss_pct),
        ("trailing", "trailing_pct", s.exits.trailing_pct),
    ):
        if getattr(s.exits, mode_key) == "off" or not PRICE_FRACTION.holds(value) or value < room:
            continue
        problems.append(
            Problem(
                f"{AT}.{key}",
                f"must be < {room.normalize():f}, inside the liquidation price at strategy.leverage "
                f"{s.leverage} (1/leverage less a maintenance margin of up to 1/(2 x leverage))",
                value,
                refs=("strategy.leverage", f"{AT}.{mode_key}"),
            )
        )
    return problems


def exit_settings(strategy: StrategySection) -> ExitSettings:
    """The section as the runtime value plan_exits reads."""
    return runtime_value(strategy.exits, ExitSettings)
