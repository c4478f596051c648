"""StrategyOrchestrator: for each newly closed candle, ask the strategy and hand its signal, with a
size, to execution. Candles arrive in time order per symbol, exactly as in a live stream.

It asks only what lies below it: the account (positions, and a sync after an order went out) and
the risk context source; both are given at construction, nothing calls back up into the runtime."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Protocol

import attrs

from bot_v2.domain.market import Candle, MarketSpec
from bot_v2.domain.positions import Position
from bot_v2.domain.signals import Action
from bot_v2.features.live_trade.execution import ExecutionCoordinator, OrderOutcome
from bot_v2.features.live_trade.risk.context import RiskContext
from bot_v2.features.live_trade.sizing import target_size
from bot_v2.features.live_trade.sizing.sizer import Sizer
from bot_v2.features.live_trade.strategies.base import Strategy
from bot_v2.features.live_trade.strategies.portfolio import StrategyBook
from bot_v2.ports.funding_rates import IFundingRates


class Account(Protocol):
    """The account as the books have it (AccountSync)."""

    @property
    def positions(self) -> Mapping[str, Position]:
        """Open positions by symbol, a live view: a sync moves them."""

    async def sync(self) -> object:
        """Book what the venue has that the books do not yet (fills, funding)."""


class RiskContexts(Protocol):
    """Where a decision's risk context comes from (RiskContextSource)."""

    def context(self) -> RiskContext: ...


class LookAhead(RuntimeError):
    """A candle not yet closed at the cycle's time was about to reach the strategy."""


class StrategyOrchestrator:
    def __init__(
        self,
        strategy: Strategy | StrategyBook,
        execution: ExecutionCoordinator,
        markets: Mapping[str, MarketSpec],
        position_fraction: Decimal,
        leverage: Decimal,
        *,
        account: Account,
        risk: RiskContexts,
        sizer: Sizer | None = None,
        funding: IFundingRates | None = None,
    ) -> None:
        self._strategy = strategy
        self._execution = execution
        self._account = account
        self._risk = risk
        self._markets = dict(markets)
        # What a symbol without a position is shown: a value, so one per symbol serves every candle.
        self._flat = {symbol: Position(symbol) for symbol in self._markets}
        self._fraction = position_fraction
        self._leverage = leverage
        # The configured sizing method ([strategy.sizing]); None: the fixed fraction alone.
        self._sizer = sizer
        # Where a book whose strategies read funding gets the rates in force at the cycle's time.
        self._funding = funding

    @property
    def strategy(self) -> Strategy | StrategyBook:
        """What decides now (an operator's change of one slot starts from it)."""
        return self._strategy

    def use(self, strategy: Strategy | StrategyBook, position_fraction: Decimal) -> None:
        """An operator's new parameters, between two cycles: the next candle goes to `strategy`."""
        self._strategy = strategy
        self._fraction = position_fraction

    async def on_candles(self, candles: Sequence[Candle], now_ms: int) -> list[OrderOutcome]:
        """The account was synced by the caller just before. Most candles hold, so the risk
        context (equity, marks, staleness) is asked for only when a signal acts. After a decision
        that sent an order the account is synced at once, so every later candle and decision sees
        its fills."""
        positions = self._account.positions
        outcomes: list[OrderOutcome] = []
        ctx: RiskContext | None = None
        for candle in candles:
            _closed_by(candle, now_ms)
        if isinstance(self._strategy, StrategyBook):
            return await self._on_book(self._strategy, candles, now_ms)
        for candle in candles:
            symbol = candle.symbol
            position = positions.get(symbol) or self._flat.get(symbol) or Position(symbol)
            signal = self._strategy.on_candle(candle, position)
            if signal.action is Action.HOLD:
                continue
            if ctx is None:
                ctx = self._risk.context()
            size = self._size(ctx, signal.action, candle)
            acted = await self._execution.act(signal, size, ctx, now_ms)
            outcomes.extend(acted)
            if any(o.sent for o in acted):
                await self._account.sync()
                ctx = None
        return outcomes

    async def _on_book(
        self, book: StrategyBook, candles: Sequence[Candle], now_ms: int
    ) -> list[OrderOutcome]:
        """Several strategies in slots: the candles closing at one time go to the book together
        (a pairs slot sees both legs at once), then each signal is sized from its slot's share of
        equity and acted on in the order the book answered."""
        outcomes: list[OrderOutcome] = []
        ctx: RiskContext | None = None
        by_time: dict[int, list[Candle]] = {}
        for candle in candles:
            by_time.setdefault(candle.close_time_ms, []).append(candle)
        times = sorted(by_time)
        for close_ms in times:
            group = by_time[close_ms]
            last = {c.symbol: c for c in group}
            rates = await self._rates_for(book, group) if close_ms == times[-1] else None
            for slot_signal in book.decide(group, close_ms, self._account.positions, rates):
                signal = slot_signal.signal
                priced = last.get(signal.symbol)
                if priced is None:
                    continue  # a leg without a candle at this time has no price to size from
                if ctx is None:
                    ctx = self._risk.context()
                share = book.allocation(signal.symbol) * slot_signal.weight
                share_ctx = attrs.evolve(ctx, equity=ctx.equity * share)
                size = self._size(share_ctx, signal.action, priced)
                acted = await self._execution.act(signal, size, ctx, now_ms)
                outcomes.extend(acted)
                if any(o.sent for o in acted):
                    await self._account.sync()
                    ctx = None
        return outcomes

    async def _rates_for(
        self, book: StrategyBook, group: Sequence[Candle]
    ) -> dict[str, Decimal] | None:
        """The funding rates in force now (replay: the last settled at or before the clock; live:
        the venue's published rate) for the newest group's symbols whose slot reads them. Only the
        newest group of the cycle gets them: a rate asked now could have settled after an earlier
        group's close (a catch-up), so those keep the last rates they had."""
        if self._funding is None or not book.funding_symbols:
            return None
        wanted = [c.symbol for c in group if c.symbol in book.funding_symbols]
        if not wanted:
            return None
        return await self._funding.next_funding_rates(wanted)

    def _size(self, ctx: RiskContext, action: Action, candle: Candle) -> Decimal:
        spec = self._markets[candle.symbol]
        if self._sizer is None:
            return target_size(ctx.equity, candle.close, self._fraction, self._leverage, spec)
        sign = -1 if action is Action.OPEN_SHORT else 1
        return self._sizer.size(ctx, candle.symbol, sign, candle.close, spec)


def _closed_by(candle: Candle, now_ms: int) -> None:
    """The one door to a strategy: a candle still open at the cycle's time would be a look at the
    future (docs/strategies.md), so it never gets through."""
    if candle.close_time_ms > now_ms:
        raise LookAhead(
            f"{candle.symbol} candle opening at {candle.timestamp_ms} closes at "
            f"{candle.close_time_ms}, after the cycle's time {now_ms}"
        )
