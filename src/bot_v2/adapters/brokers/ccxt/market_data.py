"""The venue's public market data over ccxt (IMarketData): closed candles, marks, fee rates and
the current funding rate."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import attrs

from bot_v2.adapters.brokers.ccxt import convert
from bot_v2.adapters.brokers.ccxt.session import CcxtSession
from bot_v2.adapters.brokers.ccxt.tiers import fetch_tiers
from bot_v2.domain.account import FeeRates
from bot_v2.domain.errors import ExchangeUnavailable, InvalidOrder
from bot_v2.domain.market import Candle, Mark, MarketSpec
from bot_v2.ports.touch import Touch


@attrs.frozen
class FundingRate:
    symbol: str
    rate: Decimal
    mark_price: Decimal
    next_funding_ms: int
    timestamp_ms: int


class CcxtMarketData(CcxtSession):
    async def load_markets(self, symbols: Sequence[str]) -> dict[str, MarketSpec]:
        await self._ensure_markets()
        wanted = [self._market(s)[0] for s in symbols]
        tiers: dict[str, Any] = {}
        if wanted and (self._has_credentials or not self._venue.tiers_need_auth):
            tiers = await fetch_tiers(
                self._exchange,
                self._venue,
                self._calls,
                wanted,
                self.fetch_marks,
                self._contract_size,
            )
        specs = {}
        for symbol in wanted:
            market = self._exchange.markets[symbol]
            symbol_tiers = convert.leverage_tiers(
                tiers.get(symbol) or [], self._venue.tier_maintenance_field
            )
            specs[symbol] = self._spec(symbol, market, symbol_tiers)
        self._specs.update(specs)
        return specs

    async def fetch_candles(
        self, symbol: str, timeframe_ms: int, since_ms: int | None, limit: int
    ) -> list[Candle]:
        timeframe = convert.TIMEFRAMES.get(timeframe_ms)
        if timeframe is None:
            raise InvalidOrder(
                f"{self.exchange_id} fetch_candles: no timeframe of {timeframe_ms} ms"
            )
        await self._ensure_markets()
        unified, _ = self._market(symbol)
        rows = await self._call(
            f"fetch_candles {unified}",
            self._exchange.fetch_ohlcv,
            unified,
            timeframe,
            since_ms,
            limit,
        )
        now = self._now_ms()
        # Venues include the candle still forming; only closed candles are facts.
        candles = [
            convert.candle(r, unified, timeframe_ms)
            for r in rows or []
            if int(r[0]) + timeframe_ms <= now
        ]
        return sorted(candles, key=lambda c: c.timestamp_ms)

    async def fetch_fee_rates(self, symbols: Sequence[str]) -> dict[str, FeeRates]:
        """This account's maker and taker rates per market (IFeeSource)."""
        await self._ensure_markets()
        rates: dict[str, FeeRates] = {}
        for symbol in symbols:
            unified, _ = self._market(symbol)
            fee = await self._call(
                f"fetch_fee_rates {unified}", self._exchange.fetch_trading_fee, unified
            )
            maker, taker = convert.dec(fee.get("maker")), convert.dec(fee.get("taker"))
            if maker is not None and taker is not None:
                rates[unified] = FeeRates(maker=maker, taker=taker)
        return rates

    async def fetch_marks(self, symbols: Sequence[str]) -> list[Mark]:
        await self._ensure_markets()
        wanted = [self._market(s)[0] for s in symbols]
        if self._exchange.has.get("fetchMarkPrices"):
            tickers = await self._call("fetch_marks", self._exchange.fetch_mark_prices, wanted)
        else:
            tickers = await self._call("fetch_marks", self._exchange.fetch_tickers, wanted)
        marks = []
        for symbol in wanted:
            ticker = (tickers or {}).get(symbol)
            if not ticker:
                continue
            price = convert.dec(ticker.get("markPrice")) or convert.dec(ticker.get("last"))
            if price is None:
                continue
            stamp = int(ticker.get("timestamp") or self._now_ms())
            marks.append(Mark(symbol=symbol, price=price, timestamp_ms=stamp))
        return marks

    async def fetch_touch(self, symbol: str) -> Touch:
        """ports.touch.ITouch: the venue's best bid and ask. Binance's book ticker where ccxt has
        a call of its own for it (its 24h ticker carries no bid or ask), the ticker elsewhere."""
        await self._ensure_markets()
        unified, _ = self._market(symbol)
        if self._exchange.has.get("fetchBidsAsks") is True:
            tickers = await self._call("fetch_touch", self._exchange.fetch_bids_asks, [unified])
        else:
            tickers = await self._call("fetch_touch", self._exchange.fetch_tickers, [unified])
        ticker = (tickers or {}).get(unified) or {}
        bid, ask = convert.dec(ticker.get("bid")), convert.dec(ticker.get("ask"))
        if bid is None or ask is None or bid <= 0 or ask <= 0:
            raise ExchangeUnavailable(f"{self.exchange_id} fetch_touch {symbol}: no bid or ask")
        return Touch(symbol, bid, ask)

    async def fetch_funding_rate(self, symbol: str) -> FundingRate:
        await self._ensure_markets()
        unified, _ = self._market(symbol)
        raw = await self._call(
            f"fetch_funding_rate {unified}", self._exchange.fetch_funding_rate, unified
        )
        mark = convert.dec(raw.get("markPrice"))
        if mark is None:
            # Some venues (OKX) answer the funding rate without the mark price.
            marks = await self.fetch_marks([unified])
            mark = marks[0].price if marks else None
        return FundingRate(
            symbol=unified,
            rate=convert.dec0(raw.get("fundingRate")),
            mark_price=convert.dec0(mark),
            next_funding_ms=int(
                raw.get("nextFundingTimestamp") or raw.get("fundingTimestamp") or 0
            ),
            timestamp_ms=int(raw.get("timestamp") or self._now_ms()),
        )

    async def next_funding_rates(self, symbols: Sequence[str]) -> dict[str, Decimal]:
        """IFundingRates: the venue's current rate for each symbol's next settlement."""
        rates = {}
        for symbol in symbols:
            funding = await self.fetch_funding_rate(symbol)
            rates[symbol] = funding.rate
        return rates
