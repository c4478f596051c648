"""Liquidation prices against Binance's published USDⓈ-M formula, and liquidations on the exchange."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, localcontext

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot_v2.adapters.brokers.sim.events import Filled, Liquidated
from bot_v2.adapters.brokers.sim.exchange import SimExchange
from bot_v2.adapters.brokers.sim.liquidation import liquidation_price
from bot_v2.adapters.brokers.sim.margin import maintenance_margin, max_notional_at, tier_for
from bot_v2.adapters.brokers.sim.settings import MarginMode
from bot_v2.adapters.replay.feed import ReplayFeed, SymbolSeries
from bot_v2.domain.errors import InvalidOrder
from bot_v2.domain.market import LeverageTier
from bot_v2.domain.orders import Side
from tests.unit.sim._support import NO_COSTS, SYMBOL, T0, TIERS, H, bars, exchange, feed, market

ETH = "ETH/USDT:USDT"
money = st.decimals(min_value="0.01", max_value="1000000", places=2)
sizes = st.decimals(min_value="0.001", max_value="500", places=3)
prices = st.decimals(min_value="1", max_value="100000", places=1)


def margin_balance_gap(
    *,
    side: int,
    size: Decimal,
    entry_price: Decimal,
    mark_price: Decimal,
    wallet_balance: Decimal,
    tiers: Sequence[LeverageTier],
    other_maintenance: Decimal = Decimal(0),
    other_unrealized: Decimal = Decimal(0),
) -> Decimal:
    """The oracle for liquidation_price (Binance's definition): margin balance minus maintenance
    margin at `mark_price`; liquidation happens when it is <= 0."""
    notional = size * mark_price
    tier = tier_for(tiers, notional)
    maintenance = notional * tier.maintenance_margin_rate - tier.maintenance_amount
    balance = wallet_balance + other_unrealized + side * size * (mark_price - entry_price)
    return balance - other_maintenance - maintenance


def test_hand_computed_isolated_long() -> None:
    # 1 BTC long at 40,000 with 1,000 of isolated margin; bracket 1 (0.4 %, cum 0).
    lp = liquidation_price(
        side=1,
        size=Decimal(1),
        entry_price=Decimal(40000),
        wallet_balance=Decimal(1000),
        tiers=TIERS,
    )
    assert lp is not None
    assert round(lp, 4) == Decimal("39156.6265")  # (1000 - 40000) / (0.004 - 1)


def test_hand_computed_cross_short_with_another_position() -> None:
    # Wallet 5,000; other cross positions: maintenance 100, unrealized -300. Bracket 2 applies.
    lp = liquidation_price(
        side=-1,
        size=Decimal(2),
        entry_price=Decimal(30000),
        wallet_balance=Decimal(5000),
        tiers=TIERS,
        other_maintenance=Decimal(100),
        other_unrealized=Decimal(-300),
    )
    # (5000 - 100 - 300 + 50 + 60000) / (2 * 0.005 + 2)
    assert lp is not None and round(lp, 4) == Decimal("32164.1791")
    assert tier_for(TIERS, lp * 2) is TIERS[1]


@settings(max_examples=300, deadline=None)
@given(
    side=st.sampled_from([1, -1]),
    size=sizes,
    entry=prices,
    wallet=money,
    other_mm=st.decimals(min_value=0, max_value="5000", places=2),
    other_upnl=st.decimals(min_value="-5000", max_value="5000", places=2),
)
def test_at_the_liquidation_price_margin_balance_equals_maintenance_margin(
    side: int,
    size: Decimal,
    entry: Decimal,
    wallet: Decimal,
    other_mm: Decimal,
    other_upnl: Decimal,
) -> None:
    with localcontext() as ctx:
        ctx.prec = 60
        lp = liquidation_price(
            side=side,
            size=size,
            entry_price=entry,
            wallet_balance=wallet,
            tiers=TIERS,
            other_maintenance=other_mm,
            other_unrealized=other_upnl,
        )
        if lp is None:
            # Only a long so well backed that no positive price liquidates it.
            assert side == 1
            gap = margin_balance_gap(
                side=1,
                size=size,
                entry_price=entry,
                mark_price=Decimal("1e-9"),
                wallet_balance=wallet,
                tiers=TIERS,
                other_maintenance=other_mm,
                other_unrealized=other_upnl,
            )
            assert gap > 0
            return
        if lp <= 0:
            assert side == -1  # a short already beyond it
            return
        terms = {
            "side": side,
            "size": size,
            "entry_price": entry,
            "wallet_balance": wallet,
            "tiers": TIERS,
            "other_maintenance": other_mm,
            "other_unrealized": other_upnl,
        }
        assert abs(margin_balance_gap(mark_price=lp, **terms)) < Decimal("1e-30")  # type: ignore[arg-type]
        # One tick on the safe side is safe, one on the other side is not.
        safe = lp * (1 + Decimal("1e-9") * side)
        unsafe = lp * (1 - Decimal("1e-9") * side)
        assert margin_balance_gap(mark_price=safe, **terms) > 0  # type: ignore[arg-type]
        assert margin_balance_gap(mark_price=unsafe, **terms) < 0  # type: ignore[arg-type]


@given(notional=st.decimals(min_value=0, max_value="3000000", places=2))
def test_maintenance_margin_is_continuous_across_brackets(notional: Decimal) -> None:
    tier = tier_for(TIERS, notional)
    assert tier.min_notional <= notional < tier.max_notional or tier is TIERS[-1]
    assert maintenance_margin(TIERS, notional) == notional * tier.maintenance_margin_rate - (
        tier.maintenance_amount
    )
    for boundary in (Decimal(50000), Decimal(600000)):
        below = tier_for(TIERS, boundary - Decimal("0.01"))
        assert boundary * below.maintenance_margin_rate - below.maintenance_amount == (
            maintenance_margin(TIERS, boundary)
        )


def test_leverage_caps_position_notional() -> None:
    assert max_notional_at(TIERS, Decimal(125)) == 50000
    assert max_notional_at(TIERS, Decimal(100)) == 600000
    assert max_notional_at(TIERS, Decimal(20)) == 3000000


CRASH = (
    [(100.0, 101.0, 99.0, 100.0)] * 3
    + [(100.0, 100.0, 80.0, 85.0)]
    + [(85.0, 86.0, 84.0, 85.0)] * 3
)


def test_isolated_position_is_liquidated_at_its_price_with_the_fee_and_an_event() -> None:
    settings = attrs.evolve(NO_COSTS, margin_mode=MarginMode.ISOLATED)
    ex = exchange(feed(bars(CRASH)), settings)
    ex.set_leverage(SYMBOL, Decimal(10), T0 + H)
    ex.submit(market("o", Side.BUY, "10"), T0 + H)
    (report,) = ex.positions([SYMBOL])
    assert report.margin_mode == "isolated"
    assert report.liquidation_price is not None and round(report.liquidation_price, 2) == Decimal(
        "90.36"
    )
    events = ex.advance(T0 + 6 * H).events
    fills = [e.fill for e in events if isinstance(e, Filled)]
    (liq,) = [e for e in events if isinstance(e, Liquidated)]
    assert fills[0].liquidation and fills[0].side is Side.SELL
    assert (liq.timestamp_ms, liq.price, liq.margin_mode) == (
        T0 + 4 * H,
        Decimal("90.3"),
        "isolated",
    )
    # The clearance fee takes what is left of the 100 of margin, never more.
    assert liq.fee == Decimal(100) - Decimal("97.0")
    assert ex.state.wallet == Decimal(10000) - Decimal(100)
    assert ex.positions([SYMBOL]) == []


def test_cross_position_is_backed_by_the_whole_wallet() -> None:
    ex = exchange(feed(bars(CRASH)), attrs.evolve(NO_COSTS, initial_balance=Decimal(200)))
    ex.set_leverage(SYMBOL, Decimal(10), T0 + H)
    ex.submit(market("o", Side.BUY, "10"), T0 + H)
    (report,) = ex.positions([SYMBOL])
    assert report.liquidation_price is not None and round(report.liquidation_price, 2) == Decimal(
        "80.32"
    )
    events = ex.advance(T0 + 6 * H).events
    (liq,) = [e for e in events if isinstance(e, Liquidated)]
    assert liq.price == Decimal("80.3") and liq.margin_mode == "cross"
    assert ex.state.wallet >= 0


def _two_symbol_exchange(eth_rows: list[tuple[float, float, float, float]]) -> SimExchange:
    btc = bars(CRASH)
    eth = bars(eth_rows, symbol=ETH)
    replay = ReplayFeed({SYMBOL: SymbolSeries(SYMBOL, btc), ETH: SymbolSeries(ETH, eth)}, H)
    return exchange(replay, attrs.evolve(NO_COSTS, initial_balance=Decimal(200)))


def test_cross_positions_back_each_other() -> None:
    # ETH rallies the hour before BTC crashes: its gain keeps the BTC long alive. (Other cross
    # positions are valued at their marks when the crashing candle opens.)
    rally = (
        [(100.0, 101.0, 99.0, 100.0)] * 2
        + [(100.0, 130.0, 100.0, 130.0)]
        + [(130.0, 131.0, 129.0, 130.0)] * 4
    )
    flat = [(100.0, 101.0, 99.0, 100.0)] * 7
    outcomes = []
    for eth_rows in (rally, flat):
        ex = _two_symbol_exchange(eth_rows)
        for symbol in (SYMBOL, ETH):
            ex.set_leverage(symbol, Decimal(10), T0 + H)
        ex.submit(market("btc", Side.BUY, "10"), T0 + H)
        ex.submit(attrs.evolve(market("eth", Side.BUY, "5"), symbol=ETH), T0 + H)
        ex.advance(T0 + 7 * H)
        outcomes.append([e.symbol for e in ex.state.liquidations])
    # Without the rally BTC goes first, and the emptied cross wallet then takes ETH with it.
    assert outcomes == [[], [SYMBOL, ETH]]


def test_margin_mode_changes_only_without_position_or_orders() -> None:
    ex = exchange(feed(bars(CRASH)), NO_COSTS)
    ex.set_margin_mode(SYMBOL, MarginMode.ISOLATED, T0 + H)
    ex.submit(market("o", Side.BUY, "1"), T0 + H)
    with pytest.raises(InvalidOrder, match="margin mode"):
        ex.set_margin_mode(SYMBOL, MarginMode.CROSS, T0 + H)
    assert ex.positions([SYMBOL])[0].margin_mode == "isolated"
