"""The probe: a fast backtest for any per-candle strategy that declares `independent_symbols = True`
(its answer for a symbol depends only on what it keeps for that symbol, the candle and the
position), without a vectorized twin.

A fast run wraps such a strategy in a `SymbolRouter`: one instance per symbol, copied from the
configured (still fresh) one, so a symbol's state can be snapshotted (pickled, or deep-copied when
pickle refuses) and restored alone. The `ProbeSkipper` then asks the strategy itself, ahead of the live cycle: from the first
candle not yet seen, it snapshots the symbol's instance and feeds it candle after candle with the
position held now, while it answers HOLD; the first other answer (or the series' end) is the candle
whose cycle must run. Only that cycle (and those the planner needs anyway: day starts, guards, the
exchange's own changes, maker entries, exits that act every cycle) goes through the live cycle.

Fills are step's by construction, because the strategy sees exactly step's calls:
- a candle the probe fed with position P, reached by the run with position P (skipped, or handed
  to on_candle in a cycle), gets the probe's recorded answer: the call was made already, with the
  same arguments, in the same order;
- a candle reached with another position (a fill moved it: an exchange-held stop, a guard's cut)
  restores the snapshot, feeds again the candles the run has really passed (with P, as the run
  passed them), drops the probe, and asks the strategy for real.
Position is a frozen attrs value (symbol, size, entry price), so `==` is exact.
"""

from __future__ import annotations

import copy
import pickle
from typing import Any

from bot_v2.adapters.replay.columns import CandleColumns, ExactMemo
from bot_v2.adapters.replay.feed import ReplayFeed
from bot_v2.domain.market import Candle
from bot_v2.domain.positions import Position
from bot_v2.domain.signals import Action, Signal
from bot_v2.features.live_trade.strategies.base import Strategy
from bot_v2.features.live_trade.strategies.portfolio import StrategyBook, is_portfolio
from bot_v2.orchestration.backtest.skip.baseline import BaselineSkipper

# The class attribute a strategy sets to be probed (docs/strategies.md, "Speed").
OPT_IN = "independent_symbols"
# Candles built per batch while probing: enough to amortize the column reads, few enough that a
# probe stopping early wastes little.
BATCH = 256


def probed(strategy: object) -> bool:
    """Whether a fast run may probe `strategy`: a per-candle strategy whose own class opts in. Not
    inherited: a subclass may keep state across symbols its base did not, so it says so itself."""
    if isinstance(strategy, StrategyBook) or is_portfolio(strategy):
        return False
    if not callable(getattr(strategy, "on_candle", None)):
        return False
    return vars(type(strategy)).get(OPT_IN, False) is True


class CandleBatches:
    """One symbol's candles as Candle values, built a batch at a time and kept until the probe moves
    past them (a probe that stops early leaves the rest for the next one), with one ExactMemo for
    the whole run."""

    def __init__(self, columns: CandleColumns) -> None:
        self._columns = columns
        self._memo = ExactMemo()
        self._first = 0
        self._batch: list[Candle] = []

    def __len__(self) -> int:
        return len(self._columns)

    def from_(self, start: int) -> list[Candle]:
        """Candles from `start` on: at least one, up to a batch (start < len(self))."""
        at = start - self._first
        if not 0 <= at < len(self._batch):
            self._first, at = start, 0
            self._batch = self._build(start, min(len(self._columns), start + BATCH))
        return self._batch[at:] if at else self._batch

    def candles(self, start: int, stop: int) -> list[Candle]:
        """Candles [start, stop), for feeding again (not kept)."""
        first, batch = self._first, self._batch
        if first <= start and stop <= first + len(batch):
            return batch[start - first : stop - first]
        return self._build(start, stop)

    def _build(self, start: int, stop: int) -> list[Candle]:
        return self._columns.candles(start, stop, self._memo)


class _Snapshot:
    """A symbol's instance as it was, to restore it. Pickled (twice as fast as copy.deepcopy, and
    most snapshots are never restored: only loaded when one is); an instance pickle refuses is
    deep-copied instead."""

    __slots__ = ("_copy", "_pickled")

    def __init__(self, instance: Strategy) -> None:
        self._pickled: bytes | None = None
        self._copy: Strategy | None = None
        try:
            self._pickled = pickle.dumps(instance, pickle.HIGHEST_PROTOCOL)
        except Exception:  # a lambda, a lock, a generator...: deepcopy may still manage
            self._copy = copy.deepcopy(instance)

    def restore(self) -> Strategy:
        if self._pickled is not None:
            restored: Strategy = pickle.loads(self._pickled)
            return restored
        assert self._copy is not None
        return self._copy


class _Probe:
    """An active probe on one symbol: the instance has been fed candles [start, fed) with
    `position`; the run has passed [start, cursor) of them (cursor <= fed)."""

    __slots__ = ("cursor", "fed", "found", "position", "signal", "snapshot", "start")

    def __init__(self, start: int, position: Position, snapshot: _Snapshot) -> None:
        self.start = start
        self.position = position
        self.snapshot = snapshot  # the instance as it was before candle `start`
        self.fed = start
        self.cursor = start
        # The first candle answered other than HOLD, and that answer.
        self.found: int | None = None
        self.signal: Signal | None = None


class _Lane:
    """One symbol: its own strategy instance, how many of its candles the run has passed (`seen`),
    and the active probe, if any. While a probe is active, seen == probe.cursor."""

    def __init__(self, instance: Strategy, source: CandleBatches, columns: CandleColumns) -> None:
        self.instance = instance
        self.source = source
        self.columns = columns
        self.seen = 0
        self.probe: _Probe | None = None
        self.hold: Signal | None = None
        # The strategy answered other than HOLD at the very candle a probe started on: it may keep
        # answering every candle (an entry refused by risk is asked again), and a probe per cycle
        # would pay a snapshot for nothing. Until the cycle shows a HOLD, candles go straight
        # through the cycle, as without a probe (always allowed: next_candle may answer `start`).
        self.eager = False
        # Counters for the bench and the tests: candles fed while probing, fed again on a restore.
        self.probed = 0
        self.refed = 0

    # -- the skipper's side ----------------------------------------------------------------------
    def next_candle(self, start: int, position: Position) -> int:
        self._at(start)
        probe = self.probe
        if probe is not None and probe.position != position:
            self._settle()
            probe = None
        if probe is None:
            if self.eager:
                return start
            probe = self.probe = _Probe(start, position, _Snapshot(self.instance))
        n = len(self.source)
        on_candle = self.instance.on_candle
        while probe.found is None and probe.fed < n:
            for candle in self.source.from_(probe.fed):
                signal = on_candle(candle, position)
                probe.fed += 1
                self.probed += 1
                if signal.action is not Action.HOLD:
                    probe.found, probe.signal = probe.fed - 1, signal
                    self.eager = probe.found == probe.start
                    break
        return probe.found if probe.found is not None else n

    def skip(self, start: int, stop: int, position: Position) -> None:
        self._at(start)
        probe = self.probe
        if (
            probe is not None
            and probe.position == position
            and stop <= probe.fed
            and (probe.found is None or stop <= probe.found)
        ):
            # The probe fed these already, with this position, and they answered HOLD.
            probe.cursor = self.seen = stop
            return
        self._settle()
        for candle in self.source.candles(start, stop):
            self.instance.on_candle(candle, position)
        self.seen = stop

    # -- the live cycle's side -------------------------------------------------------------------
    def on_candle(self, candle: Candle, position: Position) -> Signal:
        i = self.seen
        columns = self.columns
        if not (i < len(columns) and columns.close_at(i) == candle.close_time_ms):
            # Not the next candle of the series (not a replay's candle): the strategy decides.
            self._settle()
            return self.instance.on_candle(candle, position)
        probe = self.probe
        if probe is not None and probe.position == position and i < probe.fed:
            probe.cursor = self.seen = i + 1
            if i == probe.found:
                # The instance is exactly past this candle: the probe has nothing left to hold.
                self.probe = None
                assert probe.signal is not None
                return probe.signal
            if self.hold is None:
                self.hold = Signal(candle.symbol, Action.HOLD)
            return self.hold
        self._settle()
        self.seen = i + 1
        signal = self.instance.on_candle(candle, position)
        if signal.action is Action.HOLD:
            self.eager = False
        return signal

    # -- restoring -------------------------------------------------------------------------------
    def _at(self, start: int) -> None:
        if start != self.seen:
            raise RuntimeError(
                f"{self.columns.symbol}: the probe has passed {self.seen} candles, asked at {start}"
            )

    def _settle(self) -> None:
        """Drop the probe, leaving the instance exactly past the candles the run has passed."""
        probe, self.probe = self.probe, None
        if probe is None or probe.fed == probe.cursor:
            return
        self.instance = probe.snapshot.restore()
        self.refed += probe.cursor - probe.start
        for candle in self.source.candles(probe.start, probe.cursor):
            self.instance.on_candle(candle, probe.position)


class SymbolRouter:
    """A probed strategy in a fast run: one instance per symbol (copies of the configured one,
    fresh), each candle routed to its symbol's lane. Everything else the runtime asks a strategy
    (its name, params, warm-up, plots) is the configured instance's."""

    def __init__(self, strategy: Strategy, feed: ReplayFeed) -> None:
        self.template = strategy
        self.name = strategy.name
        self._lanes = {
            symbol: _Lane(copy.deepcopy(strategy), CandleBatches(s.columns), s.columns)
            for symbol, s in feed.series.items()
        }

    @property
    def params(self) -> Any:
        return getattr(self.template, "params", None)

    def warmup_candles(self) -> int:
        return self.template.warmup_candles()

    def plots(self) -> tuple[Any, ...]:
        declare = getattr(self.template, "plots", None)
        return tuple(declare()) if callable(declare) else ()

    def on_candle(self, candle: Candle, position: Position) -> Signal:
        return self._lanes[candle.symbol].on_candle(candle, position)

    def lane(self, symbol: str) -> _Lane:
        return self._lanes[symbol]

    def counts(self) -> tuple[int, int]:
        """(candles fed while probing, candles fed again on restores), all symbols."""
        lanes = self._lanes.values()
        return sum(lane.probed for lane in lanes), sum(lane.refed for lane in lanes)


class ProbeSkipper:
    """The Skipper for a SymbolRouter (see the module docstring)."""

    def __init__(self, router: SymbolRouter) -> None:
        self._router = router

    def next_candle(self, symbol: str, start: int, position: Position) -> int:
        return self._router.lane(symbol).next_candle(start, position)

    def skip(self, symbol: str, start: int, stop: int, position: Position) -> None:
        if stop > start:
            self._router.lane(symbol).skip(start, stop, position)


def routed(strategy: Strategy, feed: ReplayFeed) -> Strategy:
    """What a fast run hands the cycle: the strategy behind a SymbolRouter when it is probed (the
    baseline keeps its vectorized twin, which is faster)."""
    if not probed(strategy) or BaselineSkipper.handles(strategy):
        return strategy
    router: Strategy = SymbolRouter(strategy, feed)
    return router
