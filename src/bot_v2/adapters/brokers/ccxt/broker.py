"""CcxtBroker: IBroker and IMarketData over ccxt.async_support, for USDT-margined linear swaps.

Sizes are in the venue's contracts (ccxt's `amount`); `MarketSpec.contract_size` converts them to the
base asset (1 on Binance and Bybit linear swaps). Every ccxt call goes through `_attempt`, which turns
ccxt exceptions into domain errors with cleaned texts; reads are retried by `retrying`, and an order
submission is retried only after asking the venue, by client order id, whether the previous attempt
landed."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs

from bot_v2.adapters.brokers.ccxt import convert, history
from bot_v2.adapters.brokers.ccxt.config import build_ccxt_config
from bot_v2.adapters.brokers.ccxt.errors import (
    is_ccxt_error,
    is_duplicate_client_id,
    is_no_change,
    to_domain_error,
)
from bot_v2.adapters.brokers.ccxt.redact import RedactingLogger, Redactor
from bot_v2.adapters.brokers.ccxt.retry import RETRYABLE, RetryPolicy, Sleep, retrying
from bot_v2.adapters.brokers.ccxt.venues import VenueProfile, venue_profile
from bot_v2.domain.account import Balance, FeeRates, PositionReport
from bot_v2.domain.errors import (
    BrokerError,
    ConfigError,
    ExchangeUnavailable,
    InvalidOrder,
    InvalidSymbol,
    OrderNotFound,
    StopRequested,
)
from bot_v2.domain.fills import Fill, FundingPayment
from bot_v2.domain.market import Candle, LeverageTier, Mark, MarketSpec
from bot_v2.domain.money import ZERO, quantize_size
from bot_v2.domain.orders import Order, OrderRequest, OrderStatus, OrderType, TimeInForce
from bot_v2.domain.symbols import normalize_symbol
from bot_v2.features.streaming.errors import NoStreamAdapter

if TYPE_CHECKING:
    import aiohttp

log = logging.getLogger(__name__)
# ccxt's own request/response debug lines go here, cleaned.
WIRE_LOGGER = "bot_v2.adapters.brokers.ccxt.wire"


@attrs.frozen
class FundingRate:
    symbol: str
    rate: Decimal
    mark_price: Decimal
    next_funding_ms: int
    timestamp_ms: int


def _wall_ms() -> int:
    return int(time.time() * 1000)


class CcxtBroker:
    """One venue account. Construct, `await start()`, use, `await close()`."""

    def __init__(
        self,
        exchange_id: str,
        api_key: str = "",
        api_secret: str = "",
        api_password: str = "",
        ccxt_config: Mapping[str, Any] | None = None,
        sandbox: bool = False,
        session: aiohttp.ClientSession | None = None,
        retry: RetryPolicy | None = None,
        *,
        quote_asset: str = "USDT",
        sleep: Sleep | None = None,
        now_ms: Callable[[], int] | None = None,
        stopping: Callable[[], bool] | None = None,
    ) -> None:
        self._venue: VenueProfile = venue_profile(exchange_id)
        self._redactor = Redactor((api_key, api_secret, api_password))
        self._has_credentials = bool(api_key and api_secret)
        self._retry = retry or RetryPolicy()
        self._sleep: Sleep = sleep or asyncio.sleep
        self._now_ms = now_ms or _wall_ms
        # True once the bot's stop request should end a long history walk (between pages).
        self._stopping = stopping or (lambda: False)
        self._quote = quote_asset
        config = build_ccxt_config(
            self._venue,
            ccxt_config,
            api_key=api_key,
            api_secret=api_secret,
            api_password=api_password,
            logger=RedactingLogger(logging.getLogger(WIRE_LOGGER), self._redactor),
            session=session,
        )
        self._exchange = _new_exchange(exchange_id, config)
        if sandbox:
            self._enable_sandbox()
        self._specs: dict[str, MarketSpec] = {}
        # exchange order id -> our client order id, for venues whose fills do not carry it.
        self._client_ids: dict[str, str] = {}
        # Per symbol, for venues where orders name their margin mode (OKX's tdMode): the mode
        # asked for last (cross until then) and the leverage set last.
        self._margin_modes: dict[str, str] = {}
        self._leverage: dict[str, int | float] = {}

    @property
    def exchange_id(self) -> str:
        return self._venue.exchange_id

    def __repr__(self) -> str:
        return f"CcxtBroker({self._venue.exchange_id!r})"

    # ---- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> None:
        """Loads the venue's markets and, with credentials, proves them with a balance request
        and refuses an account in hedge (long/short) position mode where the venue has one."""
        await self._ensure_markets()
        if self._has_credentials:
            await self._call("start", self._exchange.fetch_balance)
            await self._require_one_way_mode()

    async def _require_one_way_mode(self) -> None:
        """Refuses an account in hedge mode: our orders carry no position side and our positions
        are one per symbol, so the venue would refuse the orders or the books would be wrong."""
        rule = self._venue.one_way_mode
        if rule is None:
            return
        raw = await self._call("fetch_position_mode", self._exchange.fetch_position_mode)
        hedged = (raw or {}).get("hedged")
        if hedged is False:
            return
        if hedged is None:
            raise BrokerError(
                f"{self.exchange_id} start: the venue's answer does not say the position mode"
            )
        # A setting the operator must change, not a fault to retry: one line, exit as config.
        raise ConfigError(
            [
                f"{self.exchange_id}: account is in {rule.hedge_mode_name} position mode; "
                f"perps-bot needs one-way (net) mode: {rule.how_to_switch}"
            ]
        )

    async def close(self) -> None:
        try:
            await self._exchange.close()
        except Exception as exc:  # closing must not mask the error that made us close
            log.warning("%s close: %s", self.exchange_id, self._redactor.clean(str(exc)))

    # ---- markets -------------------------------------------------------------------------------

    async def load_markets(self, symbols: Sequence[str]) -> dict[str, MarketSpec]:
        await self._ensure_markets()
        wanted = [self._market(s)[0] for s in symbols]
        tiers: dict[str, Any] = {}
        if wanted and (self._has_credentials or not self._venue.tiers_need_auth):
            tiers = await self._fetch_tiers(wanted)
        specs = {}
        for symbol in wanted:
            market = self._exchange.markets[symbol]
            symbol_tiers = convert.leverage_tiers(
                tiers.get(symbol) or [], self._venue.tier_maintenance_field
            )
            specs[symbol] = self._spec(symbol, market, symbol_tiers)
        self._specs.update(specs)
        return specs

    def _spec(
        self, symbol: str, market: Mapping[str, Any], tiers: tuple[LeverageTier, ...] = ()
    ) -> MarketSpec:
        return convert.market_spec(symbol, market, tiers, int(self._exchange.precisionMode))

    def _contract_size(self, symbol: str) -> Decimal:
        """Base units per ccxt amount (contract) of `symbol`: 1 unless the venue says otherwise."""
        market = (self._exchange.markets or {}).get(symbol) or {}
        return convert.dec(market.get("contractSize")) or Decimal(1)

    async def _fetch_tiers(self, symbols: list[str]) -> dict[str, Any]:
        """ccxt's leverage tiers per symbol, bounded in notional (quote) units."""
        if self._exchange.has.get("fetchLeverageTiers"):
            tiers = dict(
                await self._call(
                    "fetch_leverage_tiers", self._exchange.fetch_leverage_tiers, symbols
                )
                or {}
            )
        else:
            tiers = {}
            for symbol in symbols:
                tiers[symbol] = await self._call(
                    f"fetch_leverage_tiers {symbol}",
                    self._exchange.fetch_market_leverage_tiers,
                    symbol,
                )
        if self._venue.tiers_in_contracts:
            # The venue bounds tiers by position size in contracts; the domain's tiers are
            # notional, so the bounds are re-expressed at the current mark price.
            marks = {m.symbol: m.price for m in await self.fetch_marks(symbols)}
            for symbol in symbols:
                mark = marks.get(symbol)
                if not tiers.get(symbol):
                    continue
                if mark is None or mark <= 0:
                    # Without a mark every bound would come out 0 (every position in the top
                    # tier); an error beats wrong maintenance margins.
                    raise BrokerError(
                        f"{self.exchange_id} fetch_leverage_tiers {symbol}: the venue gave no mark "
                        "price to turn its contract-sized tiers into notional"
                    )
                unit = self._contract_size(symbol) * mark
                tiers[symbol] = [
                    {
                        **row,
                        "minNotional": convert.dec0(row.get("minNotional")) * unit,
                        "maxNotional": convert.dec0(row.get("maxNotional")) * unit,
                    }
                    for row in tiers.get(symbol) or []
                ]
        return tiers

    # ---- account -------------------------------------------------------------------------------

    async def fetch_balance(self) -> Balance:
        raw = await self._call("fetch_balance", self._exchange.fetch_balance)
        balance = convert.balance(raw, self._quote)
        if self._venue.wallet_balance is not None:
            wallet = convert.dec(self._venue.wallet_balance(raw.get("info"), self._quote))
            if wallet is not None:
                balance = attrs.evolve(balance, total=wallet)
        return balance

    async def fetch_positions(self, symbols: Sequence[str]) -> list[PositionReport]:
        await self._ensure_markets()
        wanted = [self._market(s)[0] for s in symbols]
        if not wanted:
            return []
        # Some venues (Bybit) take one symbol or all of them: ask for all and keep ours.
        ask = wanted if len(wanted) == 1 else None
        raw = await self._call("fetch_positions", self._exchange.fetch_positions, ask)
        reports = [
            convert.position_report(p, self._contract_size(str(p.get("symbol")))) for p in raw or []
        ]
        return [r for r in reports if r is not None and r.symbol in wanted]

    async def set_leverage(self, symbol: str, leverage: Decimal) -> None:
        await self._ensure_markets()
        unified, _ = self._market(symbol)
        value: int | float = int(leverage) if leverage == int(leverage) else float(leverage)
        params = self._margin_params(unified)
        await self._call(
            f"set_leverage {unified}",
            self._exchange.set_leverage,
            value,
            unified,
            params,
            tolerate=lambda exc: is_no_change(exc, self._venue),
        )
        self._leverage[unified] = value

    async def set_margin_mode(self, symbol: str, mode: str) -> None:
        """`mode` is "cross" or "isolated". Asking for the mode already set is not an error."""
        if mode not in ("cross", "isolated"):
            raise InvalidOrder(
                f"{self.exchange_id} set_margin_mode: mode must be cross or isolated"
            )
        await self._ensure_markets()
        unified, _ = self._market(symbol)
        params: dict[str, Any] = {}
        if self._venue.margin_mode_per_order:
            # OKX changes the mode by restating the leverage under it: keep the leverage.
            params["lever"] = self._leverage.get(unified) or await self._current_leverage(unified)
        await self._call(
            f"set_margin_mode {unified}",
            self._exchange.set_margin_mode,
            mode,
            unified,
            params,
            tolerate=lambda exc: is_no_change(exc, self._venue),
        )
        self._margin_modes[unified] = mode

    def _margin_params(self, symbol: str) -> dict[str, Any]:
        if not self._venue.margin_mode_per_order:
            return {}
        return {"marginMode": self._margin_modes.get(symbol, "cross")}

    async def _current_leverage(self, symbol: str) -> int | float:
        raw = await self._call(
            f"fetch_leverage {symbol}",
            self._exchange.fetch_leverage,
            symbol,
            self._margin_params(symbol),
        )
        value = convert.dec((raw or {}).get("longLeverage")) or Decimal(1)
        return int(value) if value == int(value) else float(value)

    # ---- orders --------------------------------------------------------------------------------

    async def submit_order(self, request: OrderRequest) -> Order:
        await self._ensure_markets()
        symbol, market = self._market(request.symbol)
        self._validate(request, symbol, market)
        operation = f"submit_order {request.client_order_id}"
        args = (
            symbol,
            request.type.value,
            request.side.value,
            # ccxt's amount is in contracts.
            float(request.size / self._contract_size(symbol)),
            None if request.price is None else float(request.price),
            self._order_params(request, symbol),
        )
        delays = self._retry.delays()
        retried = False
        while True:
            try:
                if retried:
                    # The previous attempt's fate is unknown: if it landed, it is the order.
                    landed = await self._lookup(symbol, request.client_order_id)
                    if landed is not None:
                        log.warning(
                            "%s: the earlier attempt landed (%s); not sending again",
                            operation,
                            landed.status.value,
                        )
                        return landed
                raw = await self._attempt(operation, self._exchange.create_order, *args)
                return await self._complete(symbol, raw, request)
            except RETRYABLE as exc:
                delay = next(delays, None)
                if delay is None:
                    raise
                self._log_retry(operation, exc, delay)
                await self._sleep(delay)
                retried = True
            except InvalidOrder as exc:
                if not (retried and is_duplicate_client_id(exc, self._venue)):
                    raise
                # Our own earlier attempt holds the client id: it landed after all.
                landed = await self.fetch_order(symbol, request.client_order_id)
                if landed is None:
                    raise
                return landed

    async def cancel_order(self, symbol: str, client_order_id: str) -> Order:
        await self._ensure_markets()
        unified, _ = self._market(symbol)
        operation = f"cancel_order {client_order_id}"
        params = {self._venue.lookup_id_param: client_order_id}
        delays = self._retry.delays()
        retried = False
        while True:
            try:
                raw = await self._attempt(
                    operation, self._exchange.cancel_order, None, unified, params
                )
                break
            except RETRYABLE as exc:
                delay = next(delays, None)
                if delay is None:
                    raise
                self._log_retry(operation, exc, delay)
                await self._sleep(delay)
                retried = True
            except OrderNotFound:
                if not retried:
                    raise
                # The earlier attempt may have cancelled it: report the order as it now stands.
                current = await self.fetch_order(unified, client_order_id)
                if current is None or current.status.is_open:
                    raise
                return current
        if convert.is_complete_order(raw):
            return self._remember(self._order(unified, raw, client_order_id))
        current = await self.fetch_order(unified, client_order_id)
        if current is None:
            raise OrderNotFound(f"{self.exchange_id} {operation}: gone after cancel")
        return current

    async def fetch_order(self, symbol: str, client_order_id: str) -> Order | None:
        await self._ensure_markets()
        unified, _ = self._market(symbol)
        return await retrying(
            lambda: self._lookup(unified, client_order_id),
            self._retry,
            self._sleep,
            lambda exc, delay: self._log_retry(f"fetch_order {client_order_id}", exc, delay),
        )

    async def fetch_open_orders(self, symbols: Sequence[str]) -> list[Order]:
        await self._ensure_markets()
        orders: list[Order] = []
        for symbol in symbols:
            unified, _ = self._market(symbol)
            raw = await self._call(
                f"fetch_open_orders {unified}", self._exchange.fetch_open_orders, unified
            )
            orders.extend(self._remember(self._order(unified, o)) for o in raw or [])
        return orders

    async def fetch_fills(self, symbols: Sequence[str], since_ms: int) -> list[Fill]:
        await self._ensure_markets()
        fills: list[Fill] = []
        for symbol in symbols:
            unified, _ = self._market(symbol)
            rows = await self._walk(
                f"fetch_fills {unified}", self._exchange.fetch_my_trades, unified, since_ms
            )
            for row in rows:
                fills.append(await self._fill(unified, row))
        return sorted(fills, key=lambda f: (f.timestamp_ms, f.fill_id))

    async def fetch_funding(self, symbols: Sequence[str], since_ms: int) -> list[FundingPayment]:
        await self._ensure_markets()
        payments: list[FundingPayment] = []
        for symbol in symbols:
            unified, market = self._market(symbol)
            rows = await self._walk(
                f"fetch_funding {unified}",
                self._exchange.fetch_funding_history,
                unified,
                since_ms,
                self._venue.funding_window_params,
                self._funding_symbol_params(market),
            )
            if not rows:
                continue
            rates: list[history.RateRow] = []
            if history.needs_rate_history(self._venue, rows):
                # Walked like the payments: venues cap a page (OKX at 100 rates), and a payment
                # without its rate would be booked with rate and size 0.
                raw_rates = await self._walk(
                    f"fetch_funding_rate_history {unified}",
                    self._exchange.fetch_funding_rate_history,
                    unified,
                    rows[0]["timestamp"] - history.FUNDING_MATCH_MS,
                    self._venue.rate_window_params,
                )
                rates = history.rate_rows(raw_rates)
            step = (self._specs.get(unified) or self._spec(unified, market)).step_size
            payments.extend(
                history.funding_payment(unified, row, rates, step, self._venue) for row in rows
            )
        return sorted(payments, key=lambda p: (p.timestamp_ms, p.symbol))

    def account_version(self) -> int | None:
        """No cheap signal of account news over REST: callers poll fills and funding."""
        return None

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

    # ---- user data stream (listen key) ---------------------------------------------------------

    @property
    def has_user_stream(self) -> bool:
        """Whether the venue has a private stream this adapter can open a listen key for."""
        return self._venue.listen_key_calls is not None

    async def obtain_listen_key(self) -> str:
        """POST a listen key for the private websocket: the active key (extended) or a new one.

        One attempt, no retries: the stream's supervisor reconnects with its own backoff. The key
        is a secret from here on: masked in every error and log line like the credentials."""
        post, _ = self._listen_key_calls()
        raw = await self._attempt("obtain_listen_key", getattr(self._exchange, post), {})
        key = raw.get("listenKey") if isinstance(raw, Mapping) else None
        if not isinstance(key, str) or not key:
            raise ExchangeUnavailable(
                f"{self.exchange_id} obtain_listen_key: the answer carries no listenKey"
            )
        self._redactor.add(key)
        return key

    async def keepalive_listen_key(self, key: str) -> None:
        """PUT: extends the account's active listen key by 60 min (Binance USDⓈ-M takes no
        parameter: one key per API key). Retried like any read; `key` only names what to mask."""
        _, put = self._listen_key_calls()
        self._redactor.add(key)
        await self._call("keepalive_listen_key", getattr(self._exchange, put), {})

    def _listen_key_calls(self) -> tuple[str, str]:
        calls = self._venue.listen_key_calls
        if calls is None:
            raise NoStreamAdapter(
                f"{self.exchange_id}: no private user data stream in this adapter; "
                "fills come from the REST sync each cycle"
            )
        return calls

    # ---- market data (IMarketData) -------------------------------------------------------------

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

    # ---- internals: calls ----------------------------------------------------------------------

    async def _attempt(
        self,
        operation: str,
        fn: Callable[..., Awaitable[Any]],
        *args: Any,
        tolerate: Callable[[BaseException], bool] | None = None,
    ) -> Any:
        """One ccxt call; ccxt exceptions leave as domain errors with no ccxt text chained."""
        mapped = None
        try:
            return await fn(*args)
        except Exception as exc:
            if not is_ccxt_error(exc):
                raise
            if tolerate is not None and tolerate(exc):
                return None
            mapped = to_domain_error(exc, self._venue, operation, self._redactor)
        # Raised outside the except block so the ccxt exception (and its raw URL) is not chained.
        raise mapped

    async def _call(
        self,
        operation: str,
        fn: Callable[..., Awaitable[Any]],
        *args: Any,
        tolerate: Callable[[BaseException], bool] | None = None,
    ) -> Any:
        return await retrying(
            lambda: self._attempt(operation, fn, *args, tolerate=tolerate),
            self._retry,
            self._sleep,
            lambda exc, delay: self._log_retry(operation, exc, delay),
        )

    def _log_retry(self, operation: str, exc: Exception, delay: float) -> None:
        log.warning(
            "%s %s: %s: %s; retrying in %.2fs",
            self.exchange_id,
            operation,
            type(exc).__name__,
            self._redactor.clean(str(exc)),
            delay,
        )

    async def _ensure_markets(self) -> None:
        if not self._exchange.markets:
            await self._call("load_markets", self._exchange.load_markets)

    def _market(self, symbol: str) -> tuple[str, Mapping[str, Any]]:
        unified = normalize_symbol(symbol)
        market = (self._exchange.markets or {}).get(unified)
        if market is None:
            raise InvalidSymbol(f"{self.exchange_id}: {unified} is not listed")
        if not (market.get("swap") and market.get("linear")):
            kind = "inverse" if market.get("inverse") else "linear"
            raise InvalidSymbol(
                f"{self.exchange_id}: {unified} is listed, but as an {kind} {market.get('type')}, "
                "not a linear swap"
            )
        if market.get("active") is False:
            raise InvalidSymbol(f"{self.exchange_id}: {unified} is listed but not trading")
        return unified, market

    def _enable_sandbox(self) -> None:
        mode = self._venue.sandbox
        urls = self._exchange.urls
        # ccxt lists `test: None` for venues without one, and set_sandbox_mode would then
        # happily point every API at None: check before switching.
        available = {"testnet": urls.get("test"), "demo": urls.get("demo")}.get(mode)
        if not available:
            raise ConfigError([f"config.broker.sandbox: {self.exchange_id} has no testnet in ccxt"])
        if mode == "testnet":
            self._exchange.set_sandbox_mode(True)
        else:
            self._exchange.enable_demo_trading(True)

    # ---- internals: orders ---------------------------------------------------------------------

    def _validate(self, request: OrderRequest, symbol: str, market: Mapping[str, Any]) -> None:
        where = f"{self.exchange_id} submit_order {request.client_order_id}"
        if not re.match(self._venue.client_id_pattern, request.client_order_id):
            raise InvalidOrder(
                f"{where}: client order id does not match {self._venue.client_id_pattern}"
            )
        if request.post_only and request.type is not OrderType.LIMIT:
            raise InvalidOrder(f"{where}: post-only needs a limit order")
        if request.post_only and request.time_in_force is not TimeInForce.GTC:
            raise InvalidOrder(f"{where}: post-only cannot be {request.time_in_force.value}")
        spec = self._specs.get(symbol) or self._spec(symbol, market)
        # Never let ccxt round: a size or price off the grid is the caller's bug, not ours to fix.
        if quantize_size(request.size, spec.step_size) != request.size:
            raise InvalidOrder(
                f"{where}: size {request.size} is not a multiple of {spec.step_size}"
            )
        if request.price is not None and request.price % spec.tick_size != 0:
            raise InvalidOrder(
                f"{where}: price {request.price} is not a multiple of {spec.tick_size}"
            )

    def _order_params(self, request: OrderRequest, symbol: str) -> dict[str, Any]:
        params: dict[str, Any] = {self._venue.client_id_param: request.client_order_id}
        params.update(self._margin_params(symbol))
        if request.reduce_only:
            params["reduceOnly"] = True
        if request.type is OrderType.LIMIT:
            if request.post_only:
                params["postOnly"] = True
            else:
                params["timeInForce"] = request.time_in_force.value
        return params

    async def _lookup(self, symbol: str, client_order_id: str) -> Order | None:
        """One look for the order by client id (no retries: callers decide)."""
        operation = f"fetch_order {client_order_id}"
        params = {self._venue.lookup_id_param: client_order_id}
        if self._venue.fetch_by_client_id == "fetch_order":
            try:
                raw = await self._attempt(
                    operation, self._exchange.fetch_order, None, symbol, params
                )
            except OrderNotFound:
                return None
            return self._remember(self._order(symbol, raw, client_order_id)) if raw else None
        for fetch in (self._exchange.fetch_open_orders, self._exchange.fetch_closed_orders):
            rows = await self._attempt(operation, fetch, symbol, None, None, params)
            for raw in rows or []:
                if raw.get("clientOrderId") == client_order_id:
                    return self._remember(self._order(symbol, raw, client_order_id))
        return None

    async def _complete(self, symbol: str, raw: Mapping[str, Any], request: OrderRequest) -> Order:
        if convert.is_complete_order(raw):
            return self._remember(self._order(symbol, raw, request.client_order_id))
        # The venue acknowledged with ids only: ask for the order itself.
        found = await self.fetch_order(symbol, request.client_order_id)
        if found is not None:
            return found
        return self._remember(
            Order(
                client_order_id=request.client_order_id,
                exchange_order_id=str(raw.get("id") or ""),
                symbol=symbol,
                side=request.side,
                type=request.type,
                size=request.size,
                filled=ZERO,
                status=OrderStatus.NEW,
                price=request.price,
                reduce_only=request.reduce_only,
                timestamp_ms=self._now_ms(),
            )
        )

    def _order(self, symbol: str, raw: Mapping[str, Any], client_order_id: str = "") -> Order:
        return convert.order(raw, client_order_id, self._contract_size(symbol))

    def _remember(self, order: Order) -> Order:
        if order.exchange_order_id and order.client_order_id:
            self._client_ids[order.exchange_order_id] = order.client_order_id
        return order

    # ---- internals: history --------------------------------------------------------------------

    async def _walk(
        self,
        operation: str,
        fetch: Callable[..., Awaitable[Any]],
        symbol: str,
        since_ms: int,
        window_params: tuple[str, str] | None = None,
        extra_params: Mapping[str, str] | None = None,
    ) -> list[dict[str, Any]]:
        where = f"{self.exchange_id} {operation}"

        async def page(low: int, high: int, limit: int) -> Any:
            if self._stopping():
                raise StopRequested(f"{where}: stop requested; history read not finished")
            # ccxt turns `until` into the venue's bound; where it does not, name the bounds.
            bounds: dict[str, Any] = {"until": high}
            if window_params is not None:
                bounds = {window_params[0]: low, window_params[1]: high}
            return await self._call(
                operation, fetch, symbol, low, limit, {**(extra_params or {}), **bounds}
            )

        return await history.walk(page, self._venue, since_ms, self._now_ms(), where)

    def _funding_symbol_params(self, market: Mapping[str, Any]) -> dict[str, str]:
        # The history walk ends a window at a page shorter than the venue's page limit, which is
        # only right when the venue itself filtered the page to our symbol: a ccxt call that asks
        # by currency (OKX bills) and drops other symbols client-side hands back short pages
        # mid-window. Naming the instrument makes the venue do the filtering.
        param = self._venue.funding_symbol_param
        return {param: str(market["id"])} if param else {}

    async def _fill(self, symbol: str, raw: Mapping[str, Any]) -> Fill:
        info = raw.get("info") or {}
        order_id = str(raw.get("order") or "")
        field = self._venue.trade_client_id_field
        client_id = (str(info.get(field) or "") if field else "") or self._client_ids.get(order_id)
        if client_id is None and order_id:
            # The venue's fills do not name the client id: ask the order once, then remember.
            raw_order = await self._call(
                f"fetch_order {order_id}", self._exchange.fetch_order, order_id, symbol
            )
            client_id = str((raw_order or {}).get("clientOrderId") or "")
            self._client_ids[order_id] = client_id
        client_id = client_id or ""
        liquidation = str(info.get("execType") or "") in self._venue.liquidation_exec_types or (
            bool(self._venue.liquidation_client_prefixes)
            and client_id.startswith(self._venue.liquidation_client_prefixes)
        )
        return convert.fill(raw, client_id, liquidation, self._contract_size(symbol))


def _new_exchange(exchange_id: str, config: dict[str, Any]) -> Any:
    # Imported here, not at module level: importing bot_v2 must never import ccxt.
    import ccxt.async_support as ccxt_async  # type: ignore[import-untyped]

    exchange_class = getattr(ccxt_async, exchange_id, None)
    if exchange_class is None:
        raise ConfigError(
            [
                f"config.broker.exchange: ccxt {ccxt_async.__version__} has no exchange {exchange_id!r}"
            ]
        )
    return exchange_class(config)
