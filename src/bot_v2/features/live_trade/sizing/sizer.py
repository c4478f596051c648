"""Sizer: the size of a new position by the configured method, capped by the correlation cap and
bounded by the risk limits (bounds.py), rounded down to the market's step. Every method answers a
notional; the bound and the market's minimums apply to all of them alike."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

from bot_v2.domain.market import MarketSpec
from bot_v2.domain.money import ZERO, quantize_size
from bot_v2.domain.risk import RiskLimits
from bot_v2.features.live_trade.accounting import ClosedTrade
from bot_v2.features.live_trade.market_stats import CandleSource, correlation
from bot_v2.features.live_trade.risk.context import RiskContext
from bot_v2.features.live_trade.sizing.bounds import notional_room
from bot_v2.features.live_trade.sizing.correlation import correlated_room
from bot_v2.features.live_trade.sizing.fixed_notional import fixed_notional
from bot_v2.features.live_trade.sizing.kelly import kelly_fraction
from bot_v2.features.live_trade.sizing.settings import Sizing
from bot_v2.features.live_trade.sizing.volatility_target import volatility_target_notional

Correlation = Callable[[str, str], float | None]


class Sizer:
    def __init__(
        self,
        sizing: Sizing,
        limits: RiskLimits,
        fraction: Decimal,
        leverage: Decimal,
        *,
        trades: Callable[[], Sequence[Decimal]] = tuple,
        corr: Correlation | None = None,
    ) -> None:
        self.sizing = sizing
        self.limits = limits
        self._fraction = fraction
        self._leverage = leverage
        # The net result of each closed trade (kelly), and the correlation of two symbols.
        self._trades = trades
        self._corr = corr

    def wanted_notional(
        self, ctx: RiskContext, symbol: str, price: Decimal, nets: Sequence[Decimal]
    ) -> Decimal:
        """What the method asks for, before any cap."""
        s = self.sizing
        if s.method == "fixed_notional":
            return fixed_notional(s.notional)
        if s.method == "volatility_target":
            return volatility_target_notional(ctx.equity, s.risk_pct, ctx.atr.get(symbol), price)
        fraction = self._fraction
        if s.method == "kelly":
            kelly = kelly_fraction(nets, s.kelly_fraction, s.kelly_cap, s.kelly_min_trades)
            fraction = fraction if kelly is None else kelly
        return max(ctx.equity, ZERO) * fraction * self._leverage

    def size(
        self,
        ctx: RiskContext,
        symbol: str,
        sign: int,
        price: Decimal,
        spec: MarketSpec,
    ) -> Decimal:
        """Base units to open in `symbol` (sign +1 long, -1 short); 0 when nothing fits."""
        mark = ctx.marks.get(symbol)
        if price <= 0 or ctx.equity <= 0 or mark is None or mark <= 0:
            return ZERO
        nets = self._trades() if self.sizing.method == "kelly" else ()
        wanted = self.wanted_notional(ctx, symbol, price, nets)
        notional = min(wanted, notional_room(ctx, symbol, self.limits))
        s, corr = self.sizing, self._corr
        if s.correlation_max_leverage > 0 and corr is not None:
            limit = s.correlation_max_leverage * ctx.equity
            room = correlated_room(
                symbol, sign, ctx.positions, ctx.marks, corr, s.correlation_threshold, limit
            )
            notional = min(notional, room)
        # Valued at the higher of the signal's price and the mark, so the rules (which value at
        # the mark) see no more than the bound.
        size = quantize_size(notional / max(price, mark), spec.step_size)
        if size <= 0 or size < spec.min_size or size * price < spec.min_notional:
            return ZERO
        return size


def closed_nets(trades: Callable[[], Sequence[ClosedTrade]]) -> Callable[[], list[Decimal]]:
    """The kelly method's record: each closed trade's net result."""
    return lambda: [t.net for t in trades()]


def candle_correlation(candles: CandleSource, window: int) -> Correlation:
    return lambda a, b: correlation(candles.candles(a), candles.candles(b), window)
