"""The connection to one venue account over ccxt.async_support: the ccxt exchange built from our
config, its markets resolved to linear swaps, start (credentials proven, one-way mode required)
and close. The market data reads and the broker build on it (market_data.py, broker.py)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from bot_v2.adapters.brokers.ccxt import convert
from bot_v2.adapters.brokers.ccxt.account_history import AccountHistory
from bot_v2.adapters.brokers.ccxt.calls import VenueCalls
from bot_v2.adapters.brokers.ccxt.config import build_ccxt_config
from bot_v2.adapters.brokers.ccxt.listen_keys import ListenKeys
from bot_v2.adapters.brokers.ccxt.redact import RedactingLogger, Redactor
from bot_v2.adapters.brokers.ccxt.retry import RetryPolicy, Sleep
from bot_v2.adapters.venues.profile import VenueProfile
from bot_v2.adapters.venues.protective_style import ProtectiveStyle
from bot_v2.adapters.venues.venue import Venue
from bot_v2.domain.errors import BrokerError, ConfigError, InvalidSymbol
from bot_v2.domain.market import LeverageTier, MarketSpec
from bot_v2.domain.symbols import normalize_symbol

if TYPE_CHECKING:
    import aiohttp

log = logging.getLogger("bot_v2.adapters.brokers.ccxt.broker")
# ccxt's own request/response debug lines go here, cleaned.
WIRE_LOGGER = "bot_v2.adapters.brokers.ccxt.wire"


def _wall_ms() -> int:
    return int(time.time() * 1000)


class CcxtSession:
    """One venue account. Construct, `await start()`, use, `await close()`."""

    def __init__(
        self,
        venue: Venue,
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
        # Orchestration looks the venue up (adapters/venues/registry.py) and hands it in: this
        # class knows venues only through their profile and protective-order style.
        self._venue: VenueProfile = venue.profile
        self._protective_style: ProtectiveStyle | None = venue.protective
        self._redactor = Redactor((api_key, api_secret, api_password))
        self._has_credentials = bool(api_key and api_secret)
        self._now_ms = now_ms or _wall_ms
        self._quote = quote_asset
        if self._has_credentials and quote_asset not in self._venue.settle_assets:
            # The balance would be read in an asset the account holds no margin in: refuse, once.
            settles = ", ".join(self._venue.settle_assets)
            raise ConfigError(
                [
                    f"config.bot.quote_asset: {self._venue.exchange_id} settles linear perpetuals in "
                    f"{settles}, got {quote_asset!r}"
                ]
            )
        config = build_ccxt_config(
            self._venue,
            ccxt_config,
            api_key=api_key,
            api_secret=api_secret,
            api_password=api_password,
            logger=RedactingLogger(logging.getLogger(WIRE_LOGGER), self._redactor),
            session=session,
        )
        self._exchange = _new_exchange(self._venue.exchange_id, config)
        if sandbox:
            self._enable_sandbox()
        self._calls = VenueCalls(
            self._exchange,
            self._venue,
            self._redactor,
            retry or RetryPolicy(),
            sleep or asyncio.sleep,
            self._now_ms,
        )
        self._specs: dict[str, MarketSpec] = {}
        # exchange order id -> our client order id, for venues whose fills do not carry it.
        self._client_ids: dict[str, str] = {}
        self._history = AccountHistory(
            self._exchange,
            self._venue,
            self._calls,
            self._now_ms,
            self._client_ids,
            self._contract_size,
            # True once the bot's stop request should end a long history walk (between pages).
            stopping or (lambda: False),
        )
        self._listen_keys = ListenKeys(self._exchange, self._venue, self._calls, self._redactor)
        # Per symbol, for venues where orders name their margin mode (OKX's tdMode): the mode
        # asked for last (cross until then) and the leverage set last.
        self._margin_modes: dict[str, str] = {}
        self._leverage: dict[str, int | float] = {}

    @property
    def exchange_id(self) -> str:
        return self._venue.exchange_id

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._venue.exchange_id!r})"

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

    def _spec(
        self, symbol: str, market: Mapping[str, Any], tiers: tuple[LeverageTier, ...] = ()
    ) -> MarketSpec:
        return convert.market_spec(symbol, market, tiers, int(self._exchange.precisionMode))

    def _contract_size(self, symbol: str) -> Decimal:
        """Base units per ccxt amount (contract) of `symbol`: 1 unless the venue says otherwise."""
        market = (self._exchange.markets or {}).get(symbol) or {}
        return convert.dec(market.get("contractSize")) or Decimal(1)

    # ---- internals ----------------------------------------------------------------------

    async def _call(
        self,
        operation: str,
        fn: Callable[..., Awaitable[Any]],
        *args: Any,
        tolerate: Callable[[BaseException], bool] | None = None,
    ) -> Any:
        return await self._calls.call(operation, fn, *args, tolerate=tolerate)

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
