"""Running a backtest: the live bot's own start, cycle and stop over the simulated exchange.

- step: PerpsBot runs every candle through RuntimeCoordinator.run_cycle, exactly as live.
- fast: the same LifecycleService start and stop, and the same run_cycle, but only on the cycles
  where something can happen; the cycles in between are skipped whole:
  * a cycle runs when any symbol's candle closing then could make the strategy act or change what
    it keeps beyond running numbers (the skipper's vectorized pre-pass decides, per symbol);
  * the first cycle of each UTC day runs (the daily loss limit measures from its equity);
  * the cycle at which the exchange would change the account by itself (a resting order fills, a
    position is liquidated) runs: the exchange is brought up to each candidate cycle with
    `advance_until`, which stops just before such a change;
  * before each cycle that runs, the account is synced at the cycle before it, as the skipped
    cycle's own syncs would have done;
  * every cycle runs while a maker entry works ([strategy.entry]: its re-pricing is on the clock),
    and while protection keeps something for a flat symbol or the venue holds an order for one
    (a closed position's stop, the exits' memory of it: step's next cycle clears them);
  * the cycle at which a portfolio protection could act (the drawdown halt, the near-liquidation
    cut) runs, and the equity peak the drawdown measures from moves over the skipped cycles
    exactly as step's cycles move it (skip/guards.py).
Skipped candles move the strategy's state through the skipper (a vectorized twin, or the probe: the
strategy itself asked ahead of the cycle, skip/probe.py). Fills are identical to step mode;
the tests compare both on the bundled data and on random walks.
"""

from __future__ import annotations

import bisect
import contextlib
import gc
import time
from collections.abc import Callable, Iterator
from decimal import Decimal

import attrs
import numpy as np

from bot_v2.adapters.brokers.sim.broker import SimBroker
from bot_v2.adapters.replay.clock import ReplayClock
from bot_v2.adapters.replay.columns import CandleColumns
from bot_v2.adapters.replay.feed import ReplayFeed
from bot_v2.domain.positions import Position
from bot_v2.features.live_trade.accounting import Ledger
from bot_v2.features.live_trade.performance import RunSummary
from bot_v2.features.live_trade.strategies.base import Strategy
from bot_v2.monitoring.reports import CycleReport
from bot_v2.orchestration.backtest.memory_store import MemoryStateStore
from bot_v2.orchestration.backtest.runtime import BacktestRuntime
from bot_v2.orchestration.backtest.skip import Skipper, skipper_for
from bot_v2.orchestration.backtest.skip.guards import GuardWatch
from bot_v2.orchestration.backtest.skip.probe import SymbolRouter
from bot_v2.orchestration.backtest.wiring import backtest_container
from bot_v2.orchestration.config.exits import exit_settings
from bot_v2.orchestration.config.models import BotConfig
from bot_v2.orchestration.runtime.lifecycle import LifecycleService
from bot_v2.orchestration.runtime.perps_bot import PerpsBot
from bot_v2.orchestration.runtime.runtime_coordinator import RuntimeCoordinator

MODES = ("fast", "step")
DAY_MS = 86_400_000
# Backtests reconcile once, at start: nobody else trades the simulated account.
NEVER_S = Decimal(10) ** 12

Progress = Callable[[int], None]
# Step mode tells the progress bar every this many cycles, not on each: nobody reads it faster,
# and a year of minutes then makes 500 calls instead of half a million.
PROGRESS_EVERY = 1024


@attrs.frozen(eq=False)
class BacktestRun:
    mode: str
    config: BotConfig
    feed: ReplayFeed
    broker: SimBroker
    ledger: Ledger
    store: MemoryStateStore
    summary: RunSummary
    # Cycles the live cycle ran (fast mode: far fewer than the candles) and all cycles covered.
    cycles_run: int
    cycles: int
    elapsed_s: float
    # A probed strategy (skip/probe.py): candles fed ahead of the cycle, and fed again on restores.
    probed: tuple[int, int] = (0, 0)


def backtest_config(config: BotConfig) -> BotConfig:
    """The run's config as a backtest uses it: the sim exchange in memory, reconciled once."""
    return attrs.evolve(
        config,
        broker=attrs.evolve(
            config.broker, kind="sim", sim=attrs.evolve(config.broker.sim, state_path="")
        ),
        reconciliation=attrs.evolve(config.reconciliation, interval_s=NEVER_S),
    )


class _Parts:
    """The run's container and what the fast planner reaches into: the clock and the exchange."""

    def __init__(
        self,
        config: BotConfig,
        feed: ReplayFeed,
        fast: bool,
        on_report: Callable[[CycleReport], None],
    ) -> None:
        self.config = config
        self.container = backtest_container(config, feed, fast, on_report)
        clock, broker, store = (
            self.container.clock(),
            self.container.broker(),
            self.container.store(),
        )
        assert isinstance(clock, ReplayClock)
        assert isinstance(broker, SimBroker)
        assert isinstance(store, MemoryStateStore)
        self.clock, self.broker, self.store = clock, broker, store
        self.strategy: Strategy = self.container.strategy()


async def run_backtest(
    config: BotConfig, feed: ReplayFeed, mode: str = "fast", progress: Progress | None = None
) -> BacktestRun:
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    if mode == "fast" and reads_candle_windows(config):
        mode = "step"
    config = backtest_config(config)
    parts = _Parts(
        config, feed, mode == "fast", _progress_every(progress) if mode == "step" else _ignore
    )
    started = time.perf_counter()
    with _long_lived_frozen():
        if mode == "step":
            summary, cycles_run, ledger = await _run_step(parts, progress)
        else:
            summary, cycles_run, ledger = await _run_fast(parts, feed, progress)
    return BacktestRun(
        mode=mode,
        config=config,
        feed=feed,
        broker=parts.broker,
        ledger=ledger,
        store=parts.store,
        summary=summary,
        cycles_run=cycles_run,
        cycles=len(feed.timeline),
        elapsed_s=time.perf_counter() - started,
        probed=parts.strategy.counts() if isinstance(parts.strategy, SymbolRouter) else (0, 0),
    )


@contextlib.contextmanager
def _long_lived_frozen() -> Iterator[None]:
    """Keep what exists before the run (the feed's columns and lists, the time line, modules) out
    of the garbage collector's full collections while it runs: they live as long as the run, and
    walking their millions of elements took a tenth of a fast year's run. Given back after."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _ignore(report: CycleReport) -> None:
    return None


def _progress_every(progress: Progress | None) -> Callable[[CycleReport], None]:
    def on_report(report: CycleReport) -> None:
        if progress is not None and report.cycle % PROGRESS_EVERY == 0:
            progress(PROGRESS_EVERY)

    return on_report


async def _run_step(parts: _Parts, progress: Progress | None) -> tuple[RunSummary, int, Ledger]:
    bot: PerpsBot = parts.container.bot()
    lifecycle: LifecycleService = parts.container.lifecycle()
    summary = await bot.run()
    if progress is not None:
        progress(bot.cycle_count % PROGRESS_EVERY)
    assert lifecycle.coordinator is not None
    return summary, bot.cycle_count, lifecycle.coordinator.ledger


async def _run_fast(
    parts: _Parts, feed: ReplayFeed, progress: Progress | None
) -> tuple[RunSummary, int, Ledger]:
    lifecycle: LifecycleService = parts.container.lifecycle()
    runtime = BacktestRuntime(parts.config.profile)
    coordinator = await lifecycle.start(runtime)
    try:
        planner = _FastPlanner(feed, skipper_for(parts.strategy, feed), coordinator, parts)
        await planner.run(runtime, progress)
    finally:
        summary = await lifecycle.stop(runtime)
    return summary, runtime.cycle_count, coordinator.ledger


def reads_candle_windows(config: BotConfig) -> bool:
    """Whether sizing reads the market data's window of recent candles (an ATR or a return
    correlation). Fast mode hands market data only the candles of the cycles it runs, so such a run
    is run in step mode (the result says so), to size exactly as step. (The k x ATR liquidation-distance
    check reads it too, but only binds where the liquidation price is within k ATRs; see
    docs/backtesting.md.)"""
    sizing = config.strategy.sizing
    return sizing.method == "volatility_target" or sizing.correlation_max_leverage > 0


class _FastPlanner:
    def __init__(
        self,
        feed: ReplayFeed,
        skipper: Skipper,
        coordinator: RuntimeCoordinator,
        parts: _Parts,
    ) -> None:
        self._feed = feed
        self._skipper = skipper
        self._coordinator = coordinator
        self._clock = parts.clock
        self._broker = parts.broker
        self._timeline: list[int] = list(feed.timeline)
        days = np.asarray(self._timeline, dtype=np.int64) // DAY_MS
        self._day_starts: list[int] = np.flatnonzero(
            np.diff(days, prepend=days[0] - 1) != 0
        ).tolist()
        self._symbols = parts.config.bot.symbols
        self._guards = GuardWatch(feed, self._timeline, coordinator, parts.broker)
        # Per symbol: the index of the first candle the strategy has not seen yet.
        self._fed = dict.fromkeys(self._symbols, 0)
        # What the ledger has been synced with: (fills, funding) on the exchange.
        self._synced = (0, 0)
        # The venue holds the stop the last cycle planned: exits that move it (or act on the
        # clock) need every cycle while a position is open, and an ATR needs every candle.
        exits = exit_settings(parts.config.strategy)
        self._exits_every_cycle = exits.acts_every_cycle
        self._exits_see_candles = exits.uses_atr

    def _exchange_counts(self) -> tuple[int, int]:
        state = self._broker.exchange.state
        return len(state.fills), len(state.funding)

    async def run(self, runtime: BacktestRuntime, progress: Progress | None) -> None:
        timeline = self._timeline
        n = len(timeline)
        cursor = 0  # the first cycle not yet run or skipped
        while cursor < n:
            # A portfolio protection may act before the strategy does.
            target = self._guards.first_stop(cursor, self._next_cycle(cursor))
            if target > cursor:
                # The exchange may change the account by itself before then.
                stopped = self._broker.advance_until(timeline[target - 1])
                if stopped.stopped_at_ms is not None:
                    target = bisect.bisect_left(timeline, stopped.stopped_at_ms)
                # The skipped cycles' equity peak, before the ledger moves past them.
                self._guards.skip(cursor, target)
            if target >= n:
                self._jump(n - 1)
                if progress is not None:
                    progress(n - cursor)
                break
            # The cycle before the target would have synced the account: sync it there,
            # unless the exchange has nothing new since the last sync.
            if target > cursor and self._exchange_counts() != self._synced:
                self._jump(target - 1)
                await self._coordinator.account_sync.sync()
            self._feed_strategy_until(target)
            self._jump(target)
            await self._coordinator.run_cycle(runtime)
            # The cycle ends with a sync: the ledger has all the exchange did up to now.
            self._synced = self._exchange_counts()
            runtime.cycle_count += 1
            if progress is not None:
                progress(target + 1 - cursor)
            cursor = target + 1

    def _jump(self, index: int) -> None:
        if index > self._clock.index:
            self._clock.jump_to(index)

    def _position(self, symbol: str) -> Position:
        return self._coordinator.ledger.position(symbol)

    def _next_cycle(self, cursor: int) -> int:
        """The first cycle >= cursor that must run."""
        timeline = self._timeline
        entries = self._coordinator.entries
        if entries is not None and entries.working:
            # A maker entry is re-priced on the clock: every cycle runs while one works.
            return cursor
        if self._exits_every_cycle and any(not self._position(s).is_flat for s in self._symbols):
            return cursor
        if self._left_over():
            return cursor
        best = len(timeline)
        day = bisect.bisect_left(self._day_starts, cursor)
        if day < len(self._day_starts):
            best = self._day_starts[day]
        now_ms = timeline[cursor]
        for symbol in self._symbols:
            columns = self._feed.series[symbol].columns
            # Candles before this cycle were skipped already; the next unseen one closes >= now.
            start = max(self._fed[symbol], columns.index_closed_by(now_ms - 1))
            k = self._skipper.next_candle(symbol, start, self._position(symbol))
            if k < len(columns):
                best = min(best, bisect.bisect_left(timeline, columns.close_at(k)))
        return max(best, cursor)

    def _left_over(self) -> bool:
        """Protection still keeps something for a symbol now flat (the stop of a position the bot
        closed, the exits' memory of it, a failure count), or the venue holds an order for it:
        step's next cycle clears it. Skipping that cycle would leave it for the next entry's
        protection, which would replace that stop and price the new one from that memory."""
        flat = [s for s in self._symbols if self._position(s).is_flat]
        if not flat:
            return False
        protection = self._coordinator.protection
        if protection is not None and any(s in protection.keeper.held for s in flat):
            return True
        exchange = self._broker.exchange
        return bool(exchange.conditional_orders(flat) or exchange.open_orders(flat))

    def _show_exits(self, columns: CandleColumns, start: int, stop: int) -> None:
        """Hand the exits the skipped candles a step run's cycles would have shown them."""
        protection = self._coordinator.protection
        if self._exits_see_candles and protection is not None:
            protection.observe([columns.candle(i) for i in range(start, stop)])

    def _feed_strategy_until(self, target: int) -> None:
        """Move every strategy state over the candles that close before cycle `target`."""
        now_ms = self._timeline[target]
        for symbol in self._symbols:
            columns = self._feed.series[symbol].columns
            stop = columns.index_closed_by(now_ms - 1)
            start = self._fed[symbol]
            if stop > start:
                self._skipper.skip(symbol, start, stop, self._position(symbol))
                self._show_exits(columns, start, stop)
            # The candle closing at the target (if any) goes through the cycle itself.
            self._fed[symbol] = columns.index_closed_by(now_ms)
