"""The protections' memory survives a restart: the drawdown halt, the circuit breaker's count and
pause, and a stop-out cooldown are stored in a real SQLite state file by the cycle's step, and a
fresh process (a new store, a new RiskContextSource over the same file) refuses the same entries."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path

import attrs

from bot_v2.adapters.storage.sqlite.store import SqliteStateStore
from bot_v2.domain.orders import OrderRequest, OrderType, Side
from bot_v2.domain.risk import RiskLimits
from bot_v2.features.live_trade.accounting import Ledger
from bot_v2.features.live_trade.performance import Drawdown
from bot_v2.features.live_trade.risk.guard import ProtectionGuard
from bot_v2.features.live_trade.risk.pre_trade import PreTradeRisk
from bot_v2.features.live_trade.risk.protections import Protections, TradeClose
from bot_v2.features.live_trade.risk.state import clear
from bot_v2.features.live_trade.risk_context import RiskContextSource

D = Decimal
BTC = "BTC/USDT:USDT"
ETH = "ETH/USDT:USDT"
HOUR = 3_600_000
T0 = 1_704_067_200_000
LIMITS = RiskLimits(D(5), D(10**6), D(10**6), D(10**6), D(10**6))
P = Protections(
    max_drawdown_pct=D("0.2"),
    breaker_losses=2,
    breaker_cooldown_ms=2 * HOUR,
    stopout_cooldown_ms=HOUR,
)


@attrs.define
class Marks:
    marks_version: int = 1

    def mark_prices(self) -> Mapping[str, Decimal]:
        return {BTC: D(100), ETH: D(10)}

    def mark_ages_ms(self, now_ms: int) -> Mapping[str, int | None]:
        return {BTC: 0, ETH: 0}


@attrs.define
class Clock:
    now: int

    def now_ms(self) -> int:
        return self.now


def open_source(path: Path, now_ms: int) -> tuple[SqliteStateStore, RiskContextSource]:
    store = SqliteStateStore(path)
    store.open()
    source = RiskContextSource(
        ledger=Ledger(D(1000)),
        marks=Marks(),
        store=store,
        clock=Clock(now_ms),  # type: ignore[arg-type]
        limits=LIMITS,
        kill_switch=False,
        max_mark_staleness_ms=60_000,
        protections=P,
    )
    return store, source


def refusal(source: RiskContextSource, symbol: str = BTC) -> str:
    request = OrderRequest("c1", symbol, Side.BUY, OrderType.MARKET, D("0.1"))
    verdict = PreTradeRisk(LIMITS).check(request, source.context())
    return "ok" if verdict.approved else verdict.reason


def test_breaker_counts_pauses_and_cooldowns_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    guard = ProtectionGuard(P)
    store, source = open_source(path, T0)
    # One losing stop-out: BTC cools down, the breaker counts one loss.
    source.keep(
        guard.step(source.state, now_ms=T0, equity=D(1000), closes=[TradeClose(BTC, T0, D(-5))])
    )
    store.close()

    store, source = open_source(path, T0 + 1)
    assert source.state.guards.breaker.losses_in_a_row == 1
    assert refusal(source).startswith(f"symbol_cooldown: {BTC} is cooling down")
    assert refusal(source, ETH) == "ok"
    # A second loss, counted on top of the restored one, trips the breaker.
    close = TradeClose(ETH, T0 + 2, D(-1), exit_kind="take_profit")
    source.keep(guard.step(source.state, now_ms=T0 + 2, equity=D(1000), closes=[close]))
    store.close()

    store, source = open_source(path, T0 + 3)
    assert source.state.guards.breaker.paused_until_ms == T0 + 2 + 2 * HOUR
    assert refusal(source, ETH).startswith("circuit_breaker: 2 losing trades in a row")
    store.close()
    # Once the pause and the cooldown are over, entries pass again.
    store, source = open_source(path, T0 + 2 + 2 * HOUR)
    assert refusal(source) == "ok"
    store.close()


def test_the_drawdown_halt_survives_a_restart_until_a_person_clears_it(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    store, source = open_source(path, T0)
    source.keep(attrs.evolve(source.state, drawdown=Drawdown(peak=D(1250))))
    # The ledger's equity is 1000: 20% below the stored peak. The context halts, stored first.
    assert refusal(source).startswith("drawdown_halt: drawdown 20.00%")
    store.close()

    store, source = open_source(path, T0 + 10 * HOUR)
    assert "drawdown 20.00%" in source.state.guards.halt
    assert refusal(source).startswith("drawdown_halt:")
    # What `perps-bot risk clear --drawdown-halt` does: lifted, stored, and the peak restarts.
    source.keep(clear(source.state, drawdown_halt=True))
    store.close()

    store, source = open_source(path, T0 + 11 * HOUR)
    assert source.state.guards.halt == ""
    assert refusal(source) == "ok"
    store.close()
