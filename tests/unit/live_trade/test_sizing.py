from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from bot_v2.domain.market import MarketSpec
from bot_v2.features.live_trade.sizing import target_size


def spec(step: str = "0.001", min_size: str = "0.001", min_notional: str = "5") -> MarketSpec:
    return MarketSpec(
        "BTC/USDT:USDT",
        tick_size=Decimal("0.1"),
        step_size=Decimal(step),
        min_size=Decimal(min_size),
        min_notional=Decimal(min_notional),
    )


def decimals(low: str, high: str, places: int) -> st.SearchStrategy[Decimal]:
    return st.decimals(Decimal(low), Decimal(high), places=places, allow_nan=False)


steps = st.sampled_from(["1", "0.1", "0.001", "0.00001", "5", "0.025"]).map(Decimal)


@given(
    equity=decimals("0", "10000000", 2),
    price=decimals("0.0001", "200000", 4),
    fraction=decimals("0", "1", 3),
    leverage=decimals("0", "50", 1),
    step=steps,
    min_mult=st.integers(0, 5),
    min_notional=decimals("0", "100", 0),
)
def test_size_is_a_step_multiple_never_above_the_request(
    equity: Decimal,
    price: Decimal,
    fraction: Decimal,
    leverage: Decimal,
    step: Decimal,
    min_mult: int,
    min_notional: Decimal,
) -> None:
    market = MarketSpec("X/USDT:USDT", Decimal("0.01"), step, step * min_mult, min_notional)
    size = target_size(equity, price, fraction, leverage, market)
    requested = equity * fraction * leverage / price
    assert size >= 0
    assert size <= requested
    assert size % step == 0
    if size > 0:
        assert size >= market.min_size
        assert size * price >= market.min_notional
        # Rounded down, not further: one more step would exceed the request.
        assert size + step > requested


def test_example_btc() -> None:
    # 10000 * 0.2 * 2 / 43000 = 0.093023... -> 0.093
    assert target_size(
        Decimal(10000), Decimal(43000), Decimal("0.2"), Decimal(2), spec()
    ) == Decimal("0.093")


def test_below_min_size_is_zero() -> None:
    assert target_size(Decimal(10), Decimal(43000), Decimal("0.1"), Decimal(1), spec()) == 0


def test_below_min_notional_is_zero() -> None:
    # 0.002 * 1000 = 2 < 5
    size = target_size(Decimal(10), Decimal(1000), Decimal("0.2"), Decimal(1), spec())
    assert size == 0


def test_non_positive_inputs_are_zero() -> None:
    market = spec()
    assert target_size(Decimal(-1), Decimal(100), Decimal("0.5"), Decimal(1), market) == 0
    assert target_size(Decimal(1000), Decimal(0), Decimal("0.5"), Decimal(1), market) == 0
    assert target_size(Decimal(1000), Decimal(100), Decimal(0), Decimal(1), market) == 0
