"""`protect`: positions, exit plans, stored ownership records and (on a verifying pass) the venue's
protective orders in; what makes the venue hold exactly the protection each position needs out.
Pure, so it is tested as a function:

- a position with a stop in its plan gets one stop of its size at the plan's trigger; one whose
  stop moved or whose size changed gets a new stop that replaces the old new-first (the old one is
  cancelled only once the new one is on the venue);
- take-profit rungs are placed as asked, their sizes capped so together they never close more than
  the position;
- protective orders whose position is gone (flat, or flipped to the other side) are cancelled;
- a verifying pass confirms pending records the venue shows, drops records the venue no longer has
  (triggered or cancelled), and cancels protective orders of ours that have no record;
- idempotent: once a plan is applied, the same inputs give an empty plan.

Placement records come out without a client order id: the service gives each one when it stores
it, from protection's own stored sequence.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from bot_v2.domain.market import MarketSpec
from bot_v2.domain.money import quantize_price, quantize_size
from bot_v2.domain.orders import Order, Side
from bot_v2.domain.positions import Position
from bot_v2.features.live_trade.exits.values import ExitKind, ExitPlan
from bot_v2.features.live_trade.protection.ids import is_own_protective
from bot_v2.features.live_trade.protection.values import (
    Held,
    Inputs,
    Placement,
    ProtectionPlan,
    ProtectiveRecord,
    RecordStatus,
    Settings,
)


@attrs.define
class _Acc:
    confirmed: list[ProtectiveRecord] = attrs.Factory(list)
    gone: list[ProtectiveRecord] = attrs.Factory(list)
    place: list[Placement] = attrs.Factory(list)
    cancel: list[ProtectiveRecord] = attrs.Factory(list)
    strays: list[Order] = attrs.Factory(list)
    close: list[tuple[str, ExitKind]] = attrs.Factory(list)
    flat: list[str] = attrs.Factory(list)
    findings: list[str] = attrs.Factory(list)


def protect(inputs: Inputs, settings: Settings, now_ms: int) -> ProtectionPlan:
    acc = _Acc()
    symbols = set(inputs.positions) | set(inputs.held)
    # The venue's orders by symbol, in the venue's order: one walk, not one per symbol.
    listed: dict[str, list[Order]] = {}
    for order in inputs.venue or ():
        listed.setdefault(order.symbol, []).append(order)
    symbols.update(listed)
    for symbol in sorted(symbols):
        held = inputs.held.get(symbol) or Held(symbol)
        records = list(held.records)
        if inputs.venue is not None:
            records = _verify(symbol, records, listed.get(symbol, ()), settings.bot_id, acc)
        # A cancel already sent may have worked: never cover, cancelled again until confirmed.
        for record in records:
            if record.status is RecordStatus.CANCELLING:
                acc.cancel.append(record)
                acc.findings.append(f"{record.describe()}: cancel not confirmed; cancelling")
        records = [r for r in records if r.status is not RecordStatus.CANCELLING]
        position = inputs.positions.get(symbol)
        if position is None or position.is_flat or position.side is None:
            _orphaned(symbol, held, records, acc)
            continue
        closing = position.side.opposite
        stale = [r for r in records if r.side is not closing]
        for record in stale:
            acc.cancel.append(record)
            acc.findings.append(f"{record.describe()}: its position flipped; cancelling")
        records = [r for r in records if r.side is closing]
        plan = inputs.plans.get(symbol)
        spec = inputs.markets.get(symbol)
        if plan is None or spec is None:
            continue
        _stop(position, closing, plan, spec, records, now_ms, acc)
        _take_profits(position, closing, plan, spec, records, now_ms, acc)
        if plan.close_now is not None:
            acc.close.append((symbol, plan.close_now))
            acc.findings.append(f"{symbol}: {plan.close_now.value} exit; closing the position")
    return ProtectionPlan(
        confirmed=tuple(acc.confirmed),
        gone=tuple(acc.gone),
        place=tuple(acc.place),
        cancel=tuple(acc.cancel),
        strays=tuple(acc.strays),
        close=tuple(dict.fromkeys(acc.close)),
        flat=tuple(acc.flat),
        findings=tuple(acc.findings),
    )


def _verify(
    symbol: str,
    records: list[ProtectiveRecord],
    venue: Iterable[Order],
    bot_id: str,
    acc: _Acc,
) -> list[ProtectiveRecord]:
    """The records as the venue shows them (`venue`: its orders in `symbol`): pending ones it lists
    are placed, the ones it does not list are gone. Protective orders of ours it lists without a
    record are strays."""
    listed = {o.client_order_id: o for o in venue if o.symbol == symbol}
    live: list[ProtectiveRecord] = []
    for record in records:
        if record.client_order_id not in listed:
            acc.gone.append(record)
            acc.findings.append(f"{record.describe()}: no longer on the venue")
            continue
        if record.status is RecordStatus.PENDING:
            record = attrs.evolve(record, status=RecordStatus.PLACED)
            acc.confirmed.append(record)
            acc.findings.append(f"{record.describe()}: found on the venue; placed")
        live.append(record)
    known = {r.client_order_id for r in records}
    for coid in sorted(listed):
        if coid in known:
            continue
        if is_own_protective(coid, bot_id, symbol):
            acc.strays.append(listed[coid])
            acc.findings.append(f"protective order {coid} on {symbol} has no record; cancelling")
        else:
            acc.findings.append(f"protective order {coid} on {symbol} is not the bot's; left")
    return live


def _orphaned(symbol: str, held: Held, records: list[ProtectiveRecord], acc: _Acc) -> None:
    for record in records:
        acc.cancel.append(record)
        acc.findings.append(f"{record.describe()}: its position is gone; cancelling")
    if held.exit_state is not None or records or held.failures:
        acc.flat.append(symbol)


def _stop(
    position: Position,
    closing: Side,
    plan: ExitPlan,
    spec: MarketSpec,
    records: list[ProtectiveRecord],
    now_ms: int,
    acc: _Acc,
) -> None:
    stops = [r for r in records if r.is_stop]
    size = quantize_size(abs(position.size), spec.step_size)
    if plan.stop_price is None or size <= 0:
        for record in stops:
            acc.cancel.append(record)
            acc.findings.append(f"{record.describe()}: no stop asked for now; cancelling")
        return
    # A sell stop rounds up and a buy stop down: toward the price, never giving more away.
    trigger = quantize_price(plan.stop_price, spec.tick_size, closing)
    want = ProtectiveRecord(
        "", position.symbol, plan.stop_kind, None, closing, size, trigger, now_ms
    )
    _hold(want, stops, acc)


def _take_profits(
    position: Position,
    closing: Side,
    plan: ExitPlan,
    spec: MarketSpec,
    records: list[ProtectiveRecord],
    now_ms: int,
    acc: _Acc,
) -> None:
    left = quantize_size(abs(position.size), spec.step_size)
    wanted: dict[int, ProtectiveRecord] = {}
    for rung in sorted(plan.take_profits, key=lambda r: r.index):
        size = min(quantize_size(rung.size, spec.step_size), left)
        if size <= 0 or size < spec.min_size:
            continue
        left -= size
        price = quantize_price(rung.price, spec.tick_size, closing)
        wanted[rung.index] = ProtectiveRecord(
            "", position.symbol, ExitKind.TAKE_PROFIT, rung.index, closing, size, price, now_ms
        )
    rungs = [r for r in records if not r.is_stop]
    for index, want in wanted.items():
        _hold(want, [r for r in rungs if r.rung == index], acc)
    for record in rungs:
        if record.rung not in wanted:
            acc.cancel.append(record)
            acc.findings.append(f"{record.describe()}: rung no longer asked for; cancelling")


def _hold(want: ProtectiveRecord, current: list[ProtectiveRecord], acc: _Acc) -> None:
    """Make the venue hold `want`: keep a matching record (cancel the others once it is placed),
    or place it new-first, replacing all of `current`."""
    matching = [r for r in current if r.matches(want)]
    if not matching:
        acc.place.append(Placement(want, tuple(current)))
        if current:
            olds = ", ".join(r.client_order_id for r in current)
            acc.findings.append(f"{want.symbol}: replacing {olds} (new order first)")
        return
    # Prefer one the venue confirmed; a pending one may not be there.
    keep = next((r for r in matching if r.status is RecordStatus.PLACED), matching[0])
    if keep.status is not RecordStatus.PLACED:
        return
    for record in current:
        if record is not keep:
            acc.cancel.append(record)
            acc.findings.append(f"{record.describe()}: superseded by {keep.client_order_id}")
