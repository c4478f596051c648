"""The protections as an operator meets them on the command line: a stored drawdown halt shows in
`risk show`, refuses an opening order in `orders preview` (read-only, the file is not changed), and
`risk clear --drawdown-halt` lifts it; a stored breaker pause and cooldown likewise."""

from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import attrs

from bot_v2.adapters.storage.sqlite.store import SqliteStateStore
from bot_v2.features.live_trade.risk.protections import Breaker, Cooldown, GuardState
from bot_v2.features.live_trade.risk.state import RiskState
from bot_v2.features.live_trade.risk.state_keeper import RiskStateKeeper, load_risk_state

BIN = Path(sys.executable).parent / "perps-bot"
HALT = "drawdown 21.00% from the equity peak reached protections.max_drawdown_pct 20.00%"


def cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PERPS")}
    return subprocess.run(
        [str(BIN), *args, "--profile", "dev", "--set", f"bot.data_dir={tmp_path}"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )


def store_state(tmp_path: Path, state: RiskState) -> None:
    store = SqliteStateStore(tmp_path / "state.db")
    store.open()
    try:
        RiskStateKeeper(store).update(state)
    finally:
        store.close()


def stored(tmp_path: Path) -> RiskState:
    store = SqliteStateStore(tmp_path / "state.db")
    store.open()
    try:
        return load_risk_state(store)
    finally:
        store.close()


def preview(tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return cli(
        tmp_path, "orders", "preview", "--symbol", "BTCUSDT", "--side", "buy", "--size", "0.01"
    )


def test_a_stored_drawdown_halt_is_shown_previewed_and_cleared_by_hand(tmp_path: Path) -> None:
    store_state(tmp_path, RiskState(guards=GuardState(halt=HALT)))
    before = (tmp_path / "state.db").read_bytes()

    shown = cli(tmp_path, "risk", "show")
    assert shown.returncode == 0, shown.stderr
    assert f"drawdown halt     {HALT}" in shown.stdout

    refused = preview(tmp_path)
    assert refused.returncode == 1
    assert f"REJECT    drawdown_halt: {HALT}" in refused.stdout
    assert (tmp_path / "state.db").read_bytes() == before  # the preview only read it

    cleared = cli(tmp_path, "risk", "clear", "--drawdown-halt")
    assert cleared.returncode == 0, cleared.stderr
    assert "cleared: drawdown_halt" in cleared.stdout
    assert stored(tmp_path).guards.halt == ""
    passed = preview(tmp_path)
    assert passed.returncode == 0, passed.stdout
    assert "pass      drawdown_halt" in passed.stdout


def test_a_stored_breaker_pause_and_cooldown_refuse_until_cleared(tmp_path: Path) -> None:
    guards = GuardState(
        breaker=Breaker(3, (), 2**62, "3 losing trades in a row (protections.breaker_losses 3)"),
        cooldowns=(Cooldown("BTC/USDT:USDT", 2**62, "stopped out at 1 (net -5.00)"),),
    )
    store_state(tmp_path, RiskState(guards=guards))
    refused = preview(tmp_path)
    assert "REJECT    circuit_breaker: 3 losing trades in a row" in refused.stdout
    assert "REJECT    symbol_cooldown: BTC/USDT:USDT is cooling down" in refused.stdout

    cleared = cli(tmp_path, "risk", "clear", "--breaker", "--cooldowns")
    assert cleared.returncode == 0, cleared.stderr
    assert stored(tmp_path) == attrs.evolve(RiskState(), guards=GuardState())
    assert preview(tmp_path).returncode == 0


def test_a_state_stored_before_the_protections_loads_with_none_of_them(tmp_path: Path) -> None:
    old = (
        '{"day": 19700, "day_halt": "", "day_start_equity": "1000", "deepest": "0", '
        '"kill_switch": "", "max_drawdown": "0.1", "max_drawdown_abs": "100", "peak": "1000", '
        '"reduce_only": ""}'
    )
    store = SqliteStateStore(tmp_path / "state.db")
    store.open()
    store.set_meta("risk_state", old)
    store.close()
    state = stored(tmp_path)
    assert state.guards == GuardState()
    assert state.drawdown.peak == Decimal(1000) and state.day == 19700
