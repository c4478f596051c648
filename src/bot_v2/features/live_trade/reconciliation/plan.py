"""`reconcile`: the store's beliefs and the venue's reports in, the changes that make the store true
out. Pure, so it is tested as a function:

- idempotent: once a plan is applied, the same reports give an empty plan;
- order-insensitive: fills in any order, with duplicates, give the same plan (they are deduplicated
  by id and put in the venue's order: by time, ties by the venue's id compared as numbers).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal

from bot_v2.domain.fills import Fill, FundingPayment
from bot_v2.domain.money import ZERO
from bot_v2.domain.orders import Order, OrderStatus, Side
from bot_v2.domain.positions import Position, apply_fill
from bot_v2.features.live_trade.client_ids import client_order_id
from bot_v2.features.live_trade.reconciliation.intents import resolve_intents
from bot_v2.features.live_trade.reconciliation.values import (
    Policy,
    PositionDrift,
    ReconciliationPlan,
    StoredState,
    UnknownOrderPolicy,
    VenueReports,
)

EXTERNAL = "external"
PRICE_TOLERANCE = Decimal("1e-9")


def reconcile(stored: StoredState, venue: VenueReports, policy: Policy) -> ReconciliationPlan:
    findings: list[str] = []
    fills = new_fills(stored.fill_ids, venue.fills)
    if fills:
        findings.append(f"adopted {len(fills)} fill(s) the store did not have")
    funding = new_funding(stored.funding_keys, venue.funding)
    if funding:
        findings.append(f"adopted {len(funding)} funding payment(s) the store did not have")
    venue_open = {o.client_order_id: o for o in venue.open_orders}
    intents = resolve_intents(
        stored.pending_intents,
        venue.intent_orders,
        venue_open,
        _traded(venue.fills),
        policy.now_ms,
        policy.pending_timeout_ms,
    )
    findings.extend(intents.findings)
    moved = _follow_open_orders(stored, venue, venue_open, findings)
    adopted, cancel = _unknown_orders(stored, venue_open, policy.unknown_orders, findings)
    # A symbol with an order in doubt: what its position shows may be that order; held until the
    # order is found or times out, so it is not booked twice (as external, then as its fill).
    held = frozenset(i.request.symbol for i in intents.waiting)
    # One that timed out: the position report is the best evidence left, booked at once, or the
    # next decision would see the old position and could open again before a second pass.
    settle = frozenset(i.request.symbol for i in intents.unresolved)
    drift, suspected, adjustments = _positions(stored, venue, fills, policy, held, settle, findings)
    return ReconciliationPlan(
        fills=fills,
        funding=funding,
        orders=(*intents.orders, *moved, *adopted),
        intent_outcomes=intents.outcomes,
        waiting=intents.waiting,
        unresolved=intents.unresolved,
        cancel=cancel,
        drift=drift,
        adjustments=adjustments,
        suspected=suspected,
        sequence_floor=_sequence_floor(venue, policy.bot_id),
        findings=tuple(findings),
    )


def new_fills(known: frozenset[str], reported: Iterable[Fill]) -> tuple[Fill, ...]:
    """Reported fills the store lacks, once each, in the venue's order."""
    by_id: dict[str, Fill] = {}
    for fill in reported:
        if fill.fill_id in known:
            continue
        seen = by_id.get(fill.fill_id)
        # The same id twice with different contents is the venue's bug; pick one by content so
        # the result does not depend on the order the reports came in.
        if seen is None or repr(fill) < repr(seen):
            by_id[fill.fill_id] = fill
    return tuple(sorted(by_id.values(), key=fill_order))


def fill_order(fill: Fill) -> tuple[int, tuple[tuple[int, int, str], ...]]:
    return fill.timestamp_ms, _natural(fill.fill_id)


def _natural(text: str) -> tuple[tuple[int, int, str], ...]:
    """`sim-10-1` after `sim-9-1`: digit runs compare as numbers."""
    return tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part)
        for part in re.split(r"(\d+)", text)
        if part
    )


def new_funding(
    known: frozenset[tuple[str, int]], reported: Iterable[FundingPayment]
) -> tuple[FundingPayment, ...]:
    by_key: dict[tuple[str, int], FundingPayment] = {}
    for payment in reported:
        key = (payment.symbol, payment.timestamp_ms)
        if key in known:
            continue
        seen = by_key.get(key)
        if seen is None or repr(payment) < repr(seen):
            by_key[key] = payment
    return tuple(by_key[k] for k in sorted(by_key, key=lambda k: (k[1], k[0])))


def _traded(fills: Iterable[Fill]) -> dict[str, Decimal]:
    """Size filled per client order id, each fill once."""
    sizes: dict[str, Decimal] = {}
    for fill in new_fills(frozenset(), fills):
        sizes[fill.client_order_id] = sizes.get(fill.client_order_id, ZERO) + fill.size
    return sizes


def _follow_open_orders(
    stored: StoredState,
    venue: VenueReports,
    venue_open: dict[str, Order],
    findings: list[str],
) -> tuple[Order, ...]:
    """Stored open orders that filled more, ended, or vanished while nobody watched."""
    moved: list[Order] = []
    for order in stored.open_orders:
        coid = order.client_order_id
        now = venue_open.get(coid) or venue.order_lookups.get(coid)
        if now is None:
            if coid in venue.order_lookups:
                moved.append(_expired(order))
                findings.append(f"order {coid}: the venue no longer has it; marked expired")
            continue
        if (now.status, now.filled) != (order.status, order.filled):
            moved.append(now)
            if not now.status.is_open:
                findings.append(f"order {coid}: {now.status.value} while not watched")
    return tuple(moved)


def _expired(order: Order) -> Order:
    return Order(
        client_order_id=order.client_order_id,
        exchange_order_id=order.exchange_order_id,
        symbol=order.symbol,
        side=order.side,
        type=order.type,
        size=order.size,
        filled=order.filled,
        status=OrderStatus.EXPIRED,
        price=order.price,
        average_price=order.average_price,
        reduce_only=order.reduce_only,
        timestamp_ms=order.timestamp_ms,
    )


def _unknown_orders(
    stored: StoredState,
    venue_open: dict[str, Order],
    policy: UnknownOrderPolicy,
    findings: list[str],
) -> tuple[tuple[Order, ...], tuple[Order, ...]]:
    known = {i.request.client_order_id for i in stored.pending_intents}
    known.update(o.client_order_id for o in stored.open_orders)
    adopted: list[Order] = []
    cancel: list[Order] = []
    for coid in sorted(venue_open):
        if coid in known:
            continue
        order = venue_open[coid]
        what = f"{order.side.value} {order.size:f} {order.symbol}"
        if policy is UnknownOrderPolicy.ADOPT:
            adopted.append(order)
            findings.append(f"unknown open order {coid} ({what}): adopted")
        else:
            cancel.append(order)
            findings.append(f"unknown open order {coid} ({what}): cancelling")
    return tuple(adopted), tuple(cancel)


def _positions(
    stored: StoredState,
    venue: VenueReports,
    fills: Sequence[Fill],
    policy: Policy,
    held: frozenset[str],
    settle: frozenset[str],
    findings: list[str],
) -> tuple[tuple[PositionDrift, ...], tuple[PositionDrift, ...], tuple[Fill, ...]]:
    """Stored positions moved by the new fills, against the venue's. What still differs changed
    outside the bot: booked as external fills so the store holds what the venue holds."""
    expected = dict(stored.positions)
    for fill in fills:
        before = expected.get(fill.symbol) or Position(fill.symbol)
        expected[fill.symbol] = apply_fill(before, fill.side, fill.size, fill.price).position
    reports = {r.symbol: r for r in venue.positions if r.size != 0}
    for symbol in sorted(set(expected) - set(venue.symbols)):
        if not expected[symbol].is_flat:
            findings.append(f"{symbol}: stored position outside the bot's symbols, not checked")
    drift: list[PositionDrift] = []
    suspected: list[PositionDrift] = []
    adjustments: list[Fill] = []
    for symbol in sorted(set(venue.symbols)):
        ours = expected.get(symbol) or Position(symbol)
        report = reports.get(symbol)
        theirs = Position(symbol, report.size, report.entry_price) if report else Position(symbol)
        if ours.size == theirs.size:
            if not ours.is_flat and not same_price(ours.entry_price, theirs.entry_price):
                findings.append(
                    f"{symbol}: entry price {ours.entry_price:f} stored, "
                    f"{theirs.entry_price:f} at the venue (size agrees; left as stored)"
                )
            continue
        found = PositionDrift(symbol, ours, theirs)
        if symbol in held:
            findings.append(
                f"{symbol}: position differs while an order on it is pending; not booked"
            )
            continue
        at_once = policy.book_drift_at_once or symbol in settle
        if at_once or (symbol, theirs.size) in policy.suspected:
            drift.append(found)
            mark = report.mark_price if report and report.mark_price > 0 else None
            price = mark or policy.marks.get(symbol) or ours.entry_price
            adjustments.extend(_booking(ours, theirs, price, policy.now_ms))
            findings.append(f"ALERT {found.describe()}; booked as external fills")
        else:
            suspected.append(found)
            findings.append(f"{found.describe()}? waiting one pass for fills to explain it")
    return tuple(drift), tuple(suspected), tuple(adjustments)


def same_price(a: Decimal, b: Decimal) -> bool:
    """Entry prices agree to a billionth: venues round what they report, and averaging in 28
    digits leaves noise in the last ones."""
    return abs(a - b) <= max(abs(a), abs(b)) * PRICE_TOLERANCE


def _booking(ours: Position, theirs: Position, close_price: Decimal, now_ms: int) -> list[Fill]:
    """Close ours at `close_price` (the mark when known), open theirs at the venue's entry, so
    both size and entry then agree. Ids carry the content, so a retried booking is not doubled."""
    booked: list[Fill] = []
    if not ours.is_flat:
        side = Side.SELL if ours.size > 0 else Side.BUY
        booked.append(_external(ours.symbol, "close", side, abs(ours.size), close_price, now_ms))
    if not theirs.is_flat:
        side = Side.BUY if theirs.size > 0 else Side.SELL
        price = theirs.entry_price if theirs.entry_price > 0 else close_price
        booked.append(_external(theirs.symbol, "open", side, abs(theirs.size), price, now_ms))
    return booked


def _external(
    symbol: str, leg: str, side: Side, size: Decimal, price: Decimal, now_ms: int
) -> Fill:
    return Fill(
        fill_id=f"{EXTERNAL}-{symbol}-{now_ms}-{leg}-{side.value}-{size:f}@{price:f}",
        client_order_id=EXTERNAL,
        exchange_order_id=EXTERNAL,
        symbol=symbol,
        side=side,
        size=size,
        price=price,
        fee=ZERO,
        timestamp_ms=now_ms,
    )


@functools.lru_cache(maxsize=16)
def _own_prefixes(bot_id: str, symbols: tuple[str, ...]) -> frozenset[str]:
    """Short ids are plain, long ones hashed (see client_ids): know both forms of each symbol's."""
    return frozenset(
        client_order_id(bot_id, s, seq).rsplit("-", 1)[0] + "-"
        for s in symbols
        for seq in (0, 10**40)
    )


def _sequence_floor(venue: VenueReports, bot_id: str) -> int:
    """One past the highest decision sequence among this bot's ids that the venue reports: a store
    that lost intents must not reuse their ids."""
    prefixes = _own_prefixes(bot_id, venue.symbols)
    ids: set[str] = {o.client_order_id for o in venue.open_orders}
    ids.update(f.client_order_id for f in venue.fills)
    ids.update(o.client_order_id for o in venue.intent_orders.values() if o is not None)
    ids.update(o.client_order_id for o in venue.order_lookups.values() if o is not None)
    floor = 0
    for coid in ids:
        # Every prefix ends with "-" and a sequence has none, so an id made of a prefix and a
        # sequence splits at its last "-": one set lookup instead of a test per prefix.
        head, dash, rest = coid.rpartition("-")
        if dash and head + dash in prefixes and rest.isdigit():
            floor = max(floor, int(rest) + 1)
    return floor
