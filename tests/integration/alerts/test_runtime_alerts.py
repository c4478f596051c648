"""Alerts from a running bot: the dev replay on the real container (sim exchange, SQLite store,
operator API) with alerts on, delivering to a loopback webhook receiver. The journal's positions
arrive as alerts; a receiver that keeps failing or hangs never stops or slows the cycles into
failure, and /health reports the notifier degraded (with the reason) while answering 200."""

from __future__ import annotations

import asyncio
import contextlib
import re
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
from dependency_injector import providers

from bot_v2.domain.errors import RateLimited, VenueBanned
from bot_v2.domain.fills import Fill
from bot_v2.monitoring.reports import CycleReport
from bot_v2.orchestration.builders import PerpsBotBuilder, make_container
from bot_v2.orchestration.config import load_config
from bot_v2.orchestration.container import Container
from tests.alertloopback import Receiver, Reply, server_error
from tests.alertloopback.receivers import WEBHOOK_PATH
from tests.integration.runtime.test_transient_venue_errors import FlakyBroker


def alerting_container(tmp_path: Path, receiver: Receiver, *overrides: str) -> Container:
    loaded = load_config(
        "dev",
        None,
        {"PERPS_WEBHOOK_URL": receiver.url},
        [
            f"bot.data_dir={tmp_path}",
            "monitoring.http_port=0",
            "replay.pace_ms=0",
            'alerts.notifiers=["webhook"]',
            "alerts.rate_limit_per_min=600",
            "alerts.queue_size=1000",
            *overrides,
        ],
    )
    return make_container(loaded.config, loaded.secrets, tmp_path)


def kinds(receiver: Receiver) -> list[str]:
    return [r.body["kind"] for r in receiver.delivered()]


def test_positions_opened_and_closed_in_a_replay_arrive_at_the_webhook(tmp_path: Path) -> None:
    with Receiver("webhook").running() as receiver:
        container = alerting_container(tmp_path, receiver)
        bot = PerpsBotBuilder(container, write=lambda _: None).build()
        asyncio.run(bot.run(150))
        alerts = container.alerts()
        assert alerts is not None
        alerts.close(30)
    got = kinds(receiver)
    assert "position_opened" in got and "position_closed" in got
    assert "daily_summary" in got  # 150 hourly candles cross several UTC midnights
    opened = next(r.body for r in receiver.delivered() if r.body["kind"] == "position_opened")
    assert opened["source"] == "perps-dev (dev)"
    assert opened["fields"]["symbol"] in ("BTC/USDT:USDT", "ETH/USDT:USDT")
    assert opened["at"].startswith("2024-01-")  # the replay's clock, not the wall clock
    # What the store journaled as fills is what was announced: one opened per stored opening.
    assert got.count("position_opened") >= got.count("position_closed") >= 1


def test_a_failing_receiver_degrades_health_and_the_bot_keeps_cycling(tmp_path: Path) -> None:
    seen: list[tuple[int, dict[str, Any]]] = []
    with Receiver("webhook").running() as receiver:
        receiver.fail_always(server_error(503))
        container = alerting_container(
            tmp_path, receiver, "alerts.max_attempts=2", "alerts.backoff_s=0.001",
            "alerts.backoff_max_s=0.002",
        )  # fmt: skip
        monitor = container.monitor()

        def observe(report: CycleReport) -> None:
            # Over HTTP, from the running bot, once the first alert has failed for good.
            if not seen and monitor.health()[1]["alerts"]["notifiers"]["webhook"]["failed"]:
                response = httpx.get(f"{container.api().address}/health", timeout=5)
                seen.append((response.status_code, response.json()))
                metrics = httpx.get(f"{container.api().address}/metrics", timeout=5).text
                seen.append((0, {"metrics": metrics}))

        bot = PerpsBotBuilder(container, write=lambda _: None, observers=[observe]).build()
        asyncio.run(bot.run(150))
        assert bot.cycle_count == 150
        alerts = container.alerts()
        assert alerts is not None
        alerts.close(1)
    assert len(receiver.requests) >= 2
    assert seen, "no alert failed during the run"
    (code, doc), (_, metrics) = seen
    assert code == 200 and doc["status"] == "ok"
    section = doc["alerts"]
    assert section["status"] == "degraded"
    assert section["reasons"][0].startswith("webhook failing: webhook: HTTP 503")
    assert section["notifiers"]["webhook"]["failing"] is True
    assert WEBHOOK_PATH not in str(doc) and WEBHOOK_PATH not in metrics["metrics"]
    assert re.search(
        r'^perps_alerts_failed_total\{notifier="webhook"\} [1-9]', metrics["metrics"], re.M
    )


def test_a_hung_receiver_does_not_hold_up_the_cycles(tmp_path: Path) -> None:
    with Receiver("webhook").running() as receiver:
        receiver.fail_always(Reply(200, {}, delay_s=290))
        container = alerting_container(tmp_path, receiver, "alerts.timeout_s=300")
        bot = PerpsBotBuilder(container, write=lambda _: None).build()
        asyncio.run(bot.run(150))
        # Every cycle ran while the first send was still waiting for its answer.
        assert bot.cycle_count == 150
        assert len(receiver.requests) == 1
        alerts = container.alerts()
        assert alerts is not None
        status = alerts.dispatcher.status()["notifiers"]["webhook"]
        assert status["sent"] == 0 and status["queued"] > 0
        alerts.close(0.5)  # gives up on the hung send


def test_a_position_near_liquidation_alerts_once_until_it_recovers(tmp_path: Path) -> None:
    # 5x on the whole account: entries start about 19.5% from their estimated liquidation, so a
    # 19% threshold is crossed (and left again) as the replay's prices move.
    with Receiver("webhook").running() as receiver:
        container = alerting_container(
            tmp_path, receiver, "strategy.leverage=5", "strategy.position_fraction=1",
            "alerts.liquidation_distance_pct=0.19",
        )  # fmt: skip
        bot = PerpsBotBuilder(container, write=lambda _: None).build()
        asyncio.run(bot.run(300))
        alerts = container.alerts()
        assert alerts is not None
        alerts.close(30)
    with contextlib.closing(sqlite3.connect(tmp_path / "state.db")) as db:
        journal = db.execute(
            "SELECT kind, detail FROM events WHERE kind LIKE 'liquidation_distance%' ORDER BY rowid"
        ).fetchall()
    delivered = [
        r.body for r in receiver.delivered() if r.body["kind"].startswith("liquidation_distance")
    ]
    # Every journaled crossing arrived, once, in order, and nothing else of its kind.
    assert [(b["kind"], b["text"]) for b in delivered] == journal
    assert [b["kind"] for b in delivered].count("liquidation_distance") >= 2
    assert "liquidation_distance_recovered" in [b["kind"] for b in delivered]
    first = delivered[0]
    assert first["severity"] == "critical"
    assert first["title"] == "liquidation distance below its threshold"
    assert "alerts.liquidation_distance_pct: below 19.00%" in first["text"]
    # Once per position: a symbol is told again only after it recovered, or after a fill moved it
    # (closed, flipped or opened anew: position alerts arrive in between).
    told: dict[str, str] = {}
    for body in receiver.delivered():
        symbol = body.body["text"].split(": ", 1)[0]  # "BTC/USDT:USDT: long 1 ..."
        kind = body.body["kind"]
        if kind == "liquidation_distance":
            assert told.get(symbol) != "below", body.body["text"]
            told[symbol] = "below"
        elif kind in ("liquidation_distance_recovered", "position_closed", "position_opened"):
            told[symbol] = kind


class BanThenRateLimit(FlakyBroker):
    """fetch_fills refused as banned on some calls, then rate-limited on later ones."""

    def __init__(self, inner: Any, banned: set[int], limited: set[int]) -> None:
        super().__init__(inner, banned | limited, VenueBanned("binanceusdm: 418 banned", 1))
        self._limited = limited

    async def fetch_fills(self, symbols: Sequence[str], since_ms: int) -> list[Fill]:
        if self.fill_calls + 1 in self._limited:
            self._error = RateLimited("binanceusdm: 429 too many requests")
        return await super().fetch_fills(symbols, since_ms)


def test_a_venue_ban_and_a_rate_limit_alert_once_each(tmp_path: Path) -> None:
    with Receiver("webhook").running() as receiver:
        container = alerting_container(tmp_path, receiver)
        flaky = BanThenRateLimit(container.broker(), {40, 41, 42}, {80, 81, 82, 83})
        container.broker.override(providers.Object(flaky))
        bot = PerpsBotBuilder(container, write=lambda _: None).build()
        asyncio.run(bot.run(120))
        alerts = container.alerts()
        assert alerts is not None
        alerts.close(30)
    venue = [r.body for r in receiver.delivered() if r.body["kind"].startswith("venue_")]
    assert [b["kind"] for b in venue] == ["venue_ban", "venue_ban_lifted", "venue_rate_limited"]
    assert venue[0]["severity"] == "critical" and venue[2]["severity"] == "warning"
    assert "418 banned" in venue[0]["text"]
    assert "429 too many requests" in venue[2]["text"]
