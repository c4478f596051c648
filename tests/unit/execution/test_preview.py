from decimal import Decimal

from bot_v2.domain.orders import OrderType, Side
from bot_v2.domain.positions import Position
from bot_v2.domain.risk import RiskLimits
from bot_v2.features.live_trade.preview import preview_order
from bot_v2.features.live_trade.risk.context import RiskContext
from tests.fakes.ports import spec

BTC = "BTC/USDT:USDT"
LIMITS = RiskLimits(Decimal(5), Decimal(1000), Decimal(2000), Decimal(4000), Decimal(100))


def ctx(position: Decimal = Decimal(0)) -> RiskContext:
    return RiskContext(
        equity=Decimal(10000),
        positions={BTC: Position(BTC, position, Decimal(100))} if position else {},
        marks={BTC: Decimal(100)},
        day_pnl=Decimal(0),
        kill_switch=False,
        reduce_only=False,
    )


def preview(**changes: object):  # type: ignore[no-untyped-def]
    args: dict[str, object] = dict(
        client_order_id="p",
        symbol=BTC,
        side=Side.BUY,
        order_type=OrderType.MARKET,
        size=Decimal("1.23456"),
        price=None,
        reduce_only=False,
        spec=spec(),
        ctx=ctx(),
        limits=LIMITS,
    )
    args.update(changes)
    return preview_order(**args)  # type: ignore[arg-type]


def test_quantizes_like_the_executor_and_passes() -> None:
    p = preview()
    assert p.request is not None and p.request.size == Decimal("1.234")
    assert p.notional == Decimal("123.400")
    assert p.would_send
    assert len(p.rules) == 14 and all(r.approved for r in p.rules)


def test_every_rejecting_rule_is_listed_not_just_the_first() -> None:
    p = preview(size=Decimal(30))  # 3000 notional: above order (1000) and symbol (2000) caps
    rejected = [r.rule for r in p.rules if not r.approved]
    assert rejected == ["max_order_notional", "symbol_exposure"]
    assert not p.would_send


def test_limit_prices_round_to_the_safe_side() -> None:
    buy = preview(order_type=OrderType.LIMIT, price=Decimal("100.07"))
    sell = preview(order_type=OrderType.LIMIT, side=Side.SELL, price=Decimal("100.01"))
    assert buy.request is not None and buy.request.price == Decimal("100.0")
    assert sell.request is not None and sell.request.price == Decimal("100.1")


def test_limit_without_price_and_tiny_size_are_problems() -> None:
    assert preview(order_type=OrderType.LIMIT).problems == ("a limit order needs --price",)
    tiny = preview(size=Decimal("0.0004"))
    assert tiny.request is None and "below the market minimum" in tiny.problems[0]


def test_reduce_only_close_of_a_large_position_passes_caps() -> None:
    p = preview(side=Side.SELL, size=Decimal(30), reduce_only=True, ctx=ctx(Decimal(30)))
    assert p.would_send
