"""`perps-bot [run] --profile P`: lock the data directory, build the bot, run it until the replay
ends, --cycles, Ctrl-C or SIGTERM, then print the summary. A second Ctrl-C or SIGTERM ends the
process at once."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import shutil
import signal
import sys
import time
from pathlib import Path

from bot_v2.adapters.storage.lock import DataDirLock
from bot_v2.adapters.storage.sqlite.preflight import check_state_file
from bot_v2.cli.logs import run_logs
from bot_v2.domain.errors import StateError
from bot_v2.features.live_trade.performance import RunSummary, format_summary
from bot_v2.orchestration.api_factories import refuse_open_api
from bot_v2.orchestration.builders import PerpsBotBuilder, make_container
from bot_v2.orchestration.config import LoadedConfig, require_secrets, resolve_data_dir
from bot_v2.orchestration.config.credentials import redact
from bot_v2.orchestration.factories import state_path
from bot_v2.orchestration.runtime.perps_bot import PerpsBot

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cycles", type=int, default=None, help="stop after N cycles")


def _fresh_state_for_memory_sim(loaded: LoadedConfig, data_dir: Path) -> None:
    """An in-memory sim exchange starts empty every run, so the run's state must too. The previous
    run's database is kept beside it, not deleted."""
    sim = loaded.config.broker
    if sim.kind != "sim" or sim.sim.state_path:
        return
    state = data_dir / "state.db"
    if not state.exists():
        return
    try:
        for suffix in ("", "-wal", "-shm"):
            old = Path(f"{state}{suffix}")
            if old.exists():
                shutil.move(old, data_dir / f"previous-run.db{suffix}")
    except OSError as exc:
        raise StateError(
            f"cannot move the previous run's {state} aside: {exc.strerror or exc}"
        ) from None


async def _run(bot: PerpsBot, cycles: int | None) -> RunSummary:
    """The first Ctrl-C or SIGTERM asks the bot to stop: its sleeps end at once, the current step
    finishes, the closing sync runs and the summary is printed. A second one ends the process now,
    skipping all that: safe, because every order's intent is committed before it is sent, so the
    next start reconciles whatever was in flight, as after a crash."""
    loop = asyncio.get_running_loop()
    received: list[signal.Signals] = []

    def on_signal(sig: signal.Signals) -> None:
        received.append(sig)
        if len(received) == 1:
            print(
                f"perps-bot: {sig.name}: stopping after the current step "
                "(a second Ctrl-C or SIGTERM stops at once)",
                file=sys.stderr,
                flush=True,
            )
            bot.request_stop(f"signal {sig.name}")
            return
        print(
            f"perps-bot: second signal ({sig.name}): stopping now without the closing sync; "
            "the next start reconciles with the venue",
            file=sys.stderr,
            flush=True,
        )
        sys.stdout.flush()
        os._exit(128 + sig.value)

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, on_signal, signal.Signals(sig))
    return await bot.run(cycles)


def run(loaded: LoadedConfig, cycles: int | None) -> int:
    require_secrets(loaded)
    refuse_open_api(loaded.config, os.environ)
    data_dir = resolve_data_dir(loaded.config)
    # One bot per data directory, for the whole run: a second one is refused before it reads or
    # moves anything. The kernel drops the lock however this process ends. The log file opens once
    # the lock is ours and the state passed its check: a refused start writes nothing, not even a
    # log line.
    lock = DataDirLock(data_dir)
    lock.acquire(announce=False)
    try:
        _fresh_state_for_memory_sim(loaded, data_dir)
        # A database the bot must not use is refused here, before the lock file, the database or
        # anything beside it is written: a refused start leaves the directory as it found it.
        check_state_file(state_path(data_dir))
        lock.announce()
        with run_logs(loaded.config.logging, data_dir, loaded.secrets) as log_file:
            return _run_locked(loaded, cycles, data_dir, log_file)
    finally:
        lock.release()


def _run_locked(
    loaded: LoadedConfig, cycles: int | None, data_dir: Path, log_file: Path | None
) -> int:
    log.info("perps-bot %s starting (pid %d) in %s", loaded.config.profile, os.getpid(), data_dir)
    container = make_container(loaded.config, loaded.secrets, data_dir)
    bot = PerpsBotBuilder(container, write=lambda line: print(line, flush=True)).build()
    started = time.monotonic()
    alerts = container.alerts()
    try:
        summary = asyncio.run(_run(bot, cycles))
    except Exception as exc:
        if alerts is not None:
            alerts.fatal(exc, int(time.time() * 1000), lambda text: redact(text, loaded.secrets))
        raise
    finally:
        if alerts is not None:
            # What is queued (the last fills, a fatal error) is delivered, for a few seconds.
            alerts.close()
    elapsed = time.monotonic() - started
    stopped = f"stopped: {bot.stop_reason} after {bot.cycle_count} cycles in {elapsed:.1f}s"
    log.info("%s\n%s", stopped, format_summary(summary))
    print(f"\n{stopped}")
    print(format_summary(summary))
    print(f"state: {data_dir / 'state.db'}")
    if log_file is not None:
        print(f"log:   {log_file}")
    return 0
