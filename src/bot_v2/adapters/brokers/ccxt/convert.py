"""ccxt's unified dicts -> domain values. ccxt hands out floats; they become Decimals through
`to_decimal` (repr), so 0.1 stays 0.1."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from bot_v2.domain.account import Balance, PositionReport
from bot_v2.domain.fills import Fill
from bot_v2.domain.market import Candle, LeverageTier, MarketSpec
from bot_v2.domain.money import ZERO, to_decimal
from bot_v2.domain.orders import Order, OrderStatus, OrderType, Side

# ccxt's precision modes (ccxt.base.decimal_to_precision), copied so converting needs no ccxt.
DECIMAL_PLACES = 2
TICK_SIZE = 4

TIMEFRAMES = {
    60_000: "1m",
    180_000: "3m",
    300_000: "5m",
    900_000: "15m",
    1_800_000: "30m",
    3_600_000: "1h",
    7_200_000: "2h",
    14_400_000: "4h",
    21_600_000: "6h",
    28_800_000: "8h",
    43_200_000: "12h",
    86_400_000: "1d",
}


def dec(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    return to_decimal(value)


def dec0(value: Any) -> Decimal:
    result = dec(value)
    return ZERO if result is None else result


def precision_step(value: Any, precision_mode: int) -> Decimal | None:
    """A ccxt precision as a step: tick sizes pass through, decimal places become 10**-n."""
    raw = dec(value)
    if raw is None:
        return None
    if precision_mode == DECIMAL_PLACES:
        return Decimal(1).scaleb(-int(raw))
    return raw


def leverage_tiers(
    rows: Sequence[Mapping[str, Any]], maintenance_field: str
) -> tuple[LeverageTier, ...]:
    tiers = []
    for row in rows:
        info = row.get("info") or {}
        tiers.append(
            LeverageTier(
                min_notional=dec0(row.get("minNotional")),
                max_notional=dec0(row.get("maxNotional")),
                maintenance_margin_rate=dec0(row.get("maintenanceMarginRate")),
                max_leverage=dec0(row.get("maxLeverage")),
                maintenance_amount=dec0(info.get(maintenance_field)) if maintenance_field else ZERO,
            )
        )
    return tuple(sorted(tiers, key=lambda t: t.min_notional))


def market_spec(
    symbol: str, market: Mapping[str, Any], tiers: tuple[LeverageTier, ...], precision_mode: int
) -> MarketSpec:
    precision = market.get("precision") or {}
    limits = market.get("limits") or {}
    step = precision_step(precision.get("amount"), precision_mode)
    tick = precision_step(precision.get("price"), precision_mode)
    if step is None or tick is None:
        raise ValueError(f"{symbol}: the venue reports no price/amount precision")
    # ccxt's amounts are contracts; the core's sizes are base units (contract_size of them each).
    contract_size = dec(market.get("contractSize")) or Decimal(1)
    min_size = dec((limits.get("amount") or {}).get("min")) or step
    if contract_size != 1:
        step, min_size = step * contract_size, min_size * contract_size
    max_leverage = dec((limits.get("leverage") or {}).get("max"))
    if max_leverage is None and tiers:
        max_leverage = max(t.max_leverage for t in tiers)
    return MarketSpec(
        symbol=symbol,
        tick_size=tick,
        step_size=step,
        min_size=min_size,
        min_notional=dec0((limits.get("cost") or {}).get("min")),
        contract_size=contract_size,
        max_leverage=max_leverage if max_leverage is not None else Decimal(20),
        tiers=tiers,
    )


def balance(raw: Mapping[str, Any], asset: str) -> Balance:
    entry = raw.get(asset) or {}
    return Balance(asset=asset, total=dec0(entry.get("total")), free=dec0(entry.get("free")))


def position_report(
    raw: Mapping[str, Any], contract_size: Decimal = Decimal(1)
) -> PositionReport | None:
    contracts = dec(raw.get("contracts"))
    if not contracts:
        return None
    side = raw.get("side")
    size = (-abs(contracts) if side == "short" else abs(contracts)) * contract_size
    liquidation = dec(raw.get("liquidationPrice"))
    return PositionReport(
        symbol=str(raw["symbol"]),
        size=size,
        entry_price=dec0(raw.get("entryPrice")),
        mark_price=dec0(raw.get("markPrice")),
        liquidation_price=liquidation if liquidation else None,
        leverage=dec(raw.get("leverage")),
        margin_mode=str(raw.get("marginMode") or "cross"),
        unrealized_pnl=dec0(raw.get("unrealizedPnl")),
    )


_STATUS = {
    "closed": OrderStatus.FILLED,
    "canceled": OrderStatus.CANCELED,
    "cancelled": OrderStatus.CANCELED,
    "expired": OrderStatus.EXPIRED,
    "rejected": OrderStatus.REJECTED,
}


def is_complete_order(raw: Mapping[str, Any]) -> bool:
    """Some venues answer a create/cancel with ids only; then the broker fetches the order."""
    return raw.get("status") is not None and raw.get("amount") is not None and bool(raw.get("side"))


def order(
    raw: Mapping[str, Any], client_order_id: str = "", contract_size: Decimal = Decimal(1)
) -> Order:
    filled = dec0(raw.get("filled")) * contract_size
    status_text = raw.get("status")
    if status_text == "open" or status_text is None:
        status = OrderStatus.PARTIALLY_FILLED if filled > 0 else OrderStatus.NEW
    else:
        status = _STATUS.get(str(status_text), OrderStatus.NEW)
    amount = dec0(raw.get("amount")) * contract_size
    if status is OrderStatus.FILLED and filled < amount:
        # ccxt reports "closed" for Bybit's PartiallyFilledCanceled: the rest was cancelled.
        status = OrderStatus.CANCELED
    price = dec(raw.get("price"))
    average = dec(raw.get("average"))
    type_text = str(raw.get("type") or "")
    return Order(
        client_order_id=str(raw.get("clientOrderId") or client_order_id),
        exchange_order_id=str(raw.get("id") or ""),
        symbol=str(raw.get("symbol") or ""),
        side=Side.SELL if raw.get("side") == "sell" else Side.BUY,
        type=OrderType.MARKET if "market" in type_text else OrderType.LIMIT,
        size=amount,
        filled=filled,
        status=status,
        price=price if price else None,
        average_price=average if average else None,
        reduce_only=bool(raw.get("reduceOnly")),
        timestamp_ms=int(raw.get("timestamp") or raw.get("lastUpdateTimestamp") or 0),
    )


def fill(
    raw: Mapping[str, Any],
    client_order_id: str,
    liquidation: bool,
    contract_size: Decimal = Decimal(1),
) -> Fill:
    fee = raw.get("fee") or {}
    return Fill(
        fill_id=str(raw.get("id") or ""),
        client_order_id=client_order_id,
        exchange_order_id=str(raw.get("order") or ""),
        symbol=str(raw["symbol"]),
        side=Side.SELL if raw.get("side") == "sell" else Side.BUY,
        size=dec0(raw.get("amount")) * contract_size,
        price=dec0(raw.get("price")),
        fee=dec0(fee.get("cost")),
        timestamp_ms=int(raw.get("timestamp") or 0),
        is_maker=raw.get("takerOrMaker") == "maker",
        liquidation=liquidation,
    )


def candle(row: Sequence[Any], symbol: str, timeframe_ms: int) -> Candle:
    return Candle(
        symbol=symbol,
        timeframe_ms=timeframe_ms,
        timestamp_ms=int(row[0]),
        open=dec0(row[1]),
        high=dec0(row[2]),
        low=dec0(row[3]),
        close=dec0(row[4]),
        volume=dec0(row[5]),
    )
