"""Every sizing method, for any account, price and record, sizes an entry that every exposure limit
approves: the risk rules themselves are the oracle (PreTradeRisk with the default rules), and the
limits are checked directly too."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from bot_v2.domain.market import MarketSpec
from bot_v2.domain.orders import OrderRequest, OrderType, Side
from bot_v2.domain.positions import Position
from bot_v2.domain.risk import RiskLimits
from bot_v2.features.live_trade.risk.context import RiskContext
from bot_v2.features.live_trade.risk.exposure import total_notional_after
from bot_v2.features.live_trade.risk.pre_trade import PreTradeRisk
from bot_v2.features.live_trade.sizing.kelly import kelly_fraction
from bot_v2.features.live_trade.sizing.settings import METHODS, Sizing
from bot_v2.features.live_trade.sizing.sizer import Sizer
from bot_v2.features.live_trade.sizing.volatility_target import volatility_target_notional

D = Decimal
BTC = "BTC/USDT:USDT"
OTHERS = ("ETH/USDT:USDT", "SOL/USDT:USDT")
SPEC = MarketSpec(BTC, D("0.1"), D("0.001"), D("0.001"), D(5))


def dec(low: str, high: str, places: int) -> st.SearchStrategy[Decimal]:
    return st.decimals(D(low), D(high), places=places, allow_nan=False, allow_infinity=False)


limits_st = st.builds(
    RiskLimits,
    max_leverage=dec("0.5", "20", 1),
    max_order_notional=dec("10", "100000", 0),
    max_symbol_notional=dec("10", "200000", 0),
    max_total_notional=dec("10", "400000", 0),
    daily_loss_limit=st.just(D(10**9)),
)
sizing_st = st.builds(
    Sizing,
    method=st.sampled_from(METHODS),
    notional=dec("1", "1000000", 0),
    risk_pct=dec("0.001", "1", 3),
    kelly_fraction=dec("0.1", "1", 2),
    kelly_min_trades=st.integers(1, 10),
    kelly_cap=dec("0.01", "1", 2),
    correlation_threshold=dec("0", "1", 2),
    correlation_max_leverage=dec("0", "10", 1),
)
others_st = st.dictionaries(
    st.sampled_from(OTHERS),
    st.tuples(dec("-50", "50", 3), dec("1", "5000", 2), dec("1", "5000", 2)),
    max_size=2,
)


@settings(max_examples=400, deadline=None)
@given(
    sizing=sizing_st,
    limits=limits_st,
    equity=dec("1", "1000000", 2),
    price=dec("1", "100000", 1),
    mark_shift=dec("0.9", "1.1", 3),
    fraction=dec("0.01", "1", 2),
    leverage=dec("1", "20", 0),
    others=others_st,
    atr=st.none() | dec("0.01", "5000", 2),
    nets=st.lists(dec("-100", "100", 2), max_size=20),
    rho=st.none() | st.floats(-1, 1),
    side=st.sampled_from([Side.BUY, Side.SELL]),
)
def test_sizing_never_exceeds_any_limit(
    sizing: Sizing,
    limits: RiskLimits,
    equity: Decimal,
    price: Decimal,
    mark_shift: Decimal,
    fraction: Decimal,
    leverage: Decimal,
    others: dict[str, tuple[Decimal, Decimal, Decimal]],
    atr: Decimal | None,
    nets: list[Decimal],
    rho: float | None,
    side: Side,
) -> None:
    mark = (price * mark_shift).quantize(D("0.1"))
    positions = {s: Position(s, size, entry) for s, (size, entry, _) in others.items()}
    marks = {BTC: mark, **{s: m for s, (_, _, m) in others.items()}}
    ctx = RiskContext(
        equity=equity,
        positions=positions,
        marks=marks,
        day_pnl=D(0),
        kill_switch=False,
        reduce_only=False,
        atr={} if atr is None else {BTC: atr},
    )
    sizer = Sizer(sizing, limits, fraction, leverage, trades=lambda: nets, corr=lambda a, b: rho)
    size = sizer.size(ctx, BTC, side.sign, price, SPEC)
    assert size >= 0
    if size == 0:
        return
    assert size % SPEC.step_size == 0 and size >= SPEC.min_size
    request = OrderRequest("c", BTC, side, OrderType.MARKET, size)
    assert size * mark <= limits.max_order_notional
    assert size * mark <= limits.max_symbol_notional
    total = total_notional_after(request, ctx, mark)
    assert total <= limits.max_total_notional
    assert total / equity <= limits.max_leverage
    verdict = PreTradeRisk(limits).check(request, ctx)
    assert verdict.approved, verdict.reason


def test_volatility_target_sizes_one_atr_to_the_asked_share_of_equity() -> None:
    # 10_000 equity, 1% per ATR of 50: 2 units, whatever the price (notional = 2 * price).
    assert volatility_target_notional(D(10_000), D("0.01"), D(50), D(3000)) == D(6000)
    assert volatility_target_notional(D(10_000), D("0.01"), None, D(3000)) == 0


def test_kelly_waits_for_its_minimum_record_and_is_capped() -> None:
    record = [D(20), D(-10)] * 5  # W = 0.5, R = 2: f* = 0.25
    assert kelly_fraction(record[:9], D("0.5"), D(1), 10) is None
    assert kelly_fraction(record, D("0.5"), D(1), 10) == D("0.125")
    assert kelly_fraction(record, D(1), D("0.1"), 10) == D("0.1")
    assert kelly_fraction([D(-1)] * 10, D(1), D(1), 10) == 0


def test_the_correlation_cap_counts_only_positions_moving_with_the_new_one() -> None:
    eth = "ETH/USDT:USDT"
    ctx = RiskContext(
        equity=D(1000),
        positions={eth: Position(eth, D(1), D(1500))},
        marks={BTC: D(100), eth: D(1500)},
        day_pnl=D(0),
        kill_switch=False,
        reduce_only=False,
    )
    limits = RiskLimits(D(100), D(10**9), D(10**9), D(10**9), D(10**9))
    capped = Sizing(method="fixed_notional", notional=D(5000), correlation_max_leverage=D(2))
    sizer = Sizer(capped, limits, D(1), D(1), corr=lambda a, b: 0.9)
    # 2 x 1000 of correlated room, 1500 taken by ETH: 500 left, 5 BTC.
    assert sizer.size(ctx, BTC, 1, D(100), SPEC) == D(5)
    # A short BTC moves against a long ETH: ETH is not counted, the whole 2000 is room.
    assert sizer.size(ctx, BTC, -1, D(100), SPEC) == D(20)
