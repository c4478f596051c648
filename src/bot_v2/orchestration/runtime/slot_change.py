"""One [[strategies]] slot's parameters changed at run time (POST /api/v1/control/strategy_params
with "slot"): validated exactly like the config file (`config.strategies[1].params.lookback: must be
>= 1, got 0`), then only that slot's strategy is rebuilt and warmed up on its symbols' candles; the
other slots keep their strategies and what their views hold (funding samples included)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import attrs

from bot_v2.domain.errors import ConfigError
from bot_v2.domain.market import Candle
from bot_v2.domain.positions import Position
from bot_v2.features.live_trade.accounting import Ledger
from bot_v2.features.live_trade.strategies.portfolio import Slot, StrategyBook
from bot_v2.features.market_data.service import MarketDataService
from bot_v2.orchestration import factories
from bot_v2.orchestration.config.converter import make_converter, runtime_value
from bot_v2.orchestration.config.models import BotConfig, StrategySlot
from bot_v2.orchestration.config.slots import slot_label
from bot_v2.orchestration.config.strategy import params_class_of
from bot_v2.orchestration.runtime.strategy_change import checked, handed, merged
from bot_v2.orchestration.strategy_source import find_strategy

# What a slot is (its strategy, symbols, share of equity, name in results) is set at start; only
# its own parameters change while it runs.
_SLOT_KEYS: Final = frozenset(f.name for f in attrs.fields(StrategySlot)) - {"params"}


def slot_index(config: BotConfig, slot: str | int) -> int:
    """The index of the slot named by its label (as /api/v1/strategies shows it) or its index (as
    config errors name it, `strategies[1]`); ConfigError naming the slots there are."""
    if not config.strategies:
        raise ConfigError(["slot: this bot runs one [strategy], no [[strategies]] slots"])
    labels = [slot_label(s) for s in config.strategies]
    if isinstance(slot, int):
        if 0 <= slot < len(labels):
            return slot
    elif slot in labels:
        return labels.index(slot)
    known = ", ".join(f"{i} ({label})" for i, label in enumerate(labels))
    raise ConfigError([f"slot: no slot {slot!r}; slots: {known}"])


def revised_slot(config: BotConfig, index: int, params: Mapping[str, Any]) -> BotConfig:
    """`config` with slot `index`'s params updated by `params`, or ConfigError, one line a problem."""
    at = f"config.strategies[{index}]"
    fixed = sorted(_SLOT_KEYS & set(params))
    if fixed:
        raise ConfigError([f"{at}.{fixed[0]}: changes only at the next start"])
    if not params:
        raise ConfigError([f"{at}.params: name at least one parameter to change"])
    data = make_converter().unstructure(config)
    slot = data["strategies"][index]
    slot["params"] = merged(slot.get("params") or {}, params)
    return checked(data)


def changed_slot_keys(old: BotConfig, new: BotConfig, index: int) -> dict[str, str]:
    """The params whose structured value changed (`48` and `"48"` are one value), as text; a
    member's table key by key (`momentum.lookback`)."""
    before = _flat(_structured(old.strategies[index]))
    after = _flat(_structured(new.strategies[index]))
    return {key: str(value) for key, value in after.items() if before.get(key) != value}


def _flat(value: Any, prefix: str = "") -> dict[str, Any]:
    """Params as `key: value`, a member's table key by key; a member without a table counts as
    its defaults (which it runs with)."""
    out: dict[str, Any] = {}
    for field in attrs.fields(attrs.resolve_types(type(value))):
        item = getattr(value, field.name)
        table = params_class_of(field.type)
        if table is not None:
            out.update(_flat(table() if item is None else item, f"{prefix}{field.name}."))
        else:
            out[f"{prefix}{field.name}"] = item
    return out


def _structured(slot: StrategySlot) -> Any:
    cls = find_strategy(slot.name, slot.file)
    return runtime_value(slot.params, cls.params_type)


def warmed_slot(
    config: BotConfig, index: int, market_data: MarketDataService, ledger: Ledger
) -> StrategyBook:
    """A book of slot `index` alone, built from `config`, fed the candles market data holds for its
    symbols but this cycle's new ones (those reach it through the cycle, once), in time order, the
    candles closing together at once (a pairs slot sees both legs), flat until the last time, which
    sees the positions held now; its signals ignored."""
    whole = factories.strategy(config)
    assert isinstance(whole, StrategyBook)  # config.strategies is not empty
    label = slot_label(config.strategies[index])
    slot: Slot = next(s for s in whole.slots if s.label == label)
    book = StrategyBook([slot])
    by_time: dict[int, list[Candle]] = {}
    for candles in handed(market_data, slot.symbols).values():
        for candle in candles:
            by_time.setdefault(candle.close_time_ms, []).append(candle)
    times = sorted(by_time)
    flat = {symbol: Position(symbol) for symbol in slot.symbols}
    held = {symbol: ledger.position(symbol) for symbol in slot.symbols}
    for close_ms in times:
        book.decide(by_time[close_ms], close_ms, held if close_ms == times[-1] else flat)
    return book
