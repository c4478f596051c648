"""RiskContextSource: the one place a decision's RiskContext is built. It owns what goes into it:
the ledger valued at the latest marks (LedgerValuation), the stored risk state (RiskStateKeeper:
a day whose loss reached the limit is halted, stored before the rule relies on it), the symbols
with an order whose outcome is unknown (from the store), stale marks, and the switches that block
new exposure. The runtime tells it the facts only the runtime knows (a reconciliation that did not
complete, the bot's run-time reduce-only) before a cycle's decisions; the decisions then ask it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Protocol

import attrs

from bot_v2.domain.risk import RiskLimits
from bot_v2.features.live_trade.accounting import Ledger
from bot_v2.features.live_trade.market_stats import CandleSource, average_true_range
from bot_v2.features.live_trade.risk.context import RiskContext
from bot_v2.features.live_trade.risk.protections import Protections, observe_drawdown
from bot_v2.features.live_trade.risk.state import RiskState, observe_day_loss
from bot_v2.features.live_trade.risk.state_keeper import RiskStateKeeper
from bot_v2.features.live_trade.valuation import LedgerValuation
from bot_v2.ports.clock import IClock
from bot_v2.ports.funding_rates import IFundingRates
from bot_v2.ports.runtime import IBotRuntime
from bot_v2.ports.state_store import IStateStore

log = logging.getLogger(__name__)


class MarkSource(Protocol):
    """The latest marks (MarketDataService); `marks_version` changes whenever any mark does."""

    @property
    def marks_version(self) -> int: ...

    def mark_prices(self) -> Mapping[str, Decimal]: ...

    def mark_ages_ms(self, now_ms: int) -> Mapping[str, int | None]: ...


class RiskContextSource:
    def __init__(
        self,
        *,
        ledger: Ledger,
        marks: MarkSource,
        store: IStateStore,
        clock: IClock,
        limits: RiskLimits,
        kill_switch: bool,
        max_mark_staleness_ms: int,
        protections: Protections | None = None,
        candles: CandleSource | None = None,
        atr_window: int = 14,
        funding: IFundingRates | None = None,
    ) -> None:
        self.ledger = ledger
        self.limits = limits
        self.valuation = LedgerValuation(ledger)
        self.keeper = RiskStateKeeper(store)
        self._marks = marks
        self._store = store
        self._clock = clock
        self._kill_switch = kill_switch
        self._max_staleness_ms = max_mark_staleness_ms
        # Why new exposure is blocked by reconciliation; empty when the last pass completed.
        self.unreconciled = ""
        self.runtime: IBotRuntime | None = None
        # Symbols with a pending intent (an order whose outcome is unknown); see refresh_pending.
        self._pending_symbols: frozenset[str] = frozenset()
        self._stale_cache: tuple[int, dict[str, str]] = (-1, {})
        self.protections = protections or Protections()
        self._candles = candles
        self._atr_window = atr_window
        # Each symbol's ATR (None: too few candles, or not followed) for one candles_version:
        # every decision of a cycle asks for a context, and the candles only move between cycles.
        self._atr_memo: tuple[int, dict[str, Decimal | None]] = (-1, {})
        # The next funding rate by symbol, where a source tells it (the funding guard's input).
        self.funding_rates: Mapping[str, Decimal] = {}
        self._funding = funding
        self._funding_ms: int | None = None

    # -- what the runtime tells it -------------------------------------------------------------
    def keep(self, state: RiskState) -> bool:
        """Store `state` if it changed (before anything relies on it); True when it did."""
        return self.keeper.update(state)

    @property
    def state(self) -> RiskState:
        return self.keeper.state

    async def refresh_funding(self, symbols: Sequence[str]) -> None:
        """Ask the funding source once per clock tick. A failure keeps the last known rates (the
        guard then judges by them) and never fails the cycle."""
        now = self._clock.now_ms()
        if self._funding is None or self._funding_ms == now:
            return
        self._funding_ms = now
        try:
            rates = await self._funding.next_funding_rates(symbols)
        except Exception as exc:  # a venue error must not stop the cycle
            log.warning("funding rates unavailable, keeping the last known: %s", exc)
            return
        self.funding_rates = {**self.funding_rates, **rates}

    # -- what it answers -----------------------------------------------------------------------
    def equity(self) -> Decimal:
        """The ledger at the latest marks (what EquityCalculator gives, kept up to date)."""
        marks = self._marks
        self.valuation.update(marks.mark_prices(), marks.marks_version)
        return self.valuation.equity()

    def marks(self) -> Mapping[str, Decimal]:
        return self._marks.mark_prices()

    @property
    def pending_symbols(self) -> frozenset[str]:
        return self._pending_symbols

    def refresh_pending(self) -> None:
        """From the store, the truth; asked after a pass, after the cycle's decisions, and for
        every context a decision sees (one indexed query per acting signal: an intent left pending
        by an earlier signal of the same cycle must already make its symbol reduce-only)."""
        pending = self._store.load_pending_intents()
        self._pending_symbols = frozenset(i.request.symbol for i in pending)

    def stale(self, now_ms: int) -> dict[str, str]:
        if self._stale_cache[0] == now_ms:
            return self._stale_cache[1]
        stale = {}
        for symbol, age in self._marks.mark_ages_ms(now_ms).items():
            if age is None:
                stale[symbol] = "no mark yet"
            elif age > self._max_staleness_ms:
                stale[symbol] = f"mark is {age / 1000:.0f}s old"
        # Marks only move between cycles, so one look per clock tick serves every decision.
        self._stale_cache = (now_ms, stale)
        return stale

    def context(self) -> RiskContext:
        """The account as the ledger has it now (synced by whoever asks), valued at the marks."""
        equity = self.equity()
        runtime = self.runtime
        self.refresh_pending()
        # A day whose loss reached the limit stays halted: stored before the rule relies on it.
        self.keep(observe_day_loss(self.keeper.state, equity, self.limits.daily_loss_limit))
        # Likewise the drawdown halt: stored before the drawdown_halt rule relies on it.
        self._observe_drawdown(equity)
        state = self.keeper.state
        now = self._clock.now_ms()
        breaker = state.guards.breaker
        return RiskContext(
            equity=equity,
            positions=self.ledger.positions,
            marks=self._marks.mark_prices(),
            day_pnl=state.day_pnl(equity),
            kill_switch=self._kill_switch or bool(state.kill_switch),
            reduce_only=bool(self.unreconciled)
            or (runtime is not None and runtime.reduce_only)
            or bool(state.reduce_only)
            # Paused entries: only reducing orders pass, exactly as in reduce-only.
            or bool(state.paused),
            stale_symbols=frozenset(self.stale(self._clock.now_ms())),
            pending_symbols=self._pending_symbols,
            others_notional=self.valuation.others_notional(),
            day_halt=state.day_halt,
            protections=self.protections,
            drawdown_halt=state.guards.halt,
            entry_pause=breaker.reason if breaker.paused(now) else "",
            cooldowns=state.guards.cooling(now),
            atr=self.atr(),
            funding_rates=self.funding_rates,
        )

    def _observe_drawdown(self, equity: Decimal) -> None:
        state = self.keeper.state
        fraction = state.drawdown_now(equity)
        guards = observe_drawdown(state.guards, fraction, self.protections)
        if guards is not state.guards:
            self.keep(attrs.evolve(state, guards=guards))

    def atr(self) -> dict[str, Decimal]:
        """The average true range of each symbol whose candles are known."""
        source = self._candles
        if source is None:
            return {}
        version, memo = self._atr_memo
        if version != source.candles_version:
            memo = {}
            self._atr_memo = (source.candles_version, memo)
        out = {}
        for symbol in self.ledger.positions.keys() | self._marks.mark_prices().keys():
            if symbol not in memo:
                memo[symbol] = self._average_true_range(source, symbol)
            value = memo[symbol]
            if value is not None:
                out[symbol] = value
        return out

    def _average_true_range(self, source: CandleSource, symbol: str) -> Decimal | None:
        try:
            # The ATR reads the last window + 1 candles only.
            candles = source.recent(symbol, self._atr_window + 1)
        except KeyError:  # a symbol the market data does not follow (an adopted position)
            return None
        return average_true_range(candles, self._atr_window)
