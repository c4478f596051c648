"""The simulated exchange's parameters: fees, spread, slippage, liquidity, liquidation, margin."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from decimal import Decimal

import attrs


class MarginMode(enum.Enum):
    CROSS = "cross"
    ISOLATED = "isolated"


class IntrabarOrder(enum.Enum):
    """Which of a stop and a take-profit acts first when one candle reaches both: a candle's high
    and low say nothing about which came first. Pessimistic (the default) assumes the stop."""

    PESSIMISTIC = "pessimistic"
    OPTIMISTIC = "optimistic"


def _frozen_map(value: Mapping[str, Decimal]) -> dict[str, Decimal]:
    return dict(value)


@attrs.frozen
class SimSettings:
    initial_balance: Decimal = Decimal(10000)
    taker_fee: Decimal = Decimal("0.0005")
    maker_fee: Decimal = Decimal("0.0002")
    # Per-symbol fee rates that replace the two above for that market.
    taker_fees: dict[str, Decimal] = attrs.field(factory=dict, converter=_frozen_map)
    maker_fees: dict[str, Decimal] = attrs.field(factory=dict, converter=_frozen_map)
    # Full bid/ask spread in basis points; a taker pays half of it.
    spread_bps: Decimal = Decimal(1)
    # Market impact: a taker pays slippage * (candle range / open) * sqrt(size / candle volume).
    slippage: Decimal = Decimal(1)
    # Relative noise on that impact, drawn per order from `seed` and its client order id (0: none).
    slippage_noise: Decimal = Decimal(0)
    # Share of a candle's volume that our limit orders may take (per side).
    volume_share: Decimal = Decimal("0.1")
    # Fee on the notional of a liquidated position (Binance's clearance fee).
    liquidation_fee: Decimal = Decimal("0.0125")
    margin_mode: MarginMode = MarginMode.CROSS
    # Leverage of a symbol until set_leverage is called.
    default_leverage: Decimal = Decimal(1)
    # Maintenance margin rate for markets without a leverage tier table.
    maintenance_margin_rate: Decimal = Decimal("0.005")
    seed: int = 7
    # Stop before take-profit (pessimistic) or after, when one candle reaches both (triggers.py).
    intrabar_order: IntrabarOrder = IntrabarOrder.PESSIMISTIC

    def taker(self, symbol: str) -> Decimal:
        return self.taker_fees.get(symbol, self.taker_fee)

    def maker(self, symbol: str) -> Decimal:
        return self.maker_fees.get(symbol, self.maker_fee)
