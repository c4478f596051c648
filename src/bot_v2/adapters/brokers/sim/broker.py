"""SimBroker implements IBroker and IProtectiveOrders over the SimExchange: it reads the time from
the clock, lets the exchange catch up to it, and answers like a venue. With a state file, the
exchange's state is loaded at start and written after every call that changed it, so it outlives a
killed bot (its conditional orders too, like a venue's stops)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path

from bot_v2.adapters.brokers.sim.book import LookAhead
from bot_v2.adapters.brokers.sim.exchange import Advance, SimExchange
from bot_v2.adapters.brokers.sim.persistence import SimStateFile
from bot_v2.adapters.brokers.sim.settings import MarginMode, SimSettings
from bot_v2.adapters.replay.feed import ReplayFeed
from bot_v2.domain.account import Balance, PositionReport
from bot_v2.domain.errors import InvalidSymbol
from bot_v2.domain.fills import Fill, FundingPayment
from bot_v2.domain.market import MarketSpec
from bot_v2.domain.orders import Order, OrderRequest
from bot_v2.ports.clock import IClock
from bot_v2.ports.touch import Touch


class SimBroker:
    def __init__(
        self,
        feed: ReplayFeed,
        clock: IClock,
        markets: Mapping[str, MarketSpec],
        settings: SimSettings,
        quote_asset: str = "USDT",
        state_path: Path | None = None,
        *,
        look_ahead: Callable[[], LookAhead],
    ) -> None:
        self._feed = feed
        self._clock = clock
        self._markets = dict(markets)
        self._quote = quote_asset
        self._settings = settings
        self._file = SimStateFile(state_path) if state_path is not None else None
        # A fresh look-ahead for each exchange built (it keeps what it found about that book).
        self._look_ahead = look_ahead
        self.exchange = SimExchange(feed.series, self._markets, settings, look_ahead=look_ahead())
        self._loaded = False
        # How much of the exchange's fill and funding history was handed to the account sync
        # (take_account_news), counted from the start of that history: reset with the exchange.
        self._handed = (0, 0)

    # -- lifecycle ----------------------------------------------------------------------------
    async def start(self) -> None:
        self._load()

    async def close(self) -> None:
        if self._file is not None:
            self._save()
            self._file.close()
            self._loaded = False

    def _load(self) -> None:
        if self._file is None or self._loaded:
            return
        state = self._file.open()
        if state is not None:
            self.exchange = SimExchange(
                self._feed.series,
                self._markets,
                self._settings,
                state,
                look_ahead=self._look_ahead(),
            )
            self._handed = (0, 0)
        self._loaded = True

    def _save(self) -> None:
        if self._file is None:
            return
        self._load()
        changes = self.exchange.take_changes()
        if changes is not None:
            self._file.save(changes)

    def _catch_up(self) -> None:
        # Every fetch asks for this, twice a cycle in a backtest, which has no state file.
        if self._file is not None:
            self._load()
        now = self._clock.now_ms()
        if self.exchange.clock_ms == now:
            # Already there (every fetch of a cycle asks at the same time): advancing would change
            # nothing, and every call that changes the exchange saves it before it returns.
            return
        self.exchange.advance(now)
        if self._file is not None:
            self._save()

    async def load_markets(self, symbols: Sequence[str]) -> dict[str, MarketSpec]:
        unknown = [s for s in symbols if s not in self._markets or s not in self._feed.series]
        if unknown:
            raise InvalidSymbol(f"sim exchange has no market data for {', '.join(unknown)}")
        return {s: self._markets[s] for s in symbols}

    # -- account ------------------------------------------------------------------------------
    async def fetch_balance(self) -> Balance:
        self._catch_up()
        return self.exchange.balance(self._quote)

    async def fetch_positions(self, symbols: Sequence[str]) -> list[PositionReport]:
        self._catch_up()
        return self.exchange.positions(symbols)

    async def set_leverage(self, symbol: str, leverage: Decimal) -> None:
        self._load()
        try:
            self.exchange.set_leverage(symbol, leverage, self._clock.now_ms())
        finally:
            self._save()

    async def set_margin_mode(self, symbol: str, mode: str) -> None:
        """Not in IBroker (ccxt venues set it out of band); tests and tools use it."""
        self._load()
        try:
            self.exchange.set_margin_mode(symbol, MarginMode(mode), self._clock.now_ms())
        finally:
            self._save()

    # -- orders -------------------------------------------------------------------------------
    async def submit_order(self, request: OrderRequest) -> Order:
        self._load()
        try:
            order, _ = self.exchange.submit(request, self._clock.now_ms())
        finally:
            self._save()
        return order

    async def cancel_order(self, symbol: str, client_order_id: str) -> Order:
        self._load()
        try:
            order, _ = self.exchange.cancel(symbol, client_order_id, self._clock.now_ms())
        finally:
            self._save()
        return order

    # -- protective orders (ports.broker.IProtectiveOrders) -----------------------------------
    async def place_protective(self, request: OrderRequest) -> Order:
        self._load()
        try:
            order, _ = self.exchange.place_conditional(request, self._clock.now_ms())
        finally:
            self._save()
        return order

    async def cancel_protective(self, symbol: str, client_order_id: str) -> Order:
        self._load()
        try:
            order, _ = self.exchange.cancel_conditional(
                symbol, client_order_id, self._clock.now_ms()
            )
        finally:
            self._save()
        return order

    async def fetch_protective_orders(self, symbols: Sequence[str]) -> list[Order]:
        self._catch_up()
        return self.exchange.conditional_orders(symbols)

    async def fetch_order(self, symbol: str, client_order_id: str) -> Order | None:
        self._catch_up()
        order = self.exchange.order(client_order_id)
        return order if order is not None and order.symbol == symbol else None

    async def fetch_touch(self, symbol: str) -> Touch:
        """ports.touch.ITouch: the exchange's quote now."""
        self._catch_up()
        bid, ask = self.exchange.best_quotes(symbol)
        return Touch(symbol, bid, ask)

    async def fetch_open_orders(self, symbols: Sequence[str]) -> list[Order]:
        self._catch_up()
        return self.exchange.open_orders(symbols)

    async def fetch_fills(self, symbols: Sequence[str], since_ms: int) -> list[Fill]:
        self._catch_up()
        return self.exchange.fills_since(symbols, since_ms)

    async def fetch_funding(self, symbols: Sequence[str], since_ms: int) -> list[FundingPayment]:
        self._catch_up()
        return self.exchange.funding_since(symbols, since_ms)

    def take_account_news(self) -> tuple[list[Fill], list[FundingPayment]]:
        """ports.account_news: the fills and funding payments the exchange made since the last
        call (its whole history on the first, loaded state included: what the books have is skipped
        there), taken from its records by position, as `take_changes` does for the state file, so
        no call that moved the exchange can drop one."""
        self._catch_up()
        state = self.exchange.state
        fills_at, funding_at = self._handed
        self._handed = (len(state.fills), len(state.funding))
        return state.fills[fills_at:], state.funding[funding_at:]

    def account_version(self) -> int | None:
        """Fills and funding payments so far (brought up to the clock): the exchange's histories
        only grow, also across restarts, so an unchanged count means nothing new to fetch."""
        self._catch_up()
        return self.exchange.history_size

    # -- backtests ----------------------------------------------------------------------------
    def advance_until(self, now_ms: int) -> Advance:
        """Bring the exchange up to `now_ms`, stopping just before the first candle on which the
        account would change by itself (a fast backtest runs the bot's cycle there)."""
        self._load()
        try:
            return self.exchange.advance(now_ms, stop_before_change=True)
        finally:
            self._save()
