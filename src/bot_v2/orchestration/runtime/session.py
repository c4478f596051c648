"""RunSession owns what a run holds open: the state store, the operator API, the broker and its
markets, the leverage set on them, reconciliation and the ledger built from the store. The
container builds it (one per run); `open` is the start sequence up to the first cycle, `disconnect`
and `close` are the stop sequence.

Open order matters for crash recovery: the store is opened (and refused if unsafe), a replay clock
is moved to where the stored state ends, the store is reconciled with the venue (pending intents
resolved, missed fills adopted, external changes booked), and only then is the ledger built."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Protocol, runtime_checkable

from bot_v2.domain.errors import BrokerError
from bot_v2.domain.market import MarketSpec
from bot_v2.features.live_trade.account_sync import AccountSync
from bot_v2.features.live_trade.accounting import Ledger
from bot_v2.features.live_trade.reconciliation import (
    ReconciliationReport,
    ReconciliationService,
    UnknownOrderPolicy,
)
from bot_v2.orchestration.config.models import BotConfig
from bot_v2.orchestration.runtime.resume import advance_clock
from bot_v2.ports.account_news import IAccountNews
from bot_v2.ports.broker import IBroker
from bot_v2.ports.clock import IClock
from bot_v2.ports.monitor import IMonitor, IOperatorApi
from bot_v2.ports.state_store import IStateStore

log = logging.getLogger(__name__)
# Store meta: where venue history (fills, funding) starts, set on the bot's first start.
HISTORY_START_KEY = "history_start_ms"


@runtime_checkable
class HistoryStart(Protocol):
    """A venue broker that can skip history from before the bot's first start."""

    def set_history_start(self, start_ms: int) -> None: ...


class RunSession:
    def __init__(
        self,
        *,
        config: BotConfig,
        symbols: Sequence[str],
        clock: IClock,
        broker: IBroker,
        store: IStateStore,
        api: IOperatorApi,
        monitor: IMonitor,
        announce: Callable[[str], None],
    ) -> None:
        self.config = config
        self.clock = clock
        self.broker = broker
        self.store = store
        self.api = api
        self.monitor = monitor
        # Told the operator API's address once it listens.
        self.announce = announce
        self.symbols = symbols
        # Set by open(): what the cycle is built from.
        self.markets: dict[str, MarketSpec] = {}
        self.reconciler: ReconciliationService | None = None
        self.ledger = Ledger(Decimal(0))
        self.sync: AccountSync | None = None
        self.report: ReconciliationReport | None = None
        # Replay ticks skipped to where the stored state ends (a replay resumed after a crash).
        self.resumed = 0

    async def open(self) -> None:
        self.store.open()
        self.api.start()
        self.announce(self.api.address)
        await self.broker.start()
        self._start_history()
        self.markets = await self.broker.load_markets(self.symbols)
        for symbol in self.symbols:
            await self._set_leverage(symbol, self.markets[symbol])
        # A replay restarting after a crash continues where its state ends, as the venue did.
        self.resumed = await advance_clock(self.clock, self.store.watermark_ms())
        cfg = self.config
        self.reconciler = ReconciliationService(
            self.broker,
            self.store,
            self.symbols,
            cfg.bot.id,
            UnknownOrderPolicy(cfg.reconciliation.unknown_orders),
            alert=self._alert,
            pending_timeout_ms=int(cfg.reconciliation.pending_timeout_s * 1000),
        )
        self.ledger, self.sync, self.report = await self._reconciled_books(self.reconciler)
        self.resumed += await advance_clock(self.clock, self.store.watermark_ms())

    async def disconnect(self) -> None:
        """The venue and the operator API; the store stays open for the run's summary."""
        try:
            await self.broker.close()
        finally:
            self.api.stop()

    def close(self) -> None:
        self.store.close()

    async def _reconciled_books(
        self, reconciler: ReconciliationService
    ) -> tuple[Ledger, AccountSync, ReconciliationReport]:
        """Reconcile the store with the venue before the first cycle, then build the ledger from
        the store. On the very first start the initial balance is the venue's wallet less what the
        adopted history already explains, so a store rebuilt from the venue's history agrees."""
        initial = self.store.get_meta("initial_balance")
        now = self.clock.now_ms()
        if initial is not None:
            ledger, sync = self._books(Decimal(initial))
            return ledger, sync, await reconciler.run(now, ledger=ledger)
        report = await reconciler.run(now)
        balance = (await self.broker.fetch_balance()).total
        initial = str(balance - self._books(Decimal(0))[0].cash)
        self.store.set_meta("initial_balance", initial)
        ledger, sync = self._books(Decimal(initial))
        return ledger, sync, report

    def _books(self, initial: Decimal) -> tuple[Ledger, AccountSync]:
        ledger = Ledger(initial)
        # A venue that hands over its fills (the sim) is not asked for them again every cycle.
        news = self.broker if isinstance(self.broker, IAccountNews) else None
        sync = AccountSync(self.broker, self.store, ledger, self.symbols, news=news)
        sync.restore(self.store.load_fills(), self.store.load_funding())
        return ledger, sync

    def _start_history(self) -> None:
        """The bot owns nothing from before its first start but open positions and orders, which
        reconciliation reads directly: venue history is read from that start less a look-back.
        Stored before it is relied on; a store from before this key, with orders or fills in it,
        keeps reading all history (0), since its first start is unknown."""
        if not isinstance(self.broker, HistoryStart):
            return
        start = self.store.get_meta(HISTORY_START_KEY)
        if start is None:
            fresh = self.store.decision_count() == 0 and self.store.last_fill_ms() == 0
            lookback_ms = int(self.config.broker.history_lookback_s * 1000)
            start = str(max(0, self.clock.now_ms() - lookback_ms) if fresh else 0)
            self.store.set_meta(HISTORY_START_KEY, start)
        self.broker.set_history_start(int(start))

    def _alert(self, message: str) -> None:
        log.error("ALERT: %s", message)
        self.monitor.on_error("external_position")

    async def _set_leverage(self, symbol: str, spec: MarketSpec) -> None:
        leverage = min(self.config.strategy.leverage, spec.max_leverage)
        try:
            await self.broker.set_leverage(
                symbol, leverage.to_integral_value(rounding="ROUND_CEILING")
            )
        except BrokerError as exc:
            log.warning("could not set leverage %s on %s: %s", leverage, symbol, exc)
