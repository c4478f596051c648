"""`[[strategies]]`: several strategies side by side. Each slot names its strategy (and `file`),
its symbols, its share of equity and its params; every problem is one line naming the slot
(`config.strategies[1].allocation: must be > 0 and <= 1, got 0`). Risk limits stay in [risk], for the
whole account."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bot_v2.domain.errors import InvalidSymbol
from bot_v2.domain.symbols import normalize_symbol
from bot_v2.features.live_trade.strategies.portfolio.results import SlotSpec
from bot_v2.orchestration.config.converter import runtime_value
from bot_v2.orchestration.config.models import BotConfig, StrategySlot
from bot_v2.orchestration.config.problems import Problem
from bot_v2.orchestration.config.strategy import params_problems
from bot_v2.orchestration.strategy_source import StrategyNotFound, find_strategy

ONE = Decimal(1)


def slot_label(slot: StrategySlot) -> str:
    return slot.label.strip() or slot.name


def slot_symbols(slot: StrategySlot) -> tuple[str, ...]:
    """The slot's symbols normalized (validation reported any that are not symbols)."""
    out = []
    for text in slot.symbols:
        try:
            out.append(normalize_symbol(text))
        except InvalidSymbol:
            out.append(text)
    return tuple(out)


def slot_problems(config: BotConfig) -> list[Problem]:
    problems: list[Problem] = []
    if not config.strategies:
        return _alone_problems(config)
    owner: dict[str, int] = {}
    labels: dict[str, int] = {}
    total = Decimal(0)
    for index, slot in enumerate(config.strategies):
        at = f"strategies[{index}]"
        cls = _strategy_of(slot, at, problems)
        if cls is not None:
            problems.extend(params_problems(cls.params_type, slot.params, f"{at}.params"))
        label = slot_label(slot)
        if label in labels:
            problems.append(
                Problem(
                    f"{at}.label", f"{label!r} is the label of strategies[{labels[label]}]", label
                )
            )
        labels.setdefault(label, index)
        if not 0 < slot.allocation <= ONE:
            problems.append(Problem(f"{at}.allocation", "must be > 0 and <= 1", slot.allocation))
        else:
            total += slot.allocation
        problems.extend(_symbol_problems(config, slot, at, owner, index, cls))
    if total > ONE:
        problems.append(
            Problem("strategies", f"allocations sum to {total}, must be <= 1", show=False)
        )
    return problems


def _alone_problems(config: BotConfig) -> list[Problem]:
    """A strategy for a fixed number of symbols named in [strategy] runs over all bot.symbols."""
    try:
        cls = find_strategy(config.strategy.name, config.strategy.file)
    except StrategyNotFound:
        return []  # reported by the [strategy] checks
    wanted = getattr(cls, "symbol_count", None)
    if isinstance(wanted, int) and len(config.bot.symbols) != wanted:
        return [
            Problem(
                "strategy.name",
                f"{config.strategy.name} needs exactly {wanted} symbols in bot.symbols "
                f"(or a [[strategies]] slot naming {wanted})",
                show=False,
            )
        ]
    return []


def _strategy_of(slot: StrategySlot, at: str, problems: list[Problem]) -> Any:
    if not slot.name.strip():
        problems.append(Problem(f"{at}.name", "must not be empty", slot.name))
        return None
    try:
        return find_strategy(slot.name, slot.file)
    except StrategyNotFound as exc:
        path = at + exc.path.removeprefix("strategy")
        problems.append(Problem(path, exc.message, show=False))
        return None


def _symbol_problems(
    config: BotConfig,
    slot: StrategySlot,
    at: str,
    owner: dict[str, int],
    index: int,
    cls: Any,
) -> list[Problem]:
    problems: list[Problem] = []
    if not slot.symbols:
        return [Problem(f"{at}.symbols", "must not be empty", [])]
    for k, symbol in enumerate(slot_symbols(slot)):
        where = f"{at}.symbols[{k}]"
        if symbol not in config.bot.symbols:
            problems.append(Problem(where, "must be one of bot.symbols", symbol))
        elif symbol in owner:
            problems.append(Problem(where, f"is in strategies[{owner[symbol]}] already", symbol))
        else:
            owner[symbol] = index
    wanted = getattr(cls, "symbol_count", None)
    if isinstance(wanted, int) and len(slot.symbols) != wanted:
        problems.append(
            Problem(
                f"{at}.symbols", f"{slot.name} needs exactly {wanted} symbols", list(slot.symbols)
            )
        )
    return problems


def slot_strategy(slot: StrategySlot) -> Any:
    """The slot's strategy built from its params (for a slot that validated)."""
    cls = find_strategy(slot.name, slot.file)
    return cls(runtime_value(slot.params, cls.params_type))


def slot_specs(config: BotConfig) -> tuple[SlotSpec, ...]:
    """The slots whose results are reported apart: [[strategies]], or none for one [strategy]."""
    return tuple(
        SlotSpec(slot_label(s), s.name, s.symbols, s.allocation) for s in config.strategies
    )
