"""/health and /metrics tell the truth about trading, read over HTTP from the running bot: the dev
replay on the real container and sim exchange, the exchange wrapped so it can go down (as a
network error would) or hold a resting limit order someone placed by hand."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from dependency_injector import providers

from bot_v2.domain.errors import ExchangeUnavailable
from bot_v2.domain.fills import Fill
from bot_v2.domain.orders import Order, OrderRequest, OrderType, Side
from bot_v2.monitoring.reports import CycleReport
from bot_v2.orchestration.builders import PerpsBotBuilder, make_container
from bot_v2.orchestration.config import load_config
from bot_v2.orchestration.container import Container

BTC = "BTC/USDT:USDT"


def dev_container(tmp_path: Path, *overrides: str) -> Container:
    loaded = load_config(
        "dev",
        None,
        {},
        [f"bot.data_dir={tmp_path}", "monitoring.http_port=0", "replay.pace_ms=0", *overrides],
    )
    return make_container(loaded.config, loaded.secrets, tmp_path)


def health(container: Container) -> tuple[int, dict[str, Any]]:
    response = httpx.get(f"{container.api().address}/health", timeout=5)
    return response.status_code, response.json()


def metric(container: Container, name: str) -> float:
    text = httpx.get(f"{container.api().address}/metrics", timeout=5).text
    match = re.search(rf"^{name} (\S+)$", text, re.MULTILINE)
    assert match, f"no {name} in /metrics"
    return float(match.group(1))


class FailingVenue:
    """The sim broker; while `down` > 0 each fill lookup (the first venue call of every cycle)
    fails as an unreachable venue does, after /health was read."""

    def __init__(self, inner: Any, container: Container) -> None:
        self._inner = inner
        self._container = container
        self.down = 0
        self.seen_before_failures: list[tuple[int, dict[str, Any]]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def account_version(self) -> int | None:
        return None  # always ask, so every cycle reaches the failure

    # A venue over the network: asked for its fills, never handing them over as the sim does
    # (ports.account_news; None opts out of the Protocol), so every cycle reaches the failure.
    take_account_news = None

    async def fetch_fills(self, symbols: Sequence[str], since_ms: int) -> list[Fill]:
        if self.down > 0:
            self.seen_before_failures.append(health(self._container))
            self.down -= 1
            raise ExchangeUnavailable("venue down (HTTP 503)")
        fills: list[Fill] = await self._inner.fetch_fills(symbols, since_ms)
        return fills


def test_health_turns_503_after_three_failed_cycles_and_recovers(tmp_path: Path) -> None:
    container = dev_container(tmp_path)
    venue = FailingVenue(container.broker(), container)
    container.broker.override(providers.Object(venue))
    after_cycle: dict[int, tuple[int, dict[str, Any]]] = {}
    failed_gauge: list[float] = []

    def observe(report: CycleReport) -> None:
        after_cycle[report.cycle] = health(container)
        if report.cycle == 30:
            venue.down = 5
        if report.cycle == 31:
            failed_gauge.append(metric(container, "perps_failed_cycles_in_a_row"))

    bot = PerpsBotBuilder(container, write=lambda _: None, observers=[observe]).build()
    asyncio.run(bot.run(40))

    assert all(code == 200 for code, _ in after_cycle.values()), "healthy while cycles complete"
    before = venue.seen_before_failures
    # Read before failures 1..5: after 0, 1, 2 failed cycles healthy; after 3 and 4, not.
    assert [code for code, _ in before] == [200, 200, 200, 503, 503]
    doc = before[3][1]
    assert doc["status"] == "unhealthy" and doc["failed_cycles_in_a_row"] == 3
    assert doc["unhealthy_reasons"] == [
        "3 cycles in a row failed; last: ExchangeUnavailable: venue down (HTTP 503)"
    ]
    # The first cycle that completes again makes it healthy.
    assert after_cycle[31][0] == 200 and after_cycle[31][1]["failed_cycles_in_a_row"] == 0
    assert failed_gauge == [0.0]


def test_health_threshold_is_configured(tmp_path: Path) -> None:
    container = dev_container(tmp_path, "monitoring.unhealthy_after_failed_cycles=1")
    venue = FailingVenue(container.broker(), container)
    container.broker.override(providers.Object(venue))

    def observe(report: CycleReport) -> None:
        if report.cycle == 5:
            venue.down = 2

    bot = PerpsBotBuilder(container, write=lambda _: None, observers=[observe]).build()
    asyncio.run(bot.run(8))
    assert [code for code, _ in venue.seen_before_failures] == [200, 503]


class VenueWithAManualOrder:
    """The sim broker, on which someone places a resting limit order by hand before the bot's
    first look at the venue, and cancels it when `cancel` is set."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.placed = False
        self.cancel = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def fetch_open_orders(self, symbols: Sequence[str]) -> list[Order]:
        if not self.placed:
            self.placed = True
            far_below = OrderRequest(
                "manual-1", BTC, Side.BUY, OrderType.LIMIT, Decimal("0.01"), Decimal(1000)
            )
            await self._inner.submit_order(far_below)
        if self.cancel:
            self.cancel = False
            await self._inner.cancel_order(BTC, "manual-1")
        orders: list[Order] = await self._inner.fetch_open_orders(symbols)
        return orders


def test_open_orders_are_the_ones_resting_on_the_venue(tmp_path: Path) -> None:
    # A pass every cycle (the dev profile checks once a replayed day).
    container = dev_container(
        tmp_path, "reconciliation.unknown_orders=adopt", "reconciliation.interval_s=3600"
    )
    venue = VenueWithAManualOrder(container.broker())
    container.broker.override(providers.Object(venue))
    seen: dict[int, tuple[int, float, int]] = {}

    def observe(report: CycleReport) -> None:
        _, doc = health(container)
        seen[report.cycle] = (
            report.open_orders,
            metric(container, "perps_open_orders"),
            doc["open_orders"],
        )
        if report.cycle == 10:
            venue.cancel = True

    bot = PerpsBotBuilder(container, write=lambda _: None, observers=[observe]).build()
    asyncio.run(bot.run(20))
    assert seen[1] == (1, 1.0, 1), "the adopted resting limit order is counted"
    assert seen[10] == (1, 1.0, 1)
    assert seen[11] == (0, 0.0, 0), "cancelled on the venue: gone after the next pass"
