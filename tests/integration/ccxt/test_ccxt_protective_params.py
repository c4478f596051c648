"""What each venue is sent for a protective order, over every request shape (pure: no venue)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from bot_v2.adapters.venues.registry import VENUES
from bot_v2.domain.orders import OrderRequest, OrderType, Side, TriggerPrice

requests = st.builds(
    lambda kind, side, by, close, trigger: OrderRequest(
        "sl1",
        "BTC/USDT:USDT",
        side,
        kind,
        Decimal("0.01"),
        price=Decimal(48000) if kind is OrderType.STOP_LIMIT else None,
        reduce_only=True,
        trigger_price=Decimal(trigger),
        trigger_by=by,
        close_position=close,
    ),
    st.sampled_from([OrderType.STOP_MARKET, OrderType.TAKE_PROFIT_MARKET, OrderType.STOP_LIMIT]),
    st.sampled_from(list(Side)),
    st.sampled_from(list(TriggerPrice)),
    st.booleans(),
    st.integers(min_value=1, max_value=10**6),
)
# The parameter naming the trigger source on each venue, and its mark / last values.
SOURCE = {
    "binanceusdm": ("workingType", "MARK_PRICE", "CONTRACT_PRICE"),
    "bybit": ("triggerBy", "MarkPrice", "LastPrice"),
    "krakenfutures": ("triggerSignal", "mark", "last"),
}


@given(request=requests, venue_id=st.sampled_from(sorted(VENUES)))
def test_every_request_names_its_trigger_source_price_and_client_id_once(
    request: OrderRequest, venue_id: str
) -> None:
    style = VENUES[venue_id].protective
    assert style is not None
    params = style.create_params(request)
    take_profit = request.type is OrderType.TAKE_PROFIT_MARKET
    trigger_key = "takeProfitPrice" if take_profit else "stopLossPrice"
    assert params[trigger_key] == float(request.trigger_price or 0)
    assert ("stopLossPrice" in params) != ("takeProfitPrice" in params)
    mark = request.trigger_by is TriggerPrice.MARK
    if venue_id == "okx":
        source = "tpTriggerPxType" if take_profit else "slTriggerPxType"
        assert params[source] == ("mark" if mark else "last")
        assert params["algoClOrdId"] == "sl1" and "clientOrderId" not in params
        assert ("closeFraction" in params) == request.close_position
        assert params["reduceOnly"] is True
    else:
        key, mark_value, last_value = SOURCE[venue_id]
        assert params[key] == (mark_value if mark else last_value)
    if venue_id == "binanceusdm":
        # Binance refuses reduceOnly alongside closePosition; one of the two is always sent.
        assert ("closePosition" in params) == request.close_position
        assert ("reduceOnly" in params) != request.close_position
    if venue_id == "bybit":
        assert params["reduceOnly"] is True and params["orderLinkId"] == "sl1"
        assert ("closeOnTrigger" in params) == request.close_position
    if venue_id == "krakenfutures":
        # No close-position flag at Kraken: always a reduce-only order of the size asked.
        assert params["reduceOnly"] is True and params["cliOrdId"] == "sl1"
        assert set(params) == {"cliOrdId", trigger_key, "triggerSignal", "reduceOnly"}
