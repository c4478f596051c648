"""Three symbols on one account, cross and isolated, under random orders, fills, liquidations,
funding, leverage and margin-mode changes:

- the exchange's shortcuts in the liquidation scan (the other cross positions valued once per
  stretch, no liquidation price per position while the account is far from any) lead to the very
  fills, liquidations and balances of a twin that scans as first written;
- the exchange's kept-up-to-date equity and available balance are, digit for digit, what Account's
loops over every position give (and the cross terms of the position reports, summed once, are what
each position's own loop gives), through random orders, fills, liquidations, funding, leverage and
margin-mode changes on three symbols at once (leverages like 3 and 7 give 28-digit terms: on the
money grid the kept sums still equal the loops, with one way to the answer)."""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from bot_v2.adapters.brokers.sim.account import unrealized
from bot_v2.adapters.brokers.sim.book import BookView
from bot_v2.adapters.brokers.sim.exchange import SimExchange
from bot_v2.adapters.brokers.sim.lookahead import SkipQuiet
from bot_v2.adapters.brokers.sim.margin import maintenance_margin
from bot_v2.adapters.brokers.sim.scan import mark_envelope
from bot_v2.adapters.brokers.sim.settings import MarginMode, SimSettings
from bot_v2.adapters.replay.csv_files import FundingPoint
from bot_v2.adapters.replay.feed import SymbolSeries
from bot_v2.domain.errors import BrokerError
from bot_v2.domain.orders import OrderRequest, OrderType, Side
from tests.unit.sim._support import SPEC, T0, H, _respec, bars

SYMBOLS = ("AAA/USDT:USDT", "BBB/USDT:USDT", "CCC/USDT:USDT")
CANDLES = 30
symbols = st.sampled_from(SYMBOLS)
sides = st.sampled_from([Side.BUY, Side.SELL])
lots = st.integers(min_value=1, max_value=2000).map(lambda n: Decimal(n) / 100)


def same(a: Decimal, b: Decimal) -> bool:
    return a.as_tuple() == b.as_tuple()


class WalkingScan(SkipQuiet):
    """The reference: the liquidation scan as first written, which walks every other cross
    position for each symbol and computes every position's liquidation price."""

    def _scan_liquidation(
        self, book: BookView, symbol: str, start: int, stop: int, worst: dict[Any, Any] | None
    ) -> float | None:
        account = book.account
        if worst is None or account.mode(symbol) is not MarginMode.CROSS:
            return super()._scan_liquidation(book, symbol, start, stop, None)
        lo_ms = int(book.series[symbol].columns.open_ms[start])
        hi_ms = int(book.series[symbol].columns.close_ms[stop - 1])
        upnl = maint = Decimal(0)
        for other, held in book.positions_held.items():
            if other == symbol or held.size == 0:
                continue
            if account.mode(other) is not MarginMode.CROSS:
                continue
            series = book.series[other]
            a = series.columns.index_opening_at_or_after(lo_ms)
            b = series.columns.index_closed_by(hi_ms)
            low, high = mark_envelope(series, a, max(a + 1, b))
            upnl += unrealized(held, Decimal(repr(low if held.size > 0 else high)))
            maint += maintenance_margin(book.tiers[other], abs(held.size) * Decimal(repr(high)))
        lp = account.liquidation_price(symbol, book.mark, (upnl, maint))
        return float(lp) if lp is not None else None


class ValuationMachine(RuleBasedStateMachine):
    @initialize(
        seed=st.integers(0, 2**32),
        volatility=st.sampled_from([0.01, 0.04, 0.08]),
        rate=st.integers(-20, 20),
    )
    def setup(self, seed: int, volatility: float, rate: int) -> None:
        # Seeded walks rather than drawn steps: drawn steps shrink toward flat markets, and the
        # point here is accounts that do get liquidated, cross positions dragging each other.
        rng = random.Random(seed)
        series = {}
        for symbol in SYMBOLS:
            rows = []
            price = 100.0
            for _ in range(CANDLES):
                close = round(max(price * (1 + rng.gauss(0, volatility)), 5.0), 1)
                wick = 1 + abs(rng.gauss(0, volatility / 2))
                rows.append((price, max(price, close) * wick, min(price, close) / wick, close))
                price = close
            funding = [FundingPoint(T0 + k * H, Decimal(rate) / 10000) for k in range(4, 30, 4)]
            series[symbol] = SymbolSeries(symbol, bars(rows, symbol=symbol), (), funding)
        markets = {s: _respec(SPEC, s) for s in SYMBOLS}
        config = SimSettings(
            initial_balance=Decimal(200), slippage=Decimal("0.5"), default_leverage=Decimal(20)
        )
        self.ex = SimExchange(series, markets, config, look_ahead=SkipQuiet())
        self.reference = SimExchange(series, markets, config, look_ahead=WalkingScan())
        self.now = T0 + H
        self.ex.advance(self.now)
        self.reference.advance(self.now)
        self.seq = 0

    @rule(symbol=symbols, side=sides, size=lots, reduce_only=st.booleans())
    def market_order(self, symbol: str, side: Side, size: Decimal, reduce_only: bool) -> None:
        self.seq += 1
        request = OrderRequest(
            f"o-{self.seq}", symbol, side, OrderType.MARKET, size, reduce_only=reduce_only
        )
        self._both(lambda ex: ex.submit(request, self.now))

    @rule(symbol=symbols, side=sides, size=lots, offset=st.integers(-30, 30))
    def limit_order(self, symbol: str, side: Side, size: Decimal, offset: int) -> None:
        self.seq += 1
        price = (self.ex.mark(symbol) * (1 + Decimal(offset) / 1000)).quantize(Decimal("0.1"))
        request = OrderRequest(f"o-{self.seq}", symbol, side, OrderType.LIMIT, size, price)
        self._both(lambda ex: ex.submit(request, self.now))

    @rule(symbol=symbols, leverage=st.sampled_from([1, 2, 3, 7, 20, 50]))
    def leverage(self, symbol: str, leverage: int) -> None:
        self._both(lambda ex: ex.set_leverage(symbol, Decimal(leverage), self.now))

    @rule(symbol=symbols, mode=st.sampled_from(list(MarginMode)))
    def margin_mode(self, symbol: str, mode: MarginMode) -> None:
        self._both(lambda ex: ex.set_margin_mode(symbol, mode, self.now))

    @rule(candles=st.integers(1, 4))
    def time_passes(self, candles: int) -> None:
        self.now = min(self.now + candles * H, T0 + CANDLES * H)
        self._both(lambda ex: ex.advance(self.now))

    def _both(self, call: Callable[[SimExchange], object]) -> None:
        for ex in (self.ex, self.reference):
            with contextlib.suppress(BrokerError):
                call(ex)

    @invariant()
    def the_shortcuts_change_nothing(self) -> None:
        assert self.ex.state.fills == self.reference.state.fills
        assert self.ex.state.positions == self.reference.state.positions
        assert self.ex.state.wallet == self.reference.state.wallet
        assert self.ex.state.liquidations == self.reference.state.liquidations

    @invariant()
    def the_kept_sums_are_the_loops(self) -> None:
        ex = self.ex
        if ex.clock_ms is None:
            return
        valued = ex._valuation()
        assert same(valued.equity(), ex.account.equity(ex.mark))
        assert same(valued.available(), ex.account.available(ex.mark))
        # The reports' cross terms, summed once for all positions, equal each one's own sum.
        each = ex.account.cross_terms_each(ex.mark)
        for symbol, terms in each.items():
            walked = ex.account.cross_terms(ex.mark, exclude=symbol)
            assert terms == walked
            assert same(terms[0], walked[0]) and same(terms[1], walked[1])


def test_valuation_machine() -> None:
    run_state_machine_as_test(
        ValuationMachine, settings=settings(max_examples=60, stateful_step_count=40, deadline=None)
    )
