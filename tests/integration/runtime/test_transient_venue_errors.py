"""A venue that is briefly unreachable costs cycles, not the run: the dev replay against the real
sim broker, wrapped so some of its answers fail as a network error would."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from dependency_injector import providers

from bot_v2.domain.errors import AuthenticationFailed, BotError, ExchangeUnavailable, VenueBanned
from bot_v2.domain.fills import Fill
from bot_v2.orchestration.builders import PerpsBotBuilder, make_container
from bot_v2.orchestration.config import load_config


class FlakyBroker:
    """Forwards to the real broker; fetch_fills fails on the calls listed in `fail_on`."""

    def __init__(self, inner: Any, fail_on: set[int], error: BotError) -> None:
        self._inner = inner
        self._fail_on = fail_on
        self._error = error
        self.fill_calls = 0
        # What `watch` said at each fetch_fills call, by call number (set once the bot exists).
        self.watch: Any = None
        self.seen: dict[int, Any] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def account_version(self) -> int | None:
        return None  # always ask, so the failures below are reached

    # A venue over the network: asked for its fills, never handing them over as the sim does
    # (ports.account_news; None opts out of the Protocol), so the failures below are reached.
    take_account_news = None

    async def fetch_fills(self, symbols: Sequence[str], since_ms: int) -> list[Fill]:
        self.fill_calls += 1
        if self.watch is not None:
            self.seen[self.fill_calls] = self.watch()
        if self.fill_calls in self._fail_on:
            raise self._error
        fills: list[Fill] = await self._inner.fetch_fills(symbols, since_ms)
        return fills


def run_dev(
    tmp_path: Path, fail_on: set[int], error: BotError, cycles: int, watch: bool = False
) -> tuple[Any, Any, FlakyBroker]:
    loaded = load_config(
        "dev",
        None,
        {},
        [f"bot.data_dir={tmp_path}", "monitoring.http_port=0", "replay.pace_ms=0"],
    )
    container = make_container(loaded.config, loaded.secrets, tmp_path)
    flaky = FlakyBroker(container.broker(), fail_on, error)
    container.broker.override(providers.Object(flaky))
    bot = PerpsBotBuilder(container, write=lambda _line: None).build()
    if watch:
        flaky.watch = lambda: bot.reduce_only
    return bot, asyncio.run(bot.run(cycles)), flaky


def test_unreachable_venue_skips_cycles_and_loses_no_fill(tmp_path: Path) -> None:
    bot, summary, flaky = run_dev(tmp_path, {40, 41, 42, 300}, ExchangeUnavailable("timeout"), 1500)
    assert bot.stop_reason == "--cycles 1500 reached"
    assert bot.cycle_count == 1500  # skipped cycles are not counted; the run went on past them
    venue_fills = asyncio.run(flaky._inner.fetch_fills(("BTC/USDT:USDT", "ETH/USDT:USDT"), 0))
    assert summary.trades > 0
    assert len(venue_fills) > 0
    with contextlib.closing(sqlite3.connect(tmp_path / "state.db")) as db:
        stored = db.execute("SELECT COUNT(*) FROM fills").fetchone()
    assert stored[0] == len(venue_fills)
    metrics = container_metrics(bot)
    assert 'perps_errors_total{kind="venue_unavailable"} 4.0' in metrics


def container_metrics(bot: Any) -> str:
    body, _ = bot._lifecycle.monitor.metrics_text()
    return str(body.decode())


def test_authentication_failure_stops_the_run(tmp_path: Path) -> None:
    # An authentication failure must stop the bot.
    with pytest.raises(AuthenticationFailed, match="bad key"):
        run_dev(tmp_path, {5}, AuthenticationFailed("bad key"), 200)


def test_a_venue_ban_is_reduce_only_until_it_lifts_and_alerts(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ban = VenueBanned("binanceusdm fetch_fills: 418 banned", until_ms=1)
    bot, _, flaky = run_dev(tmp_path, {40, 41}, ban, 120, watch=True)
    assert bot.stop_reason == "--cycles 120 reached"
    assert bot.cycle_count == 120
    # Not reduce-only before the ban; reduce-only while it lasts; lifted by the first cycle that
    # completes (the broker refuses every call until the ban ends), and never stored.
    assert not flaky.seen[40] and flaky.seen[41] and flaky.seen[42]
    assert not flaky.seen[43] and not bot.reduce_only
    with contextlib.closing(sqlite3.connect(tmp_path / "state.db")) as db:
        kept = db.execute("SELECT value FROM meta WHERE key = 'risk_state'").fetchone()
        journal = db.execute(
            "SELECT kind FROM events WHERE kind LIKE 'venue_%' ORDER BY rowid"
        ).fetchall()
    assert kept is None or "venue ban" not in kept[0]
    # Journaled once when it began and once when it lifted: what the alerts announce.
    assert [k for (k,) in journal] == ["venue_ban", "venue_ban_lifted"]
    assert 'perps_errors_total{kind="venue_banned"} 2.0' in container_metrics(bot)
    alerts = [r for r in caplog.records if "ALERT" in r.getMessage() and "banned" in r.getMessage()]
    assert len(alerts) == 1
