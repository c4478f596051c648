"""The crash-test rig: the real `perps-bot` as a subprocess on a short slice of the bundled 2024
market, trading on a sim exchange that keeps its state in its own file (so it outlives the bot,
like a real venue), killed with SIGKILL and restarted; and the invariants checked after each
restart by reading both files."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

import attrs

from bot_v2.adapters.brokers.sim.persistence import SimStateFile
from bot_v2.adapters.brokers.sim.state import ExchangeState
from bot_v2.adapters.replay.csv_files import resolve_path
from bot_v2.adapters.storage.sqlite.store import SqliteStateStore
from bot_v2.domain.orders import OrderType, Side
from bot_v2.features.live_trade.accounting import Ledger
from bot_v2.features.live_trade.protection.ids import is_own_protective
from bot_v2.features.live_trade.protection.keeper import ProtectionKeeper
from bot_v2.features.live_trade.risk.state_keeper import load_risk_state

BIN = Path(sys.executable).parent / "perps-bot"
SYMBOLS = {"BTC/USDT:USDT": "BTCUSDT", "ETH/USDT:USDT": "ETHUSDT"}
BOT_ID = "crash"


@attrs.frozen
class Rig:
    root: Path

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def state_db(self) -> Path:
        return self.data_dir / "state.db"

    @property
    def exchange_db(self) -> Path:
        return self.root / "exchange.db"

    @property
    def config(self) -> Path:
        return self.root / "crash.toml"

    @property
    def submit_log(self) -> Path:
        return self.root / "submitted.log"


def make_rig(root: Path, candles: int) -> Rig:
    """Config and a `candles`-hour slice of the bundled BTC and ETH data. Short averages and no
    confirmation make the baseline strategy trade often, so kills find orders in flight."""
    rig = Rig(root)
    root.mkdir(parents=True, exist_ok=True)
    lines = [
        'profile = "dev"',
        "[bot]",
        f'id = "{BOT_ID}"',
        f'data_dir = "{rig.data_dir}"',
        "[broker.sim]",
        f'state_path = "{rig.exchange_db}"',
        "[strategy.params]",
        "short_window = 3",
        "long_window = 8",
        "confirmation_bars = 0",
        "trailing_stop_pct = 0.02",
        "[monitoring]",
        "http_port = 0",
        "status_interval_s = 1000",
        "[replay.candles]",
    ]
    for symbol, venue in SYMBOLS.items():
        source = resolve_path(f"bundled:binance_usdm/1h/{venue}-1h-2024.csv")
        sliced = root / f"{venue}-1h.csv"
        with source.open() as f:
            sliced.write_text("".join(f.readline() for _ in range(candles + 1)))
        lines.append(f'"{symbol}" = "{sliced}"')
    rig.config.write_text("\n".join(lines) + "\n")
    return rig


def environment(**fault: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PERPS")}
    env.update(fault)
    return env


def bot_command(rig: Rig, pace_ms: int, *extra: str) -> list[str]:
    """The dev-profile bot on the rig's config at the given replay pace."""
    return [
        str(BIN),
        "--profile",
        "dev",
        "--config",
        str(rig.config),
        "--set",
        f"replay.pace_ms={pace_ms}",
        *extra,
    ]


def start(rig: Rig, pace_ms: int, log: Path, **fault: str) -> subprocess.Popen[bytes]:
    """A bot run with the test-only fault hooks (see orchestration/runtime/fault_pause.py)."""
    with log.open("ab") as out:
        return subprocess.Popen(
            bot_command(rig, pace_ms),
            stdout=out,
            stderr=subprocess.STDOUT,
            env=environment(PERPS_FAULT_SUBMIT_LOG=str(rig.submit_log), **fault),
            cwd=rig.root,
        )


def wait_for(proc: subprocess.Popen[bytes], log: Path, text: str, timeout_s: float) -> bool:
    """True once `text` is in the log; False when the process ended first."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if text in log.read_text(errors="replace"):
            return True
        if proc.poll() is not None:
            return text in log.read_text(errors="replace")
        time.sleep(0.005)
    raise AssertionError(f"waited {timeout_s}s for {text!r}:\n{log.read_text()[-3000:]}")


def kill(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


def reconcile_only(rig: Rig, log: Path) -> subprocess.CompletedProcess[bytes]:
    """A restart that reconciles and stops before its first cycle (`--cycles 0`)."""
    return subprocess.run(
        bot_command(rig, 0, "--cycles", "0"),
        capture_output=True,
        env=environment(PERPS_FAULT_SUBMIT_LOG=str(rig.submit_log)),
        cwd=rig.root,
        timeout=120,
    )


def exchange_state(rig: Rig, scratch: Path) -> ExchangeState:
    """The exchange's state, read from a copy so the check cannot touch the original."""
    scratch.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal"):
        part = Path(f"{rig.exchange_db}{suffix}")
        if part.exists():
            shutil.copy(part, scratch / f"exchange.db{suffix}")
    state = SimStateFile(scratch / "exchange.db").open()
    assert state is not None, "the exchange has no state yet"
    return state


def check_invariants(rig: Rig, scratch: Path) -> dict[str, int]:
    """Everything the issue promises after a restart; returns counts for the test's report."""
    venue = exchange_state(rig, scratch)
    store = SqliteStateStore(rig.state_db)
    store.open()
    try:
        # No client order id was ever sent twice, and every order on the venue was sent by us.
        sent = Counter(rig.submit_log.read_text().split()) if rig.submit_log.exists() else Counter()
        twice = sorted(coid for coid, n in sent.items() if n > 1)
        assert not twice, f"client order ids submitted twice: {twice}"
        assert set(venue.orders) <= set(sent), set(venue.orders) - set(sent)
        # Protective orders (stops, take-profits) are held apart from the order intents.
        protective = {c for c in sent if _protective(c)}
        plain = {c: o for c, o in venue.orders.items() if not o.type.is_conditional}
        assert not [c for c in plain if c in protective]

        # Every fill on the venue is in the store exactly once, as the venue has it.
        rows = store.db.execute("SELECT fill_id, source FROM fills").fetchall()
        assert not [r for r in rows if r[1] != "venue"], "reconciliation booked external fills"
        stored = {f.fill_id: f for f in store.load_fills()}
        assert len(stored) == len(rows)
        assert stored == {f.fill_id: f for f in venue.fills}
        assert {(p.symbol, p.timestamp_ms): p for p in store.load_funding()} == {
            (p.symbol, p.timestamp_ms): p for p in venue.funding
        }

        # Stored positions equal the venue's, size and entry.
        venue_positions = {
            s: (p.size, p.entry_price) for s, p in venue.positions.items() if p.size != 0
        }
        assert {
            s: (p.size, p.entry_price) for s, p in store.load_positions().items()
        } == venue_positions

        # Cash (and so equity at any marks, positions being equal) equals the venue's wallet.
        initial = store.get_meta("initial_balance")
        assert initial is not None
        ledger = Ledger(Decimal(initial))
        for f in stored.values():
            ledger.apply_fill(f)
        for p in store.load_funding():
            ledger.apply_funding(p)
        assert ledger.cash == venue.wallet, (ledger.cash, venue.wallet)
        assert dict(ledger.positions) == store.load_positions()

        # Every intent has a known outcome; the sent ones are exactly the venue's orders.
        assert store.load_pending_intents() == []
        outcomes = dict(store.db.execute("SELECT client_order_id, outcome FROM intents"))
        # Nothing reached the broker without its intent: the hook logs just before sending.
        assert set(sent) - protective <= set(outcomes), set(sent) - protective - set(outcomes)
        assert {c for c, o in outcomes.items() if o == "sent"} == set(plain)
        orders = {o.client_order_id: o for o in store.load_orders()}
        assert orders == {c: o.to_order() for c, o in plain.items()}

        # Every protective order open on the venue belongs to a position by a stored record, and
        # every open position has a stop on the venue for its whole size (or the bot is halted).
        records = _protection_records(store)
        open_stops = [
            o
            for o in venue.orders.values()
            if o.type.is_conditional and o.status.is_open and o.triggered_ms is None
        ]
        assert {o.client_order_id for o in open_stops} <= set(records), (open_stops, records)
        halted = bool(load_risk_state(store).reduce_only)
        for symbol, size in venue_positions.items():
            covering = [
                o
                for o in open_stops
                if o.symbol == symbol
                and o.type is OrderType.STOP_MARKET
                and o.side is (Side.SELL if size[0] > 0 else Side.BUY)
                and o.size >= abs(size[0])
            ]
            assert covering or halted, f"{symbol} {size[0]} has no stop on the venue"
        return {
            "orders": len(plain),
            "stops": len(protective),
            "fills": len(venue.fills),
            "never_sent": sum(1 for o in outcomes.values() if o == "never_sent"),
        }
    finally:
        store.close()


def _protective(client_order_id: str) -> bool:
    return any(is_own_protective(client_order_id, BOT_ID, symbol) for symbol in SYMBOLS)


def _protection_records(store: SqliteStateStore) -> dict[str, str]:
    """Client order id -> symbol of every stored protective order record."""
    return {
        r.client_order_id: r.symbol
        for held in ProtectionKeeper(store).held.values()
        for r in held.records
    }


def last_reconciliation(rig: Rig) -> str:
    db = sqlite3.connect(rig.state_db)
    try:
        row = db.execute(
            "SELECT detail FROM events WHERE kind='reconciliation' ORDER BY id DESC LIMIT 1"
        ).fetchone()
        return "" if row is None else str(row[0])
    finally:
        db.close()
