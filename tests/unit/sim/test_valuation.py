"""The exchange's kept-up-to-date equity and available balance are, digit for digit, what Account's
loops over every position give, through random orders, fills, liquidations, funding, leverage and
margin-mode changes on three symbols at once (leverages like 3 and 7 give 28-digit terms, where the
sums fall back to the loops)."""

from __future__ import annotations

import contextlib
from decimal import Decimal

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from bot_v2.adapters.brokers.sim.exchange import SimExchange
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
lots = st.integers(min_value=1, max_value=300).map(lambda n: Decimal(n) / 100)


def same(a: Decimal, b: Decimal) -> bool:
    return a.as_tuple() == b.as_tuple()


class ValuationMachine(RuleBasedStateMachine):
    @initialize(
        moves=st.lists(
            st.lists(st.integers(-120, 120), min_size=CANDLES, max_size=CANDLES),
            min_size=3,
            max_size=3,
        ),
        rate=st.integers(-20, 20),
    )
    def setup(self, moves: list[list[int]], rate: int) -> None:
        series = {}
        for symbol, steps in zip(SYMBOLS, moves, strict=True):
            rows = []
            price = 100.0
            for step in steps:
                close = round(max(price * (1 + step / 1000), 5.0), 1)
                rows.append((price, max(price, close) * 1.01, min(price, close) * 0.99, close))
                price = close
            funding = [FundingPoint(T0 + k * H, Decimal(rate) / 10000) for k in range(4, 30, 4)]
            series[symbol] = SymbolSeries(symbol, bars(rows, symbol=symbol), (), funding)
        markets = {s: _respec(SPEC, s) for s in SYMBOLS}
        self.ex = SimExchange(
            series,
            markets,
            SimSettings(initial_balance=Decimal(3000), slippage=Decimal("0.5")),
        )
        self.now = T0 + H
        self.ex.advance(self.now)
        self.seq = 0

    @rule(symbol=symbols, side=sides, size=lots, reduce_only=st.booleans())
    def market_order(self, symbol: str, side: Side, size: Decimal, reduce_only: bool) -> None:
        self.seq += 1
        request = OrderRequest(
            f"o-{self.seq}", symbol, side, OrderType.MARKET, size, reduce_only=reduce_only
        )
        with contextlib.suppress(BrokerError):
            self.ex.submit(request, self.now)

    @rule(symbol=symbols, side=sides, size=lots, offset=st.integers(-30, 30))
    def limit_order(self, symbol: str, side: Side, size: Decimal, offset: int) -> None:
        self.seq += 1
        price = (self.ex.mark(symbol) * (1 + Decimal(offset) / 1000)).quantize(Decimal("0.1"))
        request = OrderRequest(f"o-{self.seq}", symbol, side, OrderType.LIMIT, size, price)
        with contextlib.suppress(BrokerError):
            self.ex.submit(request, self.now)

    @rule(symbol=symbols, leverage=st.sampled_from([1, 2, 3, 7, 20, 50]))
    def leverage(self, symbol: str, leverage: int) -> None:
        with contextlib.suppress(BrokerError):
            self.ex.set_leverage(symbol, Decimal(leverage), self.now)

    @rule(symbol=symbols, mode=st.sampled_from(list(MarginMode)))
    def margin_mode(self, symbol: str, mode: MarginMode) -> None:
        with contextlib.suppress(BrokerError):
            self.ex.set_margin_mode(symbol, mode, self.now)

    @rule(candles=st.integers(1, 4))
    def time_passes(self, candles: int) -> None:
        self.now = min(self.now + candles * H, T0 + CANDLES * H)
        self.ex.advance(self.now)

    @invariant()
    def the_kept_sums_are_the_loops(self) -> None:
        ex = self.ex
        if ex.clock_ms is None:
            return
        valued = ex._valuation()
        assert same(valued.equity(), ex.account.equity(ex.mark))
        assert same(valued.available(), ex.account.available(ex.mark))


ValuationMachine.TestCase.settings = settings(
    max_examples=60, stateful_step_count=40, deadline=None
)
test_valuation_machine = ValuationMachine.TestCase
