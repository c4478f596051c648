"""Look-aheads: which instants `SimExchange.advance` stops at to apply the exchange's rules.

- `EveryCandle` stops at every candle close and funding time: the plain reading of the rules,
  slow, and the reference the fast one is tested against (tests/unit/sim/test_state_machine.py).
- `SkipQuiet` (the default) scans whole stretches of candles at once, in numpy, for the first one on
  which anything can happen to an account nobody touches (a resting order trades through, a mark
  reaches a liquidation price, a conditional order's trigger is reached) or funding is due, and
  jumps over the rest. Its scans are conservative (see scan.py): it may stop where nothing happens,
  never skips where something does, so both give the same fills, funding and liquidations.

Both read the exchange through `BookView` only; the exchange never imports this module.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator
from decimal import Decimal

import attrs

from bot_v2.adapters.brokers.sim.account import unrealized
from bot_v2.adapters.brokers.sim.book import BookView, Step
from bot_v2.adapters.brokers.sim.margin import maintenance_margin
from bot_v2.adapters.brokers.sim.scan import (
    TriggerLevels,
    first_candidate,
    first_trigger,
    mark_envelope,
)
from bot_v2.adapters.brokers.sim.settings import MarginMode
from bot_v2.adapters.brokers.sim.state import OrderState
from bot_v2.adapters.brokers.sim.triggers import triggers_on_fall
from bot_v2.domain.money import ZERO
from bot_v2.domain.orders import Side, TriggerPrice

# Relative room for Decimal rounding in the account-level liquidation check (see _WorstCross.safe).
_HEALTH_SLACK = Decimal("1e-9")
# At most how many candles a look for the next event reaches beyond the call's time while quiet
# time goes on (see SkipQuiet.next_step): one numpy pass over them, then a comparison per call.
_LOOK_AHEAD = 1024


def next_funding(book: BookView, after_ms: int, until_ms: int) -> int | None:
    """The next funding settlement in (after, until] of a symbol holding a position."""
    best: int | None = None
    for symbol, position in book.positions_held.items():
        if position.size == 0:
            continue
        times = book.series[symbol].funding_times
        i = bisect.bisect_right(times, after_ms)
        if i < len(times):
            ts = times[i]
            if ts <= until_ms and (best is None or ts < best):
                best = ts
    return best


def earliest(found: Iterable[tuple[str, int, int]]) -> tuple[int | None, list[tuple[str, int]]]:
    """Of (symbol, candle index, close time) candidates, the earliest close time and every
    (symbol, index) closing then, in the order given."""
    best: int | None = None
    hits: list[tuple[str, int]] = []
    for symbol, k, ts in found:
        if best is None or ts < best:
            best, hits = ts, [(symbol, k)]
        elif ts == best:
            hits.append((symbol, k))
    return best, hits


def _clock(book: BookView) -> int:
    clock = book.clock_ms
    if clock is None:
        raise RuntimeError("the exchange has no time yet")
    return clock


class EveryCandle:
    """Every candle close of every symbol is a step (each checked exactly), and every funding time."""

    def next_step(self, book: BookView, now_ms: int) -> Step:
        clock = _clock(book)

        def next_closes() -> Iterator[tuple[str, int, int]]:
            for symbol in book.symbols:
                columns = book.series[symbol].columns
                k = columns.index_closed_by(clock)  # the first candle closing after the clock
                if k < len(columns):
                    yield symbol, k, int(columns.close_ms[k])

        best, hits = earliest(next_closes())
        end = best if best is not None else max(now_ms, clock + 1)
        funding_at = next_funding(book, clock, end)
        if funding_at is not None and funding_at < end:
            return Step(book.version, book.orders_version, funding_at, [], True)
        return Step(book.version, book.orders_version, end, hits, funding_at == end)


@attrs.frozen
class _WorstCross:
    """Every open cross position at its worst mark over one stretch of time (see `_worst_cross`),
    and the sums the liquidation scan needs for each symbol's "other positions"."""

    each: dict[str, tuple[Decimal, Decimal]]
    upnl: Decimal
    maint: Decimal
    cross_wallet: Decimal

    @property
    def safe(self) -> bool:
        """No cross position can be liquidated over the stretch.

        A cross position is liquidated when the account's cross margin balance (cross wallet +
        every cross position's unrealized PnL) falls to its maintenance margin, with its own mark
        at the candle's extreme and the others' at the candle's open: the liquidation price is
        the price where that happens, and the balance less the maintenance margin moves
        monotonically with the position's own mark (maintenance margin is continuous and
        increasing in the notional across Binance's brackets). Every mark involved lies in the
        envelope, so with every position at its worst mark the balance less the maintenance
        margin is a lower bound for all of them; above zero by more than rounding, none can be
        liquidated and the scan need not compute one liquidation price per position."""
        health = self.cross_wallet + self.upnl - self.maint
        scale = abs(self.cross_wallet) + abs(self.upnl) + abs(self.maint)
        return health > scale * _HEALTH_SLACK

    def excluding(self, symbol: str) -> tuple[Decimal, Decimal]:
        """(unrealized PnL, maintenance margin) of the cross positions other than `symbol`: the
        sums less its own terms, O(1) instead of a walk over every other position (which made a
        cycle O(positions²)). In 28 digits the difference may round where a sum over the others
        would not, by far less than the scan's SLACK: the scan only needs a bound, and every
        candidate it names is checked exactly (the exchange's liquidation trigger)."""
        own = self.each.get(symbol)
        if own is None:
            return self.upnl, self.maint
        return self.upnl - own[0], self.maint - own[1]


class SkipQuiet:
    """Finds the next candle that needs an exact look with numpy scans over whole stretches, and
    keeps what it found while the book's versions are unchanged."""

    def __init__(self) -> None:
        self._step: Step | None = None
        # symbol -> (book version, liquidation price as a float) of the last scan.
        self._liq_cache: dict[str, tuple[int, float | None]] = {}
        # The book's shortest timeframe (its series never change), once known.
        self._frame_ms: int | None = None

    def next_step(self, book: BookView, now_ms: int) -> Step:
        """The next step from the clock, looked at up to `now_ms` at least. A step stays true
        while the account and the orders are unchanged (the book's versions) and the clock has
        not reached it: quiet time passing changes nothing a look depends on (its bounds come from
        the account, not from the clock), so the calls over it cost one comparison."""
        clock = _clock(book)
        step = self._step
        ahead = 0
        if (
            step is not None
            and step.version == book.version
            and step.orders_version == book.orders_version
        ):
            if clock < step.at_ms:
                return step
            if step.nothing_found:
                # Quiet time under this account goes on: look twice as far ahead each time it
                # does (a step-by-step backtest), not beyond what the next change would waste.
                frame = self._frame_ms
                if frame is None:
                    series = book.series.values()
                    frame = self._frame_ms = min((s.timeframe_ms for s in series), default=0)
                ahead = min(max(2 * step.ahead_ms, frame), _LOOK_AHEAD * frame)
        step = self._step = self._look(book, clock, now_ms, ahead)
        return step

    def _look(self, book: BookView, after_ms: int, until_ms: int, ahead_ms: int = 0) -> Step:
        """The first instant in (after, until + ahead] at which a candle needs an exact look or
        funding is due; that end if none."""
        end = until_ms + ahead_ms
        funding_at = next_funding(book, after_ms, end)
        horizon = funding_at if funding_at is not None else end
        hit_ms, hits, windowed = self._next_candle_event(book, after_ms, horizon)
        at_ms = hit_ms if hit_ms is not None else horizon
        return Step(
            book.version,
            book.orders_version,
            at_ms,
            hits,
            at_ms == funding_at,
            windowed,
            ahead_ms,
        )

    def _next_candle_event(
        self, book: BookView, after_ms: int, until_ms: int
    ) -> tuple[int | None, list[tuple[str, int]], bool]:
        """The earliest close time in (after, until] of a candle on which something may happen,
        every (symbol, index) closing then that needs an exact look, and whether a liquidation
        bound came from the stretch (other cross positions' worst marks over it)."""
        positions = book.positions_held
        active = [
            s
            for s in book.symbols
            if book.resting(s) or book.conditional(s) or (s in positions and positions[s].size)
        ]
        # Per stretch of time scanned: every cross position at its worst mark, computed once and
        # shared by all the symbols scanned over that stretch (usually all of them).
        worst: dict[tuple[int, int], _WorstCross] = {}

        def candidates() -> Iterator[tuple[str, int, int]]:
            for symbol in active:
                columns = book.series[symbol].columns
                start = columns.index_closed_by(after_ms)
                stop = columns.index_closed_by(until_ms)
                if start >= stop:
                    continue
                k = self._scan(book, symbol, start, stop, worst if len(active) > 1 else None)
                if k is not None:
                    yield symbol, k, int(columns.close_ms[k])

        best, hits = earliest(candidates())
        return best, hits, bool(worst)

    def _scan(
        self,
        book: BookView,
        symbol: str,
        start: int,
        stop: int,
        worst: dict[tuple[int, int], _WorstCross] | None,
    ) -> int | None:
        buy = sell = None
        for order in book.resting(symbol):
            if order.price is None:
                continue
            p = float(order.price)
            if order.side is Side.BUY:
                buy = p if buy is None else max(buy, p)
            else:
                sell = p if sell is None else min(sell, p)
        long_liq = short_liq = None
        position = book.positions_held.get(symbol)
        if position is not None and position.size != 0:
            liq = self._scan_liquidation(book, symbol, start, stop, worst)
            if liq is not None:
                if position.size > 0:
                    long_liq = liq
                else:
                    short_liq = liq
        series = book.series[symbol]
        k = first_candidate(series, start, stop, buy, sell, long_liq, short_liq)
        conditional = book.conditional(symbol)
        if conditional:
            # Only before what the other scan found: the earliest of the two is the step.
            j = first_trigger(series, start, stop if k is None else k, trigger_levels(conditional))
            k = j if j is not None else k
        return k

    def _scan_liquidation(
        self,
        book: BookView,
        symbol: str,
        start: int,
        stop: int,
        worst: dict[tuple[int, int], _WorstCross] | None,
    ) -> float | None:
        """A liquidation price no closer than the true one for every candle in [start, stop).
        With other cross positions (`worst` is given when other symbols are active), those are
        valued at the worst marks they can have meanwhile."""
        account = book.account
        cross = account.mode(symbol) is MarginMode.CROSS
        if not (cross and worst is not None):
            cached = self._liq_cache.get(symbol)
            if cached is not None and cached[0] == book.version:
                return cached[1]
            lp = account.liquidation_price(symbol, book.mark)
            value = float(lp) if lp is not None else None
            self._liq_cache[symbol] = (book.version, value)
            return value
        columns = book.series[symbol].columns
        window = (int(columns.open_ms[start]), int(columns.close_ms[stop - 1]))
        terms = worst.get(window)
        if terms is None:
            terms = worst[window] = _worst_cross(book, *window)
        if terms.safe:
            return None
        lp = account.liquidation_price(
            symbol, book.mark, terms.excluding(symbol), cross_wallet=terms.cross_wallet
        )
        return float(lp) if lp is not None else None


def trigger_levels(orders: Iterable[OrderState]) -> TriggerLevels:
    """The nearest trigger per watched price and direction (see TriggerLevels)."""
    falls: dict[TriggerPrice, float] = {}
    rises: dict[TriggerPrice, float] = {}
    for order in orders:
        assert order.trigger_price is not None
        level = float(order.trigger_price)
        by = order.trigger_by
        if triggers_on_fall(order.type, order.side):
            falls[by] = max(level, falls.get(by, level))
        else:
            rises[by] = min(level, rises.get(by, level))
    mark, last = TriggerPrice.MARK, TriggerPrice.LAST
    return TriggerLevels(falls.get(mark), rises.get(mark), falls.get(last), rises.get(last))


def _worst_cross(book: BookView, lo_ms: int, hi_ms: int) -> _WorstCross:
    """Each open cross position valued at the worst mark it can have while the candles between
    lo_ms and hi_ms trade: its unrealized PnL at the lowest (long) or highest (short) mark, its
    maintenance margin at the highest."""
    each: dict[str, tuple[Decimal, Decimal]] = {}
    upnl = ZERO
    maint = ZERO
    account = book.account
    for other, held in book.positions_held.items():
        if held.size == 0 or account.mode(other) is not MarginMode.CROSS:
            continue
        series = book.series[other]
        a = series.columns.index_opening_at_or_after(lo_ms)
        b = series.columns.index_closed_by(hi_ms)
        low, high = mark_envelope(series, a, max(a + 1, b))
        u = unrealized(held, Decimal(repr(low if held.size > 0 else high)))
        m = maintenance_margin(book.tiers[other], abs(held.size) * Decimal(repr(high)))
        each[other] = (u, m)
        upnl += u
        maint += m
    return _WorstCross(each, upnl, maint, account.cross_wallet())
