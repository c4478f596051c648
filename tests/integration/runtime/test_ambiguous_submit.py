"""An order whose submit got no answer is never sent again: the dev replay's real cycle against the
real sim exchange, seen through a venue whose read side lags. The first opening order is taken by
the exchange, then its answer is lost (OrderOutcomeUnknown); for some cycles lookups by client id,
open orders and the fill history do not show it, while the position already does. The bot must
keep the intent pending (never resend, that symbol reduce-only) until the evidence arrives, and
alert when it does not arrive in `reconciliation.pending_timeout_s`."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot_v2.domain.errors import OrderOutcomeUnknown
from bot_v2.domain.fills import Fill
from bot_v2.domain.orders import Order, OrderRequest
from bot_v2.monitoring.reports import CycleReport
from bot_v2.orchestration.builders import make_container
from bot_v2.orchestration.config import load_config
from tests.integration._observed import run_observed

HOUR_S = 3600


class LaggingVenue:
    """The sim exchange, except that the first opening order's answer is lost after the exchange
    took it, and the read side (lookups by id, open orders, fills) does not show that order until
    it has been looked up by client id `lag` times."""

    def __init__(self, inner: Any, lag: int) -> None:
        self.inner = inner
        self.lag = lag
        self.lost: OrderRequest | None = None
        self.submitted: list[OrderRequest] = []
        self.lookups = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def account_version(self) -> int | None:
        return None  # always ask: the sim's shortcut would skip the lagging reads

    # Nor the sim's hand-over of its fills (ports.account_news; None opts out of the Protocol):
    # a venue over the network is asked, and its lagging read side hides the lost order's fill.
    take_account_news = None

    def _hidden(self, client_order_id: str) -> bool:
        lost = self.lost
        return (
            lost is not None and client_order_id == lost.client_order_id and self.lookups < self.lag
        )

    async def submit_order(self, request: OrderRequest) -> Order:
        self.submitted.append(request)
        order: Order = await self.inner.submit_order(request)
        if self.lost is None and not request.reduce_only:
            self.lost = request
            raise OrderOutcomeUnknown(f"{request.client_order_id}: 503 after the venue took it")
        return order

    async def fetch_order(self, symbol: str, client_order_id: str) -> Order | None:
        if self.lost is not None and client_order_id == self.lost.client_order_id:
            self.lookups += 1
            if self.lookups <= self.lag:
                return None
        found: Order | None = await self.inner.fetch_order(symbol, client_order_id)
        return found

    async def fetch_open_orders(self, symbols: Sequence[str]) -> list[Order]:
        orders: list[Order] = await self.inner.fetch_open_orders(symbols)
        return [o for o in orders if not self._hidden(o.client_order_id)]

    async def fetch_fills(self, symbols: Sequence[str], since_ms: int) -> list[Fill]:
        fills: list[Fill] = await self.inner.fetch_fills(symbols, since_ms)
        return [f for f in fills if not self._hidden(f.client_order_id)]


def run_dev(
    tmp_path: Path, lag: int, timeout_s: int, cycles: int
) -> tuple[Any, LaggingVenue, list[CycleReport], list[dict[str, Any]]]:
    loaded = load_config(
        "dev",
        None,
        {},
        [
            f"bot.data_dir={tmp_path}",
            "monitoring.http_port=0",
            "replay.pace_ms=0",
            f"reconciliation.pending_timeout_s={timeout_s}",
        ],
    )
    c = make_container(loaded.config, loaded.secrets, tmp_path)
    venue = LaggingVenue(c.broker(), lag)
    bot, reports, health = run_observed(c, venue, cycles)
    return bot, venue, reports, health


def rows(tmp_path: Path, sql: str, *args: object) -> list[tuple[Any, ...]]:
    with contextlib.closing(sqlite3.connect(tmp_path / "state.db")) as db:
        return list(db.execute(sql, args))


def test_a_lost_answer_is_never_resent_and_resolves_once_the_venue_shows_it(
    tmp_path: Path,
) -> None:
    lag = 4
    _bot, venue, reports, health = run_dev(tmp_path, lag, 24 * HOUR_S, 400)
    lost = venue.lost
    assert lost is not None, "the strategy opened a position in the replay"
    coid, symbol = lost.client_order_id, lost.symbol
    # Sent once: never again under the same id, and nothing else opened on that symbol while the
    # outcome was unknown (closing was allowed).
    assert [r for r in venue.submitted if r.client_order_id == coid] == [lost]
    ((created, resolved),) = rows(
        tmp_path, "SELECT created_ms, resolved_ms FROM intents WHERE client_order_id=?", coid
    )
    opened_in_doubt = rows(
        tmp_path,
        "SELECT client_order_id FROM intents WHERE symbol=? AND reduce_only=0 "
        "AND created_ms >= ? AND created_ms < ? AND client_order_id != ?",
        symbol,
        created,
        resolved,
        coid,
    )
    assert opened_in_doubt == []
    # The strategy did ask to open again meanwhile: the pending order's rule refused it.
    refused = rows(
        tmp_path,
        "SELECT COUNT(*) FROM events WHERE kind='risk_rejected' AND detail LIKE ? "
        "AND timestamp_ms >= ? AND timestamp_ms < ?",
        f"{symbol}: pending_order:%",
        created,
        resolved,
    )
    assert refused[0][0] > 0
    # Looked for on the following cycles (the dev profile reconciles once a day otherwise).
    assert venue.lookups >= lag
    assert rows(tmp_path, "SELECT outcome FROM intents WHERE client_order_id=?", coid) == [
        ("sent",)
    ]
    # Exactly the one fill's worth: adopted as the order's own fill, nothing booked as external.
    assert rows(tmp_path, "SELECT COUNT(*) FROM fills WHERE client_order_id='external'") == [(0,)]
    venue_fills = asyncio.run(venue.inner.fetch_fills((symbol,), 0))
    stored = rows(tmp_path, "SELECT fill_id FROM fills WHERE symbol=?", symbol)
    assert sorted(f for (f,) in stored) == sorted(f.fill_id for f in venue_fills)
    ours = {s: size for s, size in reports[-1].positions.items() if size != 0}
    theirs = {p.symbol: p.size for p in asyncio.run(venue.inner.fetch_positions((symbol,)))}
    assert ours.get(symbol, 0) == theirs.get(symbol, 0)
    # /health showed it pending, and nothing timed out.
    assert any(coid in h["reconciliation"].get("pending_orders", []) for h in health)
    assert all("unresolved_orders" not in h for h in health)


def test_an_order_never_shown_within_the_timeout_alerts_in_journal_health_and_metrics(
    tmp_path: Path,
) -> None:
    bot, venue, reports, health = run_dev(tmp_path, 10**9, 3 * HOUR_S, 400)
    lost = venue.lost
    assert lost is not None
    coid = lost.client_order_id
    assert [r for r in venue.submitted if r.client_order_id == coid] == [lost]
    assert rows(tmp_path, "SELECT outcome FROM intents WHERE client_order_id=?", coid) == [
        ("unresolved",)
    ]
    events = rows(tmp_path, "SELECT detail FROM events WHERE kind='unresolved_order'")
    assert len(events) == 1 and coid in events[0][0]
    assert any(coid in line for line in health[-1]["unresolved_orders"])
    body, _ = bot._lifecycle.monitor.metrics_text()
    assert 'perps_errors_total{kind="unresolved_order"} 1.0' in body.decode()
    # The position check decided: the store holds what the exchange holds.
    symbol = lost.symbol
    ours = {s: size for s, size in reports[-1].positions.items() if size != 0}
    theirs = {p.symbol: p.size for p in asyncio.run(venue.inner.fetch_positions((symbol,)))}
    assert ours.get(symbol, 0) == theirs.get(symbol, 0)
