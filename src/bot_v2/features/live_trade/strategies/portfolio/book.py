"""StrategyBook: several strategies side by side in one bot, each in a slot with its own symbols
and the share of equity it sizes from. No symbol is in two slots (the config refuses it), so every
position, trade and PnL belongs to exactly one slot; risk limits stay portfolio-wide (execution
checks the whole account)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

import attrs

from bot_v2.domain.market import Candle
from bot_v2.domain.positions import Position
from bot_v2.domain.signals import Action, Signal
from bot_v2.features.live_trade.strategies.portfolio.base import Leg, PortfolioStrategy
from bot_v2.features.live_trade.strategies.portfolio.view import HistoryView

# Candles the view keeps beyond the slot's warm-up (a strategy reading one more than it declared
# finds it rather than an IndexError at the edge).
SPARE = 2


def funding_samples(strategy: object) -> int:
    """Funding samples a strategy reads from its view (`funding_samples()`; absent: none)."""
    wanted = getattr(strategy, "funding_samples", None)
    return int(wanted()) if callable(wanted) else 0


@attrs.frozen
class SlotSignal:
    slot: str
    signal: Signal
    # The entry's size is the slot's usual size times this (a pairs leg by the hedge ratio).
    weight: Decimal = Decimal(1)


@attrs.frozen(eq=False)
class Slot:
    label: str
    symbols: tuple[str, ...]
    allocation: Decimal
    strategy: PortfolioStrategy


class StrategyBook:
    name = "book"

    def __init__(self, slots: Sequence[Slot]) -> None:
        self.slots = tuple(slots)
        self._views = {
            slot.label: HistoryView(
                slot.symbols, slot.strategy.warmup_candles() + SPARE, funding_samples(slot.strategy)
            )
            for slot in self.slots
        }
        # The symbols whose slot reads funding: the orchestrator asks the rates for these only.
        self.funding_symbols = tuple(
            s for slot in self.slots if funding_samples(slot.strategy) for s in slot.symbols
        )
        self._slot_of: dict[str, Slot] = {}
        for slot in self.slots:
            for symbol in slot.symbols:
                if symbol in self._slot_of:
                    raise ValueError(
                        f"{symbol} is in slots {self._slot_of[symbol].label!r} and {slot.label!r}"
                    )
                self._slot_of[symbol] = slot

    def warmup_candles(self) -> int:
        return max((slot.strategy.warmup_candles() for slot in self.slots), default=0)

    def with_slots(self, fresh: StrategyBook) -> StrategyBook:
        """This book with `fresh`'s slots (matched by label) in place of its own, each with the view
        it was warmed on (an operator's new parameters for one slot); the other slots keep their
        strategies and views, so nothing they learned (funding samples included) is lost."""
        mine = {slot.label for slot in self.slots}
        stray = [slot.label for slot in fresh.slots if slot.label not in mine]
        if stray:
            raise ValueError(f"no slot labelled {stray[0]!r} in this book")
        replaced = {slot.label: slot for slot in fresh.slots}
        book = StrategyBook([replaced.get(slot.label, slot) for slot in self.slots])
        book._views = {**self._views, **{label: fresh._views[label] for label in replaced}}
        return book

    def slot_of(self, symbol: str) -> Slot | None:
        return self._slot_of.get(symbol)

    def allocation(self, symbol: str) -> Decimal:
        """The share of equity the slot holding `symbol` sizes from (0: no slot trades it)."""
        slot = self._slot_of.get(symbol)
        return slot.allocation if slot is not None else Decimal(0)

    def on_candle(self, candle: Candle, position: Position) -> Signal:
        """One candle alone (warm-up, a restart, new parameters): the slot holding its symbol sees
        it as a step of its own; the answer for this symbol, HOLD when none."""
        answers = self.decide([candle], candle.close_time_ms, {candle.symbol: position})
        for answer in answers:
            if answer.signal.symbol == candle.symbol:
                return answer.signal
        return Signal(candle.symbol, Action.HOLD)

    def decide(
        self,
        candles: Sequence[Candle],
        now_ms: int,
        positions: Mapping[str, Position],
        funding: Mapping[str, Decimal] | None = None,
    ) -> list[SlotSignal]:
        """Candles all closing at `now_ms` (at most one per symbol): each slot with a fresh candle
        decides once, over its own view; signals for symbols outside the slot are dropped.
        `funding`: the rates in force at `now_ms` (None: none asked for this time)."""
        out: list[SlotSignal] = []
        for slot in self.slots:
            mine = [c for c in candles if c.symbol in slot.symbols]
            if not mine:
                continue
            view = self._views[slot.label]
            view.record(mine, now_ms)
            if funding:
                view.record_funding(funding, now_ms)
            for answer in slot.strategy.decide(view, positions):
                if isinstance(answer, Leg):
                    weight = min(max(answer.weight, Decimal(0)), Decimal(1))
                    signal = answer.signal
                else:
                    weight, signal = Decimal(1), answer
                if signal.symbol in slot.symbols:
                    out.append(SlotSignal(slot.label, signal, weight))
        return out
