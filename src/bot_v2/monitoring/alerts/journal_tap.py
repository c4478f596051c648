"""AlertingStore: the state store, with the journal translated into alerts on the way in.

Everything the bot must not forget reaches the store: journal events (record_event), fills that
move positions (record_fill), orders (record_order) and the risk state (set_meta). Wrapping the
store is therefore the one place alerts are produced; nothing in the trading code calls a notifier.
Each call goes to the wrapped store first, unchanged; only what it stored is translated, and a
translation that fails is logged and never reaches the caller."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from bot_v2.domain.fills import Fill
from bot_v2.domain.orders import Order, OrderType
from bot_v2.domain.positions import FillEffect, Position, apply_fill
from bot_v2.features.live_trade.risk.state import DAY_MS, RiskState
from bot_v2.features.live_trade.risk.state_keeper import META_KEY, decode
from bot_v2.monitoring.alerts.dispatcher import AlertDispatcher
from bot_v2.monitoring.alerts.events import daily_summary, fill_alerts, journal_alert, risk_alerts
from bot_v2.ports.notifier import Alert
from bot_v2.ports.state_store import IStateStore

log = logging.getLogger(__name__)


class AlertingStore:
    def __init__(
        self, inner: IStateStore, alerts: AlertDispatcher, daily_summary: bool = True
    ) -> None:
        self._inner = inner
        self._alerts = alerts
        self._daily_summary = daily_summary
        # Read from the store on first use (it is opened after this is built).
        self._positions: dict[str, Position] | None = None
        self._realized: dict[str, Decimal] = {}
        self._protective: dict[str, OrderType] | None = None
        self._risk: RiskState | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    # -- the journal --------------------------------------------------------------------------
    def record_event(self, timestamp_ms: int, kind: str, detail: str) -> None:
        self._inner.record_event(timestamp_ms, kind, detail)
        alert = journal_alert(timestamp_ms, kind, detail)
        if alert is not None:
            self._emit([alert])

    def record_order(self, order: Order) -> None:
        self._inner.record_order(order)
        if order.type.is_conditional:
            self._protective_orders()[order.client_order_id] = order.type

    def record_fill(self, fill: Fill, external: bool = False) -> FillEffect | None:
        try:
            positions = self._open_positions()
        except Exception:
            log.exception("alerts: positions unreadable; this fill raises no alert")
            return self._inner.record_fill(fill, external)
        stored = self._inner.record_fill(fill, external)
        if stored is not None:
            self._translate(lambda: self._fill_alerts(positions, fill, external))
        return stored

    def set_meta(self, key: str, value: str) -> None:
        old = self._risk_state() if key == META_KEY else None
        self._inner.set_meta(key, value)
        if key == META_KEY:
            self._translate(lambda: self._risk_alerts(old, value))

    # -- translating ----------------------------------------------------------------------------
    def _fill_alerts(
        self, positions: dict[str, Position], fill: Fill, external: bool
    ) -> list[Alert]:
        symbol = fill.symbol
        before = positions.get(symbol) or Position(symbol)
        effect = apply_fill(before, fill.side, fill.size, fill.price)
        after = effect.position
        positions[symbol] = after
        # Realized PnL less fees since the position opened (since the start, for one held then).
        if before.is_flat:
            realized = -fill.fee
        else:
            realized = self._realized.get(symbol, Decimal(0)) + effect.realized_pnl - fill.fee
        closes = not before.is_flat and (after.is_flat or before.side != after.side)
        self._realized[symbol] = Decimal(0) if closes else realized
        protective = self._protective_orders().get(fill.client_order_id)
        return fill_alerts(fill, before, after, realized, protective, external)

    def _risk_alerts(self, old: RiskState | None, value: str) -> list[Alert]:
        new = decode(value)
        self._risk = new
        if old is None:
            return []
        at_ms = self._inner.watermark_ms()
        alerts = risk_alerts(old, new, at_ms)
        rolled = old.day is not None and new.day is not None and new.day > old.day
        if rolled and self._daily_summary:
            assert old.day is not None
            start = old.day * DAY_MS
            fills = [f for f in self._inner.load_fills(start) if f.timestamp_ms < start + DAY_MS]
            alerts.append(daily_summary(old, new, fills, self._inner.load_positions()))
        return alerts

    def _open_positions(self) -> dict[str, Position]:
        if self._positions is None:
            self._positions = dict(self._inner.load_positions())
        return self._positions

    def _protective_orders(self) -> dict[str, OrderType]:
        if self._protective is None:
            self._protective = {
                o.client_order_id: o.type
                for o in self._inner.load_open_orders()
                if o.type.is_conditional
            }
        return self._protective

    def _risk_state(self) -> RiskState | None:
        if self._risk is None:
            try:
                text = self._inner.get_meta(META_KEY)
                self._risk = RiskState() if text is None else decode(text)
            except Exception:
                log.exception("alerts: stored risk state unreadable; its next change raises none")
        return self._risk

    def _translate(self, make: Any) -> None:
        try:
            alerts = make()
        except Exception:
            log.exception("alerts: could not translate a journal entry (the store has it)")
            return
        self._emit(alerts)

    def _emit(self, alerts: list[Alert]) -> None:
        for alert in alerts:
            self._alerts.emit(alert)
