"""Volatility target: size so that one ATR move against the position costs risk_pct of equity,
size = equity * risk_pct / ATR. Without an ATR yet (too few candles) nothing is opened."""

from __future__ import annotations

from decimal import Decimal


def volatility_target_notional(
    equity: Decimal, risk_pct: Decimal, atr: Decimal | None, price: Decimal
) -> Decimal:
    if atr is None or atr <= 0 or equity <= 0 or price <= 0:
        return Decimal(0)
    return equity * risk_pct / atr * price
