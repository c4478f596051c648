"""What an account holds at a moment, as the venue reports it."""

from __future__ import annotations

from decimal import Decimal

import attrs

from bot_v2.domain.money import ZERO


@attrs.frozen
class Balance:
    asset: str
    total: Decimal
    free: Decimal = ZERO


@attrs.frozen
class PositionReport:
    """A venue's view of a position (broker side), richer than our own Position."""

    symbol: str
    size: Decimal
    entry_price: Decimal
    mark_price: Decimal = ZERO
    liquidation_price: Decimal | None = None
    leverage: Decimal | None = None
    margin_mode: str = "cross"
    unrealized_pnl: Decimal = ZERO


@attrs.frozen
class FeeRates:
    """A market's fee rates for this account (0.0005 = 0.05 % of notional)."""

    maker: Decimal
    taker: Decimal
