"""RiskContextSource: the risk context a decision sees is built in the feature, from the books,
the marks, the stored risk state and the facts the runtime told it; a halted day is stored before
the context that relies on it is handed out."""

from __future__ import annotations

import random
from collections.abc import Mapping
from decimal import Decimal

import attrs

from bot_v2.domain.fills import Fill
from bot_v2.domain.market import Candle
from bot_v2.domain.orders import OrderRequest, OrderType, Side
from bot_v2.domain.risk import RiskLimits
from bot_v2.features.live_trade.accounting import Ledger
from bot_v2.features.live_trade.market_stats import average_true_range
from bot_v2.features.live_trade.risk.state import roll_day
from bot_v2.features.live_trade.risk.state_keeper import META_KEY, load_risk_state
from bot_v2.features.live_trade.risk_context import RiskContextSource
from bot_v2.features.market_data.service import MarketDataService
from tests.fakes.ports import FakeStore

BTC = "BTC/USDT:USDT"
ETH = "ETH/USDT:USDT"
NOW = 1_704_067_200_000 + 3_600_000


@attrs.define
class Marks:
    prices: dict[str, Decimal]
    seen_ms: dict[str, int | None]
    marks_version: int = 1

    def mark_prices(self) -> Mapping[str, Decimal]:
        return self.prices

    def mark_ages_ms(self, now_ms: int) -> Mapping[str, int | None]:
        return {s: None if t is None else now_ms - t for s, t in self.seen_ms.items()}


class Clock:
    def now_ms(self) -> int:
        return NOW


@attrs.define
class Runtime:
    reduce_only: bool = False


LIMITS = RiskLimits(
    max_leverage=Decimal(5),
    max_order_notional=Decimal(10_000),
    max_symbol_notional=Decimal(10_000),
    max_total_notional=Decimal(10_000),
    daily_loss_limit=Decimal(100),
)


def source(store: FakeStore, ledger: Ledger, marks: Marks) -> RiskContextSource:
    return RiskContextSource(
        ledger=ledger,
        marks=marks,
        store=store,
        clock=Clock(),  # type: ignore[arg-type]
        limits=LIMITS,
        kill_switch=False,
        max_mark_staleness_ms=60_000,
    )


def test_the_context_holds_the_books_at_the_marks_and_the_runtime_facts() -> None:
    store, ledger = FakeStore(), Ledger(Decimal(1000))
    ledger.apply_fill(
        Fill("f1", "c1", "o1", BTC, Side.BUY, Decimal(1), Decimal(100), Decimal(0), 1)
    )
    marks = Marks({BTC: Decimal(110)}, {BTC: NOW - 1000, ETH: None})
    risk = source(store, ledger, marks)
    ctx = risk.context()
    assert ctx.equity == Decimal(1010)
    assert ctx.positions[BTC].size == 1
    assert ctx.stale_symbols == {ETH}
    assert not ctx.reduce_only and not ctx.kill_switch and ctx.pending_symbols == frozenset()

    store.record_intent(OrderRequest("c2", ETH, Side.BUY, OrderType.MARKET, Decimal(1)), NOW)
    risk.unreconciled = "reconciliation incomplete: venue down"
    ctx = risk.context()
    assert ctx.pending_symbols == {ETH}
    assert ctx.reduce_only

    risk.unreconciled = ""
    runtime = Runtime()
    risk.runtime = runtime  # type: ignore[assignment]
    assert not risk.context().reduce_only
    runtime.reduce_only = True
    assert risk.context().reduce_only


def test_a_day_whose_loss_reached_the_limit_is_stored_halted_before_the_context() -> None:
    store, ledger = FakeStore(), Ledger(Decimal(1000))
    marks = Marks({BTC: Decimal(100)}, {BTC: NOW})
    risk = source(store, ledger, marks)
    risk.keep(roll_day(risk.state, NOW, Decimal(1200)))  # the day opened 200 higher
    ctx = risk.context()
    assert ctx.day_pnl == Decimal(-200)
    assert ctx.day_halt.startswith("daily loss limit of 100 reached")
    assert store.get_meta(META_KEY) is not None
    assert load_risk_state(store).day_halt == ctx.day_halt


def test_the_atr_follows_every_new_candle_and_reads_the_window_like_the_full_candles() -> None:
    # Kept between decisions until a candle arrives: every context of a cycle must still see the
    # ATR of the candles as they are, for each symbol followed (an adopted position in a symbol
    # not followed has none).
    H = 3_600_000
    market = MarketDataService([BTC, ETH], H)
    ledger = Ledger(Decimal(1000))
    ledger.apply_fill(
        Fill("f1", "c1", "o1", "XRP/USDT:USDT", Side.BUY, Decimal(1), Decimal(1), Decimal(0), 1)
    )
    risk = RiskContextSource(
        ledger=ledger,
        marks=market,
        store=FakeStore(),
        clock=Clock(),  # type: ignore[arg-type]
        limits=LIMITS,
        kill_switch=False,
        max_mark_staleness_ms=60_000,
        candles=market,
        atr_window=3,
    )
    rng = random.Random(7)
    for k in range(8):
        for symbol in (BTC, ETH)[: 1 + k % 2]:
            low = Decimal(rng.randint(9000, 11000)) / 100
            high = low + Decimal(rng.randint(0, 300)) / 100
            close = low + (high - low) / 2
            market.ingest([Candle(symbol, H, k * H, low, high, low, close, Decimal(1))])
        expected = {
            s: atr
            for s in (BTC, ETH)
            if (atr := average_true_range(market.candles(s), 3)) is not None
        }
        assert risk.context().atr == expected
        assert risk.context().atr == expected  # asked again within the cycle
    assert set(expected) == {BTC, ETH}
