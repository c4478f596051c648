"""GuardWatch: what a fast backtest must know about the portfolio protections to skip cycles.

Step mode runs the ProtectionStep at every cycle, on the equity at that cycle's marks, and ends each
cycle by moving the stored equity peak (`RiskState.drawdown`). Over a stretch fast mode skips, no
order fills and the positions stay as they are, so equity at each skipped close is
cash + funding settled by then + sum(size * (mark - entry)). From that, in numpy:

- `first_stop`: the first cycle of a stretch at which a protection could act: the drawdown halt
  (equity `max_drawdown_pct` below the running peak) or the liquidation proximity (estimated
  liquidation within `liquidation_reduce_pct`). Tested in float with a margin, so it may stop at a
  cycle where nothing happens (the runtime then runs it exactly as step does), never later than
  step would act. It also stops at once while the protections have work every cycle (halted with
  positions still open) or work whose outcome depends on the cycle's time (risk rejections waiting
  to count for the breaker; closed trades waiting while a breaker pause could end before them).
- `skip`: moves the stored Drawdown over the skipped cycles exactly as step's per-cycle
  `Drawdown.update` would: the candidates (a possible new peak or a possibly deepest drop, found in
  float with a margin) are valued in Decimal exactly as the ledger's valuation does, and fed to the
  real `Drawdown.update` in order; every other cycle provably leaves the Drawdown unchanged.

The breaker's pause and the cooldowns end by the clock: `expire` at a later cycle gives what expiring
at each skipped one gives, so they need no move.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from decimal import Decimal

import attrs
import numpy as np
import numpy.typing as npt

from bot_v2.adapters.brokers.sim.broker import SimBroker
from bot_v2.adapters.replay.feed import ReplayFeed
from bot_v2.domain.fills import FundingPayment
from bot_v2.domain.money import GridSum
from bot_v2.domain.positions import Position
from bot_v2.features.live_trade.accounting import unrealized_term
from bot_v2.features.live_trade.performance import Drawdown
from bot_v2.features.live_trade.risk.guard import closes_of
from bot_v2.orchestration.runtime.runtime_coordinator import RuntimeCoordinator

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
# Relative room (of the account's size) for float rounding when picking Drawdown candidates.
ROUNDING = 1e-9
# Relative room when looking for a protection that could act: float rounding and funding estimates.
MARGIN = 1e-6


@attrs.frozen
class _Path:
    """Equity at each cycle of a stretch, in float, and what valuing a cycle exactly needs."""

    equity: FloatArray
    notional: FloatArray
    # Per held symbol: the index of the candle whose close is the mark at each cycle (-1: none).
    candle: dict[str, IntArray]
    # Funding not in the ledger yet, in booking order, and when each settles.
    funding: tuple[FundingPayment, ...]
    funding_ms: IntArray
    scale: float


class GuardWatch:
    def __init__(
        self,
        feed: ReplayFeed,
        timeline: Sequence[int],
        coordinator: RuntimeCoordinator,
        broker: SimBroker,
    ) -> None:
        self._feed = feed
        self._times: IntArray = np.asarray(timeline, dtype=np.int64)
        self._coordinator = coordinator
        self._broker = broker
        # The last scan's stretch start and path: `skip` reuses it when the funding agrees.
        self._scanned: tuple[int, _Path] | None = None

    # -- where a stretch must end ------------------------------------------------------------
    def first_stop(self, start: int, stop: int) -> int:
        """The first cycle in [start, stop) at which a protection could act; stop when none."""
        step = self._coordinator.protection
        if stop <= start or step is None:
            return stop
        if self._busy():
            return start
        held = self._held()
        risk = self._coordinator.risk_context
        p, state = risk.protections, risk.state
        watch_halt = p.max_drawdown_pct > 0 and not state.guards.halt
        watch_liquidation = p.liquidation_reduce_pct > 0
        if not held or not (watch_halt or watch_liquidation):
            return stop
        path = self._path(start, stop, held, self._funding_ahead(start, stop, held))
        self._scanned = (start, path)
        room = MARGIN * path.scale
        hit = np.zeros(len(path.equity), dtype=bool)
        if watch_halt:
            before = _peaks_before(path.equity, state.drawdown.peak)
            limit = before * (1 - float(p.max_drawdown_pct))
            hit |= (before > -room) & (path.equity <= limit + room)
        if watch_liquidation:
            near = float(p.liquidation_reduce_pct + p.maintenance_margin_rate)
            hit |= path.equity < near * path.notional + room
        found = np.flatnonzero(hit)
        return start + int(found[0]) if found.size else stop

    def _busy(self) -> bool:
        """Protection work every cycle, or work whose result depends on the cycle it runs at."""
        coordinator = self._coordinator
        step = coordinator.protection
        assert step is not None
        guards = coordinator.risk_context.state.guards
        p = coordinator.risk_context.protections
        if guards.halt and self._held():
            return True  # flattening goes on each cycle until flat
        if p.breaker_incidents > 0 and step.incidents_waiting:
            return True  # counted at the next cycle's time
        if guards.breaker.paused_until_ms:
            # A pause that ends before the closes are counted resets the loss count first.
            return bool(closes_of(coordinator.ledger.closed_trades, guards.trades_seen_ms))
        return False

    # -- the Drawdown over skipped cycles -------------------------------------------------------
    def skip(self, start: int, stop: int) -> None:
        """Move the stored Drawdown over cycles [start, stop) as step's cycles would. Call before
        the ledger is synced past `start` (it values the stretch from the ledger as it is)."""
        held = self._held()
        if stop <= start or not held:
            return  # flat: equity is the cash the last cycle saw, the Drawdown stays
        risk = self._coordinator.risk_context
        before = risk.state.drawdown
        path = self._path_for_skip(start, stop, held)
        after = before
        for i in _candidates(path.equity, before, ROUNDING * path.scale).tolist():
            after = after.update(self._exact_equity(i, start, path, held))
        if after != before:
            risk.keep(attrs.evolve(risk.state, drawdown=after))

    def _exact_equity(
        self, i: int, start: int, path: _Path, held: Mapping[str, Position]
    ) -> Decimal:
        """Equity at cycle start + i as LedgerValuation gives it: the ledger's cash with the funding
        settled by then, plus every position's unrealized term on the grid."""
        ledger = self._coordinator.ledger
        funding = ledger.funding_net
        due = int(np.searchsorted(path.funding_ms, self._times[start + i], side="right"))
        for payment in path.funding[:due]:
            funding += payment.amount
        cash = ledger.initial_balance + ledger.realized_pnl - ledger.fees_paid + funding
        upnl = GridSum()
        for symbol, position in held.items():
            k = int(path.candle[symbol][i])
            marks = {symbol: self._feed.series[symbol].mark_close_at(k)} if k >= 0 else {}
            upnl.add(unrealized_term(symbol, position, marks))
        return cash + upnl.total

    # -- valuing a stretch ----------------------------------------------------------------------
    def _held(self) -> dict[str, Position]:
        return {s: p for s, p in self._coordinator.ledger.positions.items() if p.size != 0}

    def _path(
        self,
        start: int,
        stop: int,
        held: Mapping[str, Position],
        funding: Sequence[FundingPayment],
    ) -> _Path:
        times = self._times[start:stop]
        ledger = self._coordinator.ledger
        upnl = np.zeros(len(times))
        notional = np.zeros(len(times))
        candle: dict[str, IntArray] = {}
        for symbol, position in held.items():
            series = self._feed.series[symbol]
            k = np.searchsorted(series.closes_ms, times, side="right").astype(np.int64) - 1
            entry = float(position.entry_price)
            mark = np.where(k >= 0, series.mark_close[np.maximum(k, 0)], entry)
            size = float(position.size)
            upnl += size * (mark - entry)
            notional += abs(size) * np.where(mark > 0, mark, entry)
            candle[symbol] = k
        funding_ms = np.asarray([p.timestamp_ms for p in funding], dtype=np.int64)
        amounts = np.cumsum([float(p.amount) for p in funding]) if funding else np.zeros(0)
        due = np.searchsorted(funding_ms, times, side="right")
        settled = np.where(due > 0, amounts[np.maximum(due - 1, 0)] if len(amounts) else 0.0, 0.0)
        equity = float(ledger.cash) + settled + upnl
        scale = float(np.max(np.abs(equity))) + float(np.max(notional)) + 1.0
        return _Path(equity, notional, candle, tuple(funding), funding_ms, scale)

    def _path_for_skip(self, start: int, stop: int, held: Mapping[str, Position]) -> _Path:
        """The scan's path cut to [start, stop) when its funding is what the exchange booked
        (the same numbers, so the same floats); else valued again."""
        booked = self._funding_booked(start, stop)
        scanned, self._scanned = self._scanned, None
        if scanned is not None and scanned[0] == start and len(scanned[1].equity) >= stop - start:
            path = scanned[1]
            last = int(self._times[stop - 1])
            ahead = [p for p in path.funding if p.timestamp_ms <= last]
            if [(p.symbol, p.timestamp_ms, p.amount) for p in ahead] == [
                (p.symbol, p.timestamp_ms, p.amount) for p in booked
            ]:
                n = stop - start
                return _Path(
                    path.equity[:n],
                    path.notional[:n],
                    {s: k[:n] for s, k in path.candle.items()},
                    tuple(booked),
                    path.funding_ms[: len(booked)],
                    path.scale,
                )
        return self._path(start, stop, held, booked)

    def _funding_booked(self, start: int, stop: int) -> list[FundingPayment]:
        """What the exchange settled and the ledger has not booked yet, up to the stretch's end."""
        ledger = self._coordinator.ledger
        last = int(self._times[stop - 1])
        waiting: list[FundingPayment] = []
        for payment in reversed(self._broker.exchange.state.funding):
            if ledger.has_funding(payment.symbol, payment.timestamp_ms):
                break
            if payment.timestamp_ms <= last:
                waiting.append(payment)
        waiting.reverse()
        return waiting

    def _funding_ahead(
        self, start: int, stop: int, held: Mapping[str, Position]
    ) -> list[FundingPayment]:
        """The funding the exchange will settle over the stretch, by its rule (an estimate for
        the scan only: `skip` takes the exchange's own payments)."""
        first = int(self._times[start - 1]) if start > 0 else -1
        last = int(self._times[stop - 1])
        out: list[FundingPayment] = []
        for symbol, position in held.items():
            series = self._feed.series[symbol]
            lo = int(np.searchsorted(series.funding_ms, first, side="right"))
            hi = int(np.searchsorted(series.funding_ms, last, side="right"))
            for point in series.funding[lo:hi]:
                ts = point.timestamp_ms
                mark = series.mark_at(ts) or position.entry_price
                amount = -position.size * mark * point.rate
                out.append(FundingPayment(symbol, ts, point.rate, position.size, mark, amount))
        out.sort(key=lambda p: p.timestamp_ms)
        return out


def _peaks_before(equity: FloatArray, peak: Decimal | None) -> FloatArray:
    """The running peak each cycle's guard sees: the stored one and every cycle before."""
    first = -math.inf if peak is None else float(peak)
    return np.maximum.accumulate(np.concatenate(([first], equity[:-1])))


def _candidates(equity: FloatArray, start: Drawdown, room: float) -> IntArray:
    """The cycles whose Drawdown.update could change the Drawdown (in order): a possible new peak,
    or a drop from the peak possibly at least as deep as every one since that peak. Any other cycle
    is below its peak and above its deepest drop by more than float rounding: update returns self.

    Where float cannot tell a new peak, it counts one (the deepest drop restarts from zero): that
    only makes more candidates, since the exact fold restarts at a subset of these cycles."""
    before = _peaks_before(equity, start.peak)
    peak = equity >= before - room
    drop = before - equity
    picked = peak.copy()
    resets = np.flatnonzero(peak).tolist()
    bounds = [-1, *resets, len(equity)]
    for n, (lo, hi) in enumerate(itertools.pairwise(bounds)):
        lo += 1
        if hi <= lo:
            continue
        deepest = float(start.deepest) if n == 0 else 0.0
        segment = drop[lo:hi]
        deepest_before = np.maximum.accumulate(np.concatenate(([deepest], segment[:-1])))
        picked[lo:hi] = segment >= deepest_before - 2 * room
    return np.flatnonzero(picked).astype(np.int64)
