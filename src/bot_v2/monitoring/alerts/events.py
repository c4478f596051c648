"""What the journal records, as alerts: the journal's event kinds (one line each in JOURNAL_ALERTS),
fills that open, close or liquidate a position or fill a protective order, and changes of the
stored risk state (reduce-only, the day's halt, the kill switch, a new UTC day)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from bot_v2.domain.fills import Fill
from bot_v2.domain.orders import OrderType
from bot_v2.domain.positions import Position
from bot_v2.features.live_trade.risk.state import DAY_MS, RiskState
from bot_v2.ports.notifier import Alert, Severity

INFO, WARNING, CRITICAL = Severity.INFO, Severity.WARNING, Severity.CRITICAL

# Journal event kind -> (alert kind, severity, title). Kinds not listed (decisions, gaps, risk
# rejections ...) are journaled only.
JOURNAL_ALERTS: dict[str, tuple[str, Severity, str]] = {
    "external_position": ("external_change", WARNING, "position changed outside the bot"),
    "reconciliation": ("reconciliation_drift", WARNING, "reconciliation found a difference"),
    "unresolved_order": ("unresolved_order", CRITICAL, "an order's outcome is unknown"),
    "unknown_order_cancelled": ("external_change", WARNING, "unknown order on the venue cancelled"),
    "submit_unknown": ("submit_unknown", WARNING, "an order submit got no answer"),
    # The cycle's liquidation alarm (alerts.liquidation_distance_pct), once per position.
    "liquidation_distance": (
        "liquidation_distance",
        CRITICAL,
        "liquidation distance below its threshold",
    ),
    "liquidation_distance_recovered": (
        "liquidation_distance_recovered",
        INFO,
        "liquidation distance back above its threshold",
    ),
    # The cycle's venue-error path (PerpsBot), once per ban or run of rate-limited cycles.
    "venue_ban": ("venue_ban", CRITICAL, "the venue banned the bot: reduce-only until it lifts"),
    "venue_rate_limited": ("venue_rate_limited", WARNING, "the venue rate-limits the bot"),
    "venue_ban_lifted": ("venue_ban_lifted", INFO, "the venue's ban lifted"),
}

_PROTECTIVE = {
    OrderType.STOP_MARKET: ("stop_filled", "protective stop filled"),
    OrderType.STOP_LIMIT: ("stop_filled", "protective stop filled"),
    OrderType.TAKE_PROFIT_MARKET: ("take_profit_filled", "take-profit filled"),
}


def journal_alert(at_ms: int, kind: str, detail: str) -> Alert | None:
    known = JOURNAL_ALERTS.get(kind)
    if known is None:
        return None
    alert_kind, severity, title = known
    return Alert(alert_kind, severity, title, detail, at_ms, key=f"{alert_kind}:{detail}")


def fill_alerts(
    fill: Fill,
    before: Position,
    after: Position,
    realized: Decimal,
    protective: OrderType | None,
    external: bool,
) -> list[Alert]:
    """Opened, closed (or liquidated) and protective-fill alerts for one newly booked fill. A flip
    through zero is a close and an open."""
    alerts: list[Alert] = []
    at, symbol = fill.timestamp_ms, fill.symbol
    how = " (booked for a change outside the bot)" if external else ""
    facts = {"symbol": symbol, "side": fill.side.value, "size": f"{fill.size:f}"}
    facts["price"] = f"{fill.price:f}"
    if protective is not None:
        kind, title = _PROTECTIVE.get(protective, ("stop_filled", "protective order filled"))
        text = f"{symbol}: {fill.side.value} {fill.size:f} @ {fill.price:f}"
        alerts.append(Alert(kind, WARNING, f"{title}: {symbol}", text, at, fill.fill_id, facts))
    if not before.is_flat and (after.is_flat or before.side != after.side):
        text = (
            f"{symbol}: {_side(before)} {abs(before.size):f} entered @ {before.entry_price:f}, "
            f"closed @ {fill.price:f}, realized PnL {realized:+.2f} after fees{how}"
        )
        closed = {**facts, "realized_pnl": f"{realized:f}"}
        if fill.liquidation:
            title = f"position liquidated: {symbol}"
            alerts.append(Alert("liquidation", CRITICAL, title, text, at, fill.fill_id, closed))
        else:
            title = f"position closed: {symbol}"
            key = f"closed:{fill.fill_id}"
            alerts.append(Alert("position_closed", INFO, title, text, at, key, closed))
    if not after.is_flat and (before.is_flat or before.side != after.side):
        text = f"{symbol}: {_side(after)} {abs(after.size):f} @ {after.entry_price:f}{how}"
        title = f"position opened: {symbol}"
        key = f"opened:{fill.fill_id}"
        alerts.append(Alert("position_opened", INFO, title, text, at, key, facts))
    return alerts


def _side(position: Position) -> str:
    return "long" if position.size > 0 else "short"


def risk_alerts(old: RiskState, new: RiskState, at_ms: int) -> list[Alert]:
    """Flags engaged or lifted between two stored risk states."""
    alerts: list[Alert] = []
    flags = (
        ("kill_switch", CRITICAL, "kill switch engaged", old.kill_switch, new.kill_switch),
        ("reduce_only", WARNING, "reduce-only engaged", old.reduce_only, new.reduce_only),
        ("halt", WARNING, "trading halted for the day", old.day_halt, new.day_halt),
        (
            "drawdown_halt",
            CRITICAL,
            "drawdown halt: flattening every position",
            old.guards.halt,
            new.guards.halt,
        ),
    )
    for kind, severity, title, was, now in flags:
        if now and now != was:
            alerts.append(Alert(kind, severity, title, now, at_ms, key=f"{kind}:{now}"))
        elif was and not now and kind != "halt":
            # A halt ends with its day (the daily summary says so); the others by hand.
            lifted = f"{kind.replace('_', '-')} lifted"
            alerts.append(Alert(f"{kind}_lifted", INFO, lifted, was, at_ms, key=f"lifted:{was}"))
    return alerts


def day_label(day: int) -> str:
    return datetime.fromtimestamp(day * DAY_MS / 1000, UTC).date().isoformat()


def daily_summary(
    old: RiskState, new: RiskState, fills: list[Fill], positions: dict[str, Position]
) -> Alert:
    """The UTC day `old.day` that just ended: equity from its first cycle to the next day's first,
    PnL, drawdown, fills and fees, and what is still open."""
    assert old.day is not None
    start, end = old.day_start_equity, new.day_start_equity
    pnl = end - start
    pct = (pnl / start * 100) if start else Decimal(0)
    fees = sum((f.fee for f in fills), Decimal(0))
    open_now = ", ".join(
        f"{s} {_side(p)} {abs(p.size):f}" for s, p in sorted(positions.items()) if not p.is_flat
    )
    lines = [
        f"equity {start:.2f} -> {end:.2f} (PnL {pnl:+.2f}, {pct:+.2f}%)",
        f"max drawdown so far {old.drawdown.max_drawdown * 100:.2f}%",
        f"fills {len(fills)}, fees {fees:.2f}",
        f"open positions: {open_now or 'none'}",
    ]
    if old.day_halt:
        lines.append(f"halted: {old.day_halt}")
    label = day_label(old.day)
    fields = {"day": label, "start_equity": f"{start:f}", "end_equity": f"{end:f}"}
    fields.update(pnl=f"{pnl:f}", fills=str(len(fills)), fees=f"{fees:f}")
    return Alert(
        "daily_summary",
        INFO,
        f"daily summary {label}",
        "\n".join(lines),
        (old.day + 1) * DAY_MS,
        key=f"daily_summary:{label}",
        fields=fields,
    )
