"""The journal tapped for alerts: a real SQLite store wrapped by AlertingStore. What the store
records (fills moving positions, journal events, conditional orders, the risk state) comes out as
the alerts docs/alerts.md lists; everything is stored exactly as without the tap."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import attrs
import pytest

from bot_v2.adapters.storage.sqlite.store import SqliteStateStore
from bot_v2.domain.fills import Fill
from bot_v2.domain.orders import Order, OrderStatus, OrderType, Side
from bot_v2.features.live_trade.performance import Drawdown
from bot_v2.features.live_trade.risk.state import DAY_MS, RiskState
from bot_v2.features.live_trade.risk.state_keeper import RiskStateKeeper
from bot_v2.monitoring.alerts.dispatcher import AlertDispatcher
from bot_v2.monitoring.alerts.journal_tap import AlertingStore
from bot_v2.ports.notifier import Alert, Severity

BTC = "BTC/USDT:USDT"
DAY = 19_723  # 2024-01-01
T0 = DAY * DAY_MS


class Captured(AlertDispatcher):
    def __init__(self) -> None:
        super().__init__([], dedup_window_s=0)
        self.alerts: list[Alert] = []

    def emit(self, alert: Alert) -> bool:
        self.alerts.append(alert)
        return super().emit(alert)

    def kinds(self) -> list[str]:
        return [a.kind for a in self.alerts]


@pytest.fixture
def tapped(tmp_path: Path) -> tuple[AlertingStore, Captured, SqliteStateStore]:
    inner = SqliteStateStore(tmp_path / "state.db")
    inner.open()
    captured = Captured()
    yield AlertingStore(inner, captured), captured, inner
    inner.close()


n = iter(range(1, 10_000))


def fill(side: Side, size: str, price: str, *, coid: str = "", liquidation: bool = False) -> Fill:
    i = next(n)
    return Fill(
        f"f{i}", coid or f"c{i}", f"e{i}", BTC, side, Decimal(size), Decimal(price), Decimal("1"),
        T0 + i * 1000, liquidation=liquidation,
    )  # fmt: skip


def test_a_position_opened_then_closed_raises_both_with_the_realized_pnl(tapped) -> None:
    store, captured, inner = tapped
    assert store.record_fill(fill(Side.BUY, "0.5", "40000"))
    assert store.record_fill(fill(Side.BUY, "0.5", "42000"))  # adds: no alert
    assert store.record_fill(fill(Side.SELL, "1", "43000"))
    assert captured.kinds() == ["position_opened", "position_closed"]
    opened, closed = captured.alerts
    assert opened.title == f"position opened: {BTC}"
    assert "long 0.5 @ 40000" in opened.text
    # (43000 - 41000) * 1 - three fees of 1
    assert "realized PnL +1997.00 after fees" in closed.text
    assert inner.load_positions() == {}


def test_a_fill_seen_again_raises_nothing(tapped) -> None:
    store, captured, _ = tapped
    opening = fill(Side.BUY, "1", "40000")
    store.record_fill(opening)
    assert not store.record_fill(opening)
    assert captured.kinds() == ["position_opened"]


def test_a_flip_is_a_close_and_an_open(tapped) -> None:
    store, captured, _ = tapped
    store.record_fill(fill(Side.SELL, "1", "40000"))
    store.record_fill(fill(Side.BUY, "3", "39000"))
    assert captured.kinds() == ["position_opened", "position_closed", "position_opened"]
    assert "long 2 @ 39000" in captured.alerts[-1].text


def test_a_liquidation_is_critical(tapped) -> None:
    store, captured, _ = tapped
    store.record_fill(fill(Side.BUY, "1", "40000"))
    store.record_fill(fill(Side.SELL, "1", "30000", liquidation=True))
    assert captured.kinds() == ["position_opened", "liquidation"]
    assert captured.alerts[-1].severity is Severity.CRITICAL


def test_a_protective_stop_fill_is_named(tapped) -> None:
    store, captured, _ = tapped
    store.record_fill(fill(Side.BUY, "1", "40000"))
    stop = Order(
        "stop-1", "e-stop", BTC, Side.SELL, OrderType.STOP_MARKET, Decimal(1), Decimal(0),
        OrderStatus.NEW, reduce_only=True, trigger_price=Decimal(38000),
    )  # fmt: skip
    store.record_order(stop)
    store.record_fill(fill(Side.SELL, "1", "38000", coid="stop-1"))
    assert captured.kinds() == ["position_opened", "stop_filled", "position_closed"]


def test_journal_events_become_alerts_and_the_rest_stay_journal_only(tapped) -> None:
    store, captured, _ = tapped
    store.record_event(T0, "decision", "BTC buy 1: sent as c1")
    store.record_event(T0, "gap", "BTC: 1 candle(s) missing")
    store.record_event(T0, "external_position", f"{BTC}: stored position flat, venue 1 @ 40000")
    store.record_event(T0, "unresolved_order", "c9: no answer")
    assert captured.kinds() == ["external_change", "unresolved_order"]
    assert captured.alerts[1].severity is Severity.CRITICAL


def test_risk_flags_and_the_day_roll_raise_alerts_and_the_summary(tapped) -> None:
    store, captured, _ = tapped
    keeper = RiskStateKeeper(store)  # the real keeper writes through the tap
    day = RiskState(day=DAY, day_start_equity=Decimal(10000), drawdown=Drawdown())
    keeper.update(day)
    store.record_fill(fill(Side.BUY, "1", "40000"))
    keeper.update(RiskState(day=DAY, day_start_equity=Decimal(10000), reduce_only="venue ban"))
    keeper.update(
        RiskState(
            day=DAY, day_start_equity=Decimal(10000), reduce_only="venue ban", kill_switch="ops"
        )
    )
    keeper.update(RiskState(day=DAY + 1, day_start_equity=Decimal(10250), kill_switch="ops"))
    assert captured.kinds() == [
        "position_opened",
        "reduce_only",
        "kill_switch",
        "reduce_only_lifted",
        "daily_summary",
    ]
    summary = captured.alerts[-1]
    assert summary.title == "daily summary 2024-01-01"
    assert "equity 10000.00 -> 10250.00 (PnL +250.00, +2.50%)" in summary.text
    assert "fills 1, fees 1.00" in summary.text
    assert f"open positions: {BTC} long 1" in summary.text
    assert summary.at_ms == (DAY + 1) * DAY_MS


def test_the_daily_summary_can_be_off(tmp_path: Path) -> None:
    inner = SqliteStateStore(tmp_path / "state.db")
    inner.open()
    captured = Captured()
    keeper = RiskStateKeeper(AlertingStore(inner, captured, daily_summary=False))
    keeper.update(RiskState(day=DAY, day_start_equity=Decimal(1)))
    keeper.update(RiskState(day=DAY + 1, day_start_equity=Decimal(2)))
    inner.close()
    assert captured.kinds() == []


def test_a_take_profit_fill_is_named(tapped) -> None:
    store, captured, _ = tapped
    store.record_fill(fill(Side.BUY, "1", "40000"))
    take = Order(
        "tp-1", "e-tp", BTC, Side.SELL, OrderType.TAKE_PROFIT_MARKET, Decimal(1), Decimal(0),
        OrderStatus.NEW, reduce_only=True, trigger_price=Decimal(44000),
    )  # fmt: skip
    store.record_order(take)
    store.record_fill(fill(Side.SELL, "1", "44000", coid="tp-1"))
    assert captured.kinds() == ["position_opened", "take_profit_filled", "position_closed"]
    assert captured.alerts[1].title == f"take-profit filled: {BTC}"
    assert captured.alerts[1].severity is Severity.WARNING


def test_reconciliation_drift_and_the_cycles_own_events_become_alerts(tapped) -> None:
    store, captured, _ = tapped
    events = [
        ("reconciliation", "1 order gone from the venue, 0 positions changed", "reconciliation_drift"),
        ("unknown_order_cancelled", f"{BTC} x-1: not ours", "external_change"),
        ("liquidation_distance", f"{BTC}: long 1 ... below 3.00%", "liquidation_distance"),
        ("liquidation_distance_recovered", f"{BTC}: long 1 ...", "liquidation_distance_recovered"),
        ("venue_ban", "reduce-only until it lifts: 418", "venue_ban"),
        ("venue_rate_limited", "a cycle skipped: 429", "venue_rate_limited"),
        ("venue_ban_lifted", "leaving reduce-only", "venue_ban_lifted"),
    ]  # fmt: skip
    for kind, detail, _ in events:
        store.record_event(T0, kind, detail)
    assert captured.kinds() == [alert for _, _, alert in events]
    drift = captured.alerts[0]
    assert drift.severity is Severity.WARNING and drift.text == events[0][1]
    assert [a.severity for a in captured.alerts[2:]] == [
        Severity.CRITICAL, Severity.INFO, Severity.CRITICAL, Severity.WARNING, Severity.INFO,
    ]  # fmt: skip


def test_the_drawdown_halt_is_critical_and_said_once(tapped) -> None:
    store, captured, _ = tapped
    keeper = RiskStateKeeper(store)
    day = RiskState(day=DAY, day_start_equity=Decimal(10000))
    keeper.update(day)
    reason = "drawdown 35.58% from the equity peak reached protections.max_drawdown_pct 35.00%"
    halted = attrs.evolve(day, guards=attrs.evolve(day.guards, halt=reason))
    keeper.update(halted)
    keeper.update(attrs.evolve(halted, day_start_equity=Decimal(9000)))  # still halted: silent
    assert captured.kinds() == ["drawdown_halt"]
    [alert] = captured.alerts
    assert alert.severity is Severity.CRITICAL and alert.text == reason
