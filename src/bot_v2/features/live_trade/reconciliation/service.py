"""ReconciliationService: read the store, ask the venue, `reconcile`, apply the plan.

Every step of applying is idempotent (fills and funding are stored once, orders are upserts,
intents resolve only while pending, bookings carry their content in their id), so a pass that dies
half way is finished by the next one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal

from bot_v2.domain.account import PositionReport
from bot_v2.domain.errors import BrokerError, InvalidOrder, OrderNotFound
from bot_v2.domain.orders import Order
from bot_v2.features.live_trade.account_sync import FILLS_GAP_META
from bot_v2.features.live_trade.accounting import Ledger
from bot_v2.features.live_trade.booking import Bookkeeper
from bot_v2.features.live_trade.reconciliation.intents import unresolved_detail
from bot_v2.features.live_trade.reconciliation.plan import reconcile
from bot_v2.features.live_trade.reconciliation.report import ReconciliationReport
from bot_v2.features.live_trade.reconciliation.values import (
    Policy,
    ReconciliationPlan,
    StoredState,
    UnknownOrderPolicy,
    VenueReports,
)
from bot_v2.ports.broker import IBroker
from bot_v2.ports.state_store import IStateStore

log = logging.getLogger(__name__)

SEQUENCE_FLOOR_KEY = "sequence_floor"


class SnapshotMoving(BrokerError):
    """Positions changed while the venue was being read; the reports do not fit together."""


class ReconciliationService:
    def __init__(
        self,
        broker: IBroker,
        store: IStateStore,
        symbols: Sequence[str],
        bot_id: str,
        unknown_orders: UnknownOrderPolicy,
        alert: Callable[[str], None] | None = None,
        snapshot_attempts: int = 3,
        pending_timeout_ms: int = 0,
    ) -> None:
        self._broker = broker
        self._store = store
        self._symbols = tuple(symbols)
        self._bot_id = bot_id
        self._unknown_orders = unknown_orders
        self._alert = alert
        self._attempts = snapshot_attempts
        self._pending_timeout_ms = pending_timeout_ms
        self._suspected: frozenset[tuple[str, Decimal]] = frozenset()
        self.last: ReconciliationReport | None = None

    async def run(
        self,
        now_ms: int,
        *,
        ledger: Ledger | None = None,
        book_drift_at_once: bool = True,
        marks: Mapping[str, Decimal] | None = None,
    ) -> ReconciliationReport:
        """One pass. Venue failures come back as a failed report (the caller blocks new exposure);
        a store that cannot be written raises StateError, as everywhere."""
        stored, fills_since, funding_since = self._stored()
        policy = Policy(
            now_ms=now_ms,
            bot_id=self._bot_id,
            unknown_orders=self._unknown_orders,
            book_drift_at_once=book_drift_at_once,
            suspected=self._suspected,
            marks=dict(marks or {}),
            pending_timeout_ms=self._pending_timeout_ms,
        )
        try:
            venue, plan = await self._consistent_plan(stored, fills_since, funding_since, policy)
            await self._apply(plan, now_ms, ledger)
        except BrokerError as exc:
            return self._finish(ReconciliationReport(now_ms, ReconciliationPlan(), str(exc)))
        self._suspected = frozenset((d.symbol, d.venue.size) for d in plan.suspected)
        cash = None
        if ledger is not None and venue.balance is not None:
            cash = venue.balance.total - ledger.cash
        return self._finish(ReconciliationReport(now_ms, plan, cash_difference=cash))

    def _finish(self, report: ReconciliationReport) -> ReconciliationReport:
        """Journal and log what is new; a pass that changes nothing and finds what the last one
        found writes nothing, so running it again and again leaves the store as it was."""
        last = self.last
        repeated = (
            last is not None and last.failure == report.failure and last.findings == report.findings
        )
        if report.plan.changes or not repeated:
            if not report.ok:
                log.warning("reconciliation could not complete: %s", report.failure)
            for finding in report.findings:
                log.warning("reconciliation: %s", finding)
            if report.plan.changes or report.findings or not report.ok:
                self._store.record_event(report.at_ms, "reconciliation", report.summary())
        self.last = report
        return report

    # -- reading ------------------------------------------------------------------------------
    def _stored(self) -> tuple[StoredState, int, int]:
        store = self._store
        pending = tuple(store.load_pending_intents())
        open_orders = tuple(store.load_open_orders())
        # Ask for fills from the newest stored one, and early enough to cover every order whose
        # outcome is open (a fill of a pending intent cannot predate the intent) and any gap the
        # user stream booked past before a sync closed it.
        gap = store.get_meta(FILLS_GAP_META)
        fills_since = min(
            [store.last_fill_ms()]
            + ([int(gap)] if gap else [])
            + [i.created_ms for i in pending]
            + [o.timestamp_ms for o in open_orders]
        )
        funding_since = store.last_funding_ms()
        state = StoredState(
            pending_intents=pending,
            open_orders=open_orders,
            positions=store.load_positions(),
            fill_ids=frozenset(f.fill_id for f in store.load_fills(fills_since)),
            funding_keys=frozenset(
                (p.symbol, p.timestamp_ms) for p in store.load_funding(funding_since)
            ),
        )
        return state, fills_since, funding_since

    async def _venue(
        self, stored: StoredState, fills_since: int, funding_since: int
    ) -> VenueReports:
        broker, symbols = self._broker, self._symbols
        intent_orders: dict[str, Order | None] = {}
        for intent in stored.pending_intents:
            request = intent.request
            intent_orders[request.client_order_id] = await broker.fetch_order(
                request.symbol, request.client_order_id
            )
        open_orders = tuple(await broker.fetch_open_orders(symbols))
        listed = {o.client_order_id for o in open_orders}
        lookups: dict[str, Order | None] = {}
        for order in stored.open_orders:
            if order.client_order_id not in listed:
                lookups[order.client_order_id] = await broker.fetch_order(
                    order.symbol, order.client_order_id
                )
        # Positions before fills: a fill landing in between then shows as drift and a re-read.
        positions = tuple(await broker.fetch_positions(symbols))
        fills = tuple(await broker.fetch_fills(symbols, fills_since))
        return VenueReports(
            symbols=symbols,
            intent_orders=intent_orders,
            open_orders=open_orders,
            order_lookups=lookups,
            positions=positions,
            fills=fills,
            funding=tuple(await broker.fetch_funding(symbols, funding_since)),
            balance=await broker.fetch_balance(),
        )

    async def _consistent_plan(
        self, stored: StoredState, fills_since: int, funding_since: int, policy: Policy
    ) -> tuple[VenueReports, ReconciliationPlan]:
        """Positions are read before the fills. When the fills explain them, the reports fit. When
        they do not, the positions are read again: unchanged, the drift is real; changed, a fill
        landed mid-read, and the venue is read again from the start."""
        for _ in range(self._attempts):
            venue = await self._venue(stored, fills_since, funding_since)
            plan = reconcile(stored, venue, policy)
            if not (plan.drift or plan.suspected):
                return venue, plan
            again = await self._broker.fetch_positions(self._symbols)
            if _sizes(again) == _sizes(venue.positions):
                return venue, plan
        raise SnapshotMoving(
            f"positions kept changing while the venue was read ({self._attempts} tries)"
        )

    # -- applying -----------------------------------------------------------------------------
    async def _apply(self, plan: ReconciliationPlan, now_ms: int, ledger: Ledger | None) -> None:
        store = self._store
        books = Bookkeeper(store, ledger)
        for fill in plan.fills:
            books.book_fill(fill)
        for payment in plan.funding:
            books.book_funding(payment)
        for order in plan.orders:
            store.record_order(order)
        for client_order_id, outcome in plan.intent_outcomes:
            store.resolve_intent(client_order_id, outcome, now_ms)
        for intent in plan.unresolved:
            detail = unresolved_detail(intent, self._pending_timeout_ms)
            store.record_event(now_ms, "unresolved_order", detail)
            if self._alert is not None:
                self._alert(detail)
        for order in plan.cancel:
            await self._cancel(order, now_ms)
        for fill in plan.adjustments:
            books.book_fill(fill, external=True)
        for drift in plan.drift:
            store.record_event(now_ms, "external_position", drift.describe())
            if self._alert is not None:
                self._alert(drift.describe())
        floor = int(store.get_meta(SEQUENCE_FLOOR_KEY) or 0)
        if plan.sequence_floor > floor:
            store.set_meta(SEQUENCE_FLOOR_KEY, str(plan.sequence_floor))

    async def _cancel(self, order: Order, now_ms: int) -> None:
        try:
            cancelled = await self._broker.cancel_order(order.symbol, order.client_order_id)
        except (OrderNotFound, InvalidOrder) as exc:
            # Gone or finished in the meantime: the next pass sees how it ended.
            detail = f"unknown order {order.client_order_id}: not cancelled ({exc})"
            self._store.record_event(now_ms, "reconciliation", detail)
            return
        self._store.record_order(cancelled)
        self._store.record_event(
            now_ms, "unknown_order_cancelled", f"{order.client_order_id} on {order.symbol}"
        )


def _sizes(reports: Sequence[PositionReport]) -> dict[str, Decimal]:
    return {r.symbol: r.size for r in reports if r.size != 0}
