"""`perps-bot risk show` and `perps-bot risk clear`: the risk state a restart keeps (the UTC day and
its starting equity, the day's halt, the equity peak and drawdown, a reduce-only or kill switch set
at run time, the drawdown halt, the circuit breaker and the stop-out cooldowns), read from the data directory's state file, and lifted by hand. Both take the data
directory's lock, so they refuse while a bot runs there; neither creates a state file."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from bot_v2.adapters.storage.lock import DataDirLock
from bot_v2.adapters.storage.sqlite.store import SqliteStateStore
from bot_v2.domain.errors import ConfigError, StateError
from bot_v2.features.live_trade.risk.state import DAY_MS, RiskState, clear
from bot_v2.features.live_trade.risk.state_keeper import RiskStateKeeper
from bot_v2.orchestration.config import LoadedConfig, resolve_data_dir
from bot_v2.orchestration.factories import state_path

SWITCHES = (
    "day_halt",
    "reduce_only",
    "kill_switch",
    "paused",
    "drawdown_halt",
    "breaker",
    "cooldowns",
)


def add_clear_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--day-halt",
        action="store_true",
        help="lift the day's daily-loss halt; the day starts again from the equity at the next cycle",
    )
    parser.add_argument(
        "--reduce-only", action="store_true", help="lift reduce-only set at run time"
    )
    parser.add_argument("--kill-switch", action="store_true", help="lift the kill switch")
    parser.add_argument(
        "--paused", action="store_true", help="resume entries paused by an operator"
    )
    parser.add_argument(
        "--drawdown-halt",
        action="store_true",
        help="resume after the drawdown halt; the equity peak starts again at the next cycle",
    )
    parser.add_argument(
        "--breaker", action="store_true", help="end the circuit breaker's pause and its counts"
    )
    parser.add_argument(
        "--cooldowns", action="store_true", help="end every symbol's stop-out cooldown"
    )


def run(loaded: LoadedConfig, args: argparse.Namespace) -> int:
    asked = {name: bool(getattr(args, name, False)) for name in SWITCHES}
    if args.risk_command == "clear" and not any(asked.values()):
        raise ConfigError(
            [
                "risk clear: name what to lift: --day-halt, --reduce-only, --kill-switch, "
                "--paused, --drawdown-halt, --breaker, --cooldowns"
            ]
        )
    data_dir = resolve_data_dir(loaded.config)
    path = state_path(data_dir)
    missing = StateError(f"no state at {path}: nothing is held (check --profile and bot.data_dir)")
    if not data_dir.is_dir():
        raise missing
    with DataDirLock(data_dir):
        # Looked for under the lock: a bot starting meanwhile is refused, not half-seen.
        if not path.exists():
            raise missing
        store = SqliteStateStore(path)
        store.open()
        try:
            keeper = RiskStateKeeper(store)
            if args.risk_command == "clear":
                before = keeper.state
                if keeper.update(clear(before, **asked)):
                    lifted = ", ".join(n for n in SWITCHES if asked[n])
                    store.record_event(store.watermark_ms(), "risk_cleared", f"{lifted} by hand")
                    print(f"cleared: {lifted}")
                else:
                    print("nothing to clear")
            print(describe(keeper.state))
        finally:
            store.close()
    return 0


def describe(state: RiskState) -> str:
    day = (
        "-"
        if state.day is None
        else datetime.fromtimestamp(state.day * DAY_MS / 1000, UTC).date().isoformat()
    )
    d = state.drawdown
    rows = [
        ("day (UTC)", day),
        ("day start equity", f"{state.day_start_equity:,.2f}" if state.day is not None else "-"),
        ("day halt", state.day_halt or "-"),
        ("equity peak", "-" if d.peak is None else f"{d.peak:,.2f}"),
        ("max drawdown", f"{d.max_drawdown * 100:.2f}% ({d.max_drawdown_abs:,.2f})"),
        ("reduce-only", state.reduce_only or "-"),
        ("kill switch", state.kill_switch or "-"),
        ("paused", state.paused or "-"),
        *_guard_rows(state),
    ]
    width = max(len(label) for label, _ in rows)
    return "\n".join(f"{label:<{width}}  {value}" for label, value in rows)


def _guard_rows(state: RiskState) -> list[tuple[str, str]]:
    g = state.guards
    b = g.breaker
    paused = "-"
    if b.paused_until_ms:
        until = datetime.fromtimestamp(b.paused_until_ms / 1000, UTC).isoformat()
        paused = f"until {until}: {b.reason}"
    cooling = ", ".join(
        f"{c.symbol} until {datetime.fromtimestamp(c.until_ms / 1000, UTC).isoformat()}"
        for c in g.cooldowns
    )
    return [
        ("drawdown halt", g.halt or "-"),
        ("breaker pause", paused),
        ("losses in a row", str(b.losses_in_a_row)),
        ("cooldowns", cooling or "-"),
    ]
