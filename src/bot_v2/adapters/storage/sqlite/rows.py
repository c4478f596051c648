"""Rows to domain values and back, through the adapters' one record converter (serialization.py):
money is Decimal text, so nothing is lost to floats; each column is the field of the same name."""

from __future__ import annotations

from typing import Any

from bot_v2.adapters.serialization import row_reader, row_writer
from bot_v2.domain.fills import Fill, FundingPayment
from bot_v2.domain.orders import Order, OrderRequest
from bot_v2.domain.positions import Position

ORDER_COLUMNS = (
    "client_order_id, exchange_order_id, symbol, side, type, size, filled, status, price, "
    "average_price, reduce_only, timestamp_ms"
)
FILL_COLUMNS = (
    "fill_id, client_order_id, exchange_order_id, symbol, side, size, price, fee, timestamp_ms, "
    "is_maker, liquidation"
)
FUNDING_COLUMNS = "symbol, timestamp_ms, rate, position_size, mark_price, amount"
# An intent row is the request's fields (time in force and post-only are not stored: the bot
# sends GTC market orders) and the time it was recorded.
INTENT_COLUMNS = "client_order_id, symbol, side, type, size, price, reduce_only, created_ms"
POSITION_COLUMNS = "symbol, size, entry_price"


def _names(columns: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in columns.split(","))


_REQUEST = _names(INTENT_COLUMNS)[:-1]

order_params = row_writer(Order, _names(ORDER_COLUMNS))
order_from = row_reader(Order, _names(ORDER_COLUMNS))
fill_params = row_writer(Fill, _names(FILL_COLUMNS))
fill_from = row_reader(Fill, _names(FILL_COLUMNS))
funding_params = row_writer(FundingPayment, _names(FUNDING_COLUMNS))
funding_from = row_reader(FundingPayment, _names(FUNDING_COLUMNS))
position_params = row_writer(Position, _names(POSITION_COLUMNS))
position_from = row_reader(Position, _names(POSITION_COLUMNS))
_request_params = row_writer(OrderRequest, _REQUEST)
intent_from = row_reader(OrderRequest, _REQUEST)


def intent_params(request: OrderRequest, created_ms: int) -> tuple[Any, ...]:
    return (*_request_params(request), created_ms)
