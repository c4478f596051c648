"""ProtectionService: makes the venue hold each open position's protective orders. One pass: name
the exits of protective orders that filled, ask the exit planner for each position's plan (its new
`ExitState` stored first), on a verifying pass read the venue's protective orders, then apply the
pure `protect` plan through IProtectiveOrders:

- every record is stored (with the sequence its client id used) before its order is sent, like an
  order intent: a restart knows every id it may have sent and asks the venue about it;
- a placement goes out before anything it replaces is cancelled (new-first), so a replaced stop is
  never absent; a lost answer leaves the record pending and the next pass verifies on the venue;
- a placement the venue refuses is tried again, with a fresh id, up to `placement_tries` times;
  then the failure policy applies (close the position through the intent path, or hold the bot
  reduce-only) with an ALERT in the journal, /health and /metrics.

What it did is journaled (event "protection"), exits are journaled by kind (event "exit")."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from decimal import Decimal

import attrs

from bot_v2.domain.errors import BrokerError, ExchangeUnavailable, OrderNotFound
from bot_v2.domain.market import Candle, MarketSpec
from bot_v2.domain.orders import Order, OrderRequest, OrderType
from bot_v2.domain.positions import Position
from bot_v2.features.live_trade.exits.values import ExitKind, ExitPlan, ExitState
from bot_v2.features.live_trade.protection.exits import ExitNamer
from bot_v2.features.live_trade.protection.ids import protective_order_id, sequence_of
from bot_v2.features.live_trade.protection.keeper import ProtectionKeeper
from bot_v2.features.live_trade.protection.plan import protect
from bot_v2.features.live_trade.protection.ports import Closer, ExitPlanner, Lookup, RiskHolder
from bot_v2.features.live_trade.protection.report import ProtectionReport, ProtectionStats
from bot_v2.features.live_trade.protection.values import (
    FailurePolicy,
    Held,
    Inputs,
    Placement,
    ProtectionPlan,
    ProtectiveRecord,
    RecordStatus,
    Settings,
)
from bot_v2.features.live_trade.risk.state import hold_reduce_only
from bot_v2.ports.broker import IProtectiveOrders
from bot_v2.ports.monitor import IMonitor
from bot_v2.ports.state_store import IStateStore

log = logging.getLogger(__name__)


class ProtectionService:
    def __init__(
        self,
        broker: IProtectiveOrders,
        store: IStateStore,
        markets: Mapping[str, MarketSpec],
        settings: Settings,
        *,
        planner: ExitPlanner | None = None,
        closer: Closer | None = None,
        risk: RiskHolder | None = None,
        monitor: IMonitor | None = None,
        lookup: Lookup | None = None,
    ) -> None:
        self._broker = broker
        self._store = store
        self._markets = dict(markets)
        self._symbols = tuple(self._markets)
        self.settings = settings
        self._planner = planner
        self._closer = closer
        self._risk = risk
        self._monitor = monitor
        self.keeper = ProtectionKeeper(store)
        self.stats = ProtectionStats()
        self._namer = ExitNamer(store, self.stats)
        # A lost answer: the next pass asks the venue what it holds.
        self.verify_next = False
        self._last: ProtectionReport | None = None
        self._fills_seen: int | None = None
        # Whether this process moved the sequence past every id the venue knows (first verify).
        self._floored = False
        self._lookup = lookup

    # -- one pass -----------------------------------------------------------------------------
    async def run(
        self,
        now_ms: int,
        positions: Mapping[str, Position],
        marks: Mapping[str, Decimal],
        *,
        verify: bool = False,
        fills_seen: int | None = None,
    ) -> ProtectionReport:
        """One pass. Venue failures come back in the report (journaled, in /health); a store that
        cannot be written raises StateError, as everywhere. `fills_seen`: the books' fill count;
        while it does not change no protective order can have filled, and the store is not read
        for fills (None: always read)."""
        open_ = {s: p for s, p in positions.items() if not p.is_flat and s in self._markets}
        if fills_seen is None or fills_seen != self._fills_seen:
            self._name_exits(now_ms)
            self._fills_seen = fills_seen
        plans = self._plans(open_, marks, now_ms)
        venue: tuple[Order, ...] | None = None
        if verify or self.verify_next:
            try:
                venue = tuple(await self._broker.fetch_protective_orders(self._symbols))
                if not self._floored:
                    await self._sequence_floor(venue)
            except BrokerError as exc:
                return self._finish(ProtectionReport(now_ms, ProtectionPlan(), str(exc)), open_)
            self.verify_next = False
        inputs = Inputs(open_, plans, self.keeper.held, self._markets, venue)
        plan = protect(inputs, self.settings, now_ms)
        failure = await self._apply(plan, now_ms)
        return self._finish(ProtectionReport(now_ms, plan, failure), open_)

    @property
    def held(self) -> Mapping[str, Held]:
        """What protection holds per symbol now, as stored (frozen values, replaced on change)."""
        return self.keeper.held

    def _plans(
        self, positions: Mapping[str, Position], marks: Mapping[str, Decimal], now_ms: int
    ) -> dict[str, ExitPlan]:
        """Each open position's exit plan; the new ExitStates are stored (in one write) before
        anything uses them."""
        if self._planner is None:
            return {}
        plans: dict[str, ExitPlan] = {}
        changed: list[Held] = []
        for symbol, position in sorted(positions.items()):
            assert position.side is not None
            held = self.keeper.held.get(symbol) or Held(symbol)
            state = held.exit_state
            if state is None or state.side is not position.side:
                state = self._planner.open(position, now_ms)
            mark = marks.get(symbol) or position.entry_price
            state, plans[symbol] = self._planner.plan(position, state, mark, now_ms)
            if not _same(held.exit_state, state):
                changed.append(attrs.evolve(held, exit_state=state))
        self.keeper.put_many(changed)
        return plans

    def observe(self, candles: Sequence[Candle]) -> None:
        """The cycle's newly closed candles, for the exit planner (trailing stops, ATR)."""
        if self._planner is not None and candles:
            self._planner.observe(candles)

    async def _sequence_floor(self, venue: tuple[Order, ...]) -> None:
        """Once per process, on its first verifying pass: the next sequence past every protective
        id of ours the venue knows. A store restored from an older backup has an older sequence;
        the venue lists the open ones, the stored fills (reconciliation adopted the venue's) the
        filled ones, and a lookup by id the cancelled ones: probed forward from the stored
        sequence until `placement_tries + 2` sequences in a row are unknown (longer runs of ids
        the venue never accepted are harmless: it knows none of them)."""
        bot, symbols = self.settings.bot_id, self._symbols
        since = min((r.created_ms for h in self.keeper.held.values() for r in h.records), default=0)
        seen = [o.client_order_id for o in venue]
        seen += [f.client_order_id for f in self._store.load_fills(since)]
        sequences = [sequence_of(c, bot, s) for c in seen for s in symbols]
        floor = max([self.keeper.stored.sequence - 1, *(q for q in sequences if q is not None)])
        if self._lookup is not None:
            probe, misses = floor + 1, 0
            while misses < self.settings.placement_tries + 2:
                known = False
                for symbol in symbols:
                    coid = protective_order_id(bot, symbol, probe)
                    known = known or await self._lookup(symbol, coid) is not None
                floor, misses = (probe, 0) if known else (floor, misses + 1)
                probe += 1
        if floor + 1 > self.keeper.stored.sequence:
            self._store.record_event(
                self._store.watermark_ms(),
                "protection",
                f"protective id sequence moved from {self.keeper.stored.sequence} to {floor + 1}: "
                "the venue knows newer ids than the store (restored from a backup?)",
            )
            self.keeper.advance(floor + 1)
        self._floored = True

    # -- applying -----------------------------------------------------------------------------
    async def _apply(self, plan: ProtectionPlan, now_ms: int) -> str:
        for record in plan.confirmed:
            self._replace_record(record)
        if plan.gone:
            gone = {r.client_order_id for r in plan.gone}
            self._name_exits(now_ms)
            kept = []
            for symbol in sorted({r.symbol for r in plan.gone}):
                held = self.keeper.held.get(symbol) or Held(symbol)
                records = tuple(r for r in held.records if r.client_order_id not in gone)
                kept.append(attrs.evolve(held, records=records))
            self.keeper.put_many(kept)
        failures: list[str] = []
        for placement in plan.place:
            failure = await self._place(placement, now_ms)
            if failure:
                failures.append(failure)
        for record in plan.cancel:
            await self._cancel(record, now_ms)
        for order in plan.strays:
            await self._cancel_stray(order, now_ms)
        for symbol, kind in plan.close:
            await self._close(symbol, kind, now_ms)
        self.keeper.put_many(
            attrs.evolve(self.keeper.held.get(symbol) or Held(symbol), exit_state=None, failures=0)
            for symbol in plan.flat
        )
        return "; ".join(failures)

    async def _place(self, placement: Placement, now_ms: int) -> str:
        """Try up to `placement_tries` times; cancel what it replaces once one is on the venue.
        Returns what went wrong, empty when it was placed (or may have been: a lost answer)."""
        want = placement.record
        reason = ""
        for _ in range(self.settings.placement_tries):
            record = self._store_new(want, now_ms)
            try:
                await self._broker.place_protective(_request(record, self.settings))
            except ExchangeUnavailable as exc:
                # The venue may have it: pending, verified next pass; what it replaces stays.
                self.verify_next = True
                reason = f"{record.describe()}: no answer ({exc})"
                self._store.record_event(now_ms, "protection", reason)
                self._count_failure(record.symbol)
                continue
            except BrokerError as exc:
                self._drop_record(record)
                reason = f"{record.describe()}: refused ({exc})"
                self._store.record_event(now_ms, "protection", reason)
                self._count_failure(record.symbol)
                continue
            # Placed, and the symbol's run of failed tries ends: one write.
            self._replace_record(attrs.evolve(record, status=RecordStatus.PLACED), failures=0)
            self.stats.placed += 1
            for old in placement.replaces:
                self.stats.replaced += 1
                await self._cancel(old, now_ms)
            return ""
        if want.is_stop and not self._maybe_on_venue(want.symbol):
            await self._stop_failed(want, reason, now_ms)
        else:
            self._alert(
                f"{want.describe()}: not placed after {self.settings.placement_tries} "
                f"tries: {reason}",
                now_ms,
            )
        return reason

    def _maybe_on_venue(self, symbol: str) -> bool:
        """A stop whose placement got no answer may be on the venue: the next pass verifies."""
        held = self.keeper.held.get(symbol)
        return held is not None and any(
            r.is_stop and r.status is RecordStatus.PENDING for r in held.records
        )

    async def _stop_failed(self, want: ProtectiveRecord, reason: str, now_ms: int) -> None:
        """The position has no stop the venue accepted: the failure policy, with an alert."""
        tries = self.settings.placement_tries
        what = f"{want.symbol}: no stop on the venue after {tries} tries ({reason})"
        closed = False
        if self.settings.on_stop_failure is FailurePolicy.CLOSE and self._closer is not None:
            closed = await self._closer(want.symbol, want.kind, now_ms)
        if closed:
            self._alert(f"{what}; position closed", now_ms)
            return
        if self._risk is not None:
            self._risk.keep(hold_reduce_only(self._risk.state, f"protection: {what}"))
        self._alert(f"{what}; bot held reduce-only", now_ms)

    async def _cancel(self, record: ProtectiveRecord, now_ms: int) -> None:
        # Stored first: once the cancel is sent, this order no longer counts as cover.
        self._replace_record(attrs.evolve(record, status=RecordStatus.CANCELLING))
        try:
            await self._broker.cancel_protective(record.symbol, record.client_order_id)
        except OrderNotFound:
            # Triggered or cancelled meanwhile: its fills (if any) name the exit before it goes.
            self._name_exits(now_ms)
        except BrokerError as exc:
            # Stays recorded: the next pass cancels it again.
            self._store.record_event(
                now_ms, "protection", f"{record.describe()}: not cancelled ({exc})"
            )
            return
        self.stats.cancelled += 1
        self._drop_record(record)

    async def _cancel_stray(self, order: Order, now_ms: int) -> None:
        try:
            await self._broker.cancel_protective(order.symbol, order.client_order_id)
        except BrokerError as exc:
            self._store.record_event(
                now_ms, "protection", f"stray {order.client_order_id}: not cancelled ({exc})"
            )
            return
        self.stats.cancelled += 1

    async def _close(self, symbol: str, kind: ExitKind, now_ms: int) -> None:
        if self._closer is None:
            return
        if await self._closer(symbol, kind, now_ms):
            self.stats.closes += 1
            self.stats.exits[kind.value] = self.stats.exits.get(kind.value, 0) + 1

    # -- records --------------------------------------------------------------------------------
    def _name_exits(self, now_ms: int) -> None:
        self.keeper.put_many(list(self._namer.name(self.keeper.held.values(), now_ms)))

    def _store_new(self, want: ProtectiveRecord, now_ms: int) -> ProtectiveRecord:
        """The record with a fresh client id, stored (with the next sequence) before it is sent."""
        sequence = self.keeper.stored.sequence
        coid = protective_order_id(self.settings.bot_id, want.symbol, sequence)
        record = attrs.evolve(
            want, client_order_id=coid, status=RecordStatus.PENDING, created_ms=now_ms
        )
        held = self.keeper.held.get(want.symbol) or Held(want.symbol)
        self.keeper.put(attrs.evolve(held, records=(*held.records, record)), sequence + 1)
        return record

    def _replace_record(self, record: ProtectiveRecord, failures: int | None = None) -> None:
        held = self.keeper.held.get(record.symbol) or Held(record.symbol)
        records = tuple(
            record if r.client_order_id == record.client_order_id else r for r in held.records
        )
        failures = held.failures if failures is None else failures
        self.keeper.put(attrs.evolve(held, records=records, failures=failures))

    def _drop_record(self, record: ProtectiveRecord) -> None:
        held = self.keeper.held.get(record.symbol) or Held(record.symbol)
        records = tuple(r for r in held.records if r.client_order_id != record.client_order_id)
        self.keeper.put(attrs.evolve(held, records=records))

    def _count_failure(self, symbol: str) -> None:
        held = self.keeper.held.get(symbol) or Held(symbol)
        self.stats.failed += 1
        self.keeper.put(attrs.evolve(held, failures=held.failures + 1))

    # -- reporting ------------------------------------------------------------------------------
    def _alert(self, message: str, now_ms: int) -> None:
        log.error("ALERT: protection: %s", message)
        self._store.record_event(now_ms, "protection_alert", message)
        self.stats.alerts += 1
        self.stats.last_alerts = (*self.stats.last_alerts, message)[-20:]
        if self._monitor is not None:
            self._monitor.on_error("protection")

    def _finish(
        self, report: ProtectionReport, positions: Mapping[str, Position]
    ) -> ProtectionReport:
        last = self._last
        repeated = last is not None and last.findings == report.findings
        if report.plan.changes or report.failure or (report.findings and not repeated):
            for finding in report.findings:
                log.info("protection: %s", finding)
            self._store.record_event(report.at_ms, "protection", report.summary())
        if report.failure:
            self.stats.pass_failures += 1
        self._last = report
        if self._monitor is not None:
            self._monitor.set_detail(
                "protection", report.health(self.keeper.held, positions, self.stats)
            )
        return report

    @property
    def last(self) -> ProtectionReport | None:
        return self._last

    def exits(self) -> Mapping[str, int]:
        return dict(self.stats.exits)


def _same(old: ExitState | None, new: ExitState) -> bool:
    """Equal and written the same (Decimal("1.0") == Decimal("1.00"), not in text): an unchanged
    state is not stored again, so the stored document reads as if it had been."""
    if old is None or old != new:
        return False
    return all(str(getattr(old, f.name)) == str(getattr(new, f.name)) for f in _STATE_FIELDS)


_STATE_FIELDS = attrs.fields(ExitState)


def _request(record: ProtectiveRecord, settings: Settings) -> OrderRequest:
    return OrderRequest(
        client_order_id=record.client_order_id,
        symbol=record.symbol,
        side=record.side,
        type=OrderType.STOP_MARKET if record.is_stop else OrderType.TAKE_PROFIT_MARKET,
        size=record.size,
        reduce_only=True,
        trigger_price=record.trigger_price,
        trigger_by=settings.trigger_by,
    )
