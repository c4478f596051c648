"""An ambiguous submit against a loopback Binance USDⓈ-M whose reads lag, through the real ccxt client:
the venue takes a market order, answers 503, and does not show the order to lookups by client id,
open orders or trades for K queries. Each cycle here is what the runtime does with an order in
doubt: reconcile (`ReconciliationService`), then let the strategy's wish to be long go through
`ExecutionCoordinator` and the real risk rules, with the store's pending symbols reduce-only.

The broker raises OrderOutcomeUnknown after an ambiguous submit instead of looking up once and
sending again (the doubling the issue reports); the core keeps the intent pending."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

from tests.integration.ccxt.ccxt_harness import BTC, submits, venue_and_broker
from tests.loopback import LoopbackVenue

from bot_v2.adapters.brokers.ccxt import CcxtBroker
from bot_v2.adapters.storage.sqlite.store import SqliteStateStore
from bot_v2.domain.risk import RiskLimits
from bot_v2.domain.signals import Action, Signal
from bot_v2.features.live_trade.execution import ExecutionCoordinator
from bot_v2.features.live_trade.reconciliation import ReconciliationService, UnknownOrderPolicy
from bot_v2.features.live_trade.risk.context import RiskContext
from bot_v2.features.live_trade.risk.pre_trade import PreTradeRisk

CYCLE_MS = 60_000
SIZE = Decimal("0.010")
LIMITS = RiskLimits(Decimal(10), Decimal(10**6), Decimal(10**6), Decimal(10**6), Decimal(10**6))


async def cycles(
    venue: LoopbackVenue, broker: CcxtBroker, store: SqliteStateStore, n: int, timeout_ms: int
) -> list[frozenset[str]]:
    """`n` cycles that each want BTC long; the pending symbols each cycle's decision saw."""
    markets = await broker.load_markets([BTC])
    execution = ExecutionCoordinator("bot", broker, store, PreTradeRisk(LIMITS), markets, 0)
    reconciler = ReconciliationService(
        broker, store, [BTC], "bot", UnknownOrderPolicy.CANCEL, pending_timeout_ms=timeout_ms
    )
    seen: list[frozenset[str]] = []
    for cycle in range(n):
        now = 1_000 + cycle * CYCLE_MS
        if cycle:
            await reconciler.run(now, book_drift_at_once=False)
        pending = frozenset(i.request.symbol for i in store.load_pending_intents())
        seen.append(pending)
        ctx = RiskContext(
            equity=Decimal(10_000),
            positions=store.load_positions(),
            marks={BTC: Decimal(90_000)},
            day_pnl=Decimal(0),
            kill_switch=False,
            reduce_only=False,
            pending_symbols=pending,
        )
        await execution.act(Signal(BTC, Action.OPEN_LONG), SIZE, ctx, now)
    return seen


def run(
    tmp_path: Path, lag: int, n: int, timeout_ms: int
) -> tuple[list[frozenset[str]], int, Decimal, SqliteStateStore]:
    async def scenario() -> tuple[list[frozenset[str]], int, Decimal, SqliteStateStore]:
        async with venue_and_broker("binanceusdm") as (venue, broker):
            store = SqliteStateStore(tmp_path / "state.db")
            store.open()
            venue.faults.fail_next_submits(1, "5xx")
            venue.faults.lookup_lag(lag)
            seen = await cycles(venue, broker, store, n, timeout_ms)
            held = {p.symbol: p.size for p in await broker.fetch_positions([BTC])}
            return seen, len(submits(venue)), held.get(BTC, Decimal(0)), store

    return asyncio.run(scenario())


def test_an_order_the_venue_took_is_never_resent_while_its_lookups_lag(tmp_path: Path) -> None:
    lag = 4
    seen, posted, venue_size, store = run(tmp_path, lag, lag + 4, timeout_ms=3_600_000)
    assert posted == 1, "sent once, never again"
    assert venue_size == SIZE, "exactly one fill's worth at the venue"
    assert store.load_positions()[BTC].size == SIZE, "and in the store"
    # Reduce-only on BTC from the ambiguous submit until a lookup found it. The broker's own
    # lookup after the 503 is the first of the K lagging queries; each later cycle asks once, and
    # the lag's last query still misses it while the trades read after it show its fill.
    found = lag - 1
    assert all(BTC in s for s in seen[1:found]) and not any(BTC in s for s in seen[found:])
    outcomes = dict(store.db.execute("SELECT client_order_id, outcome FROM intents"))
    assert list(outcomes.values()) == ["sent"]


def test_an_order_never_shown_within_the_timeout_is_unresolved_with_an_alert(
    tmp_path: Path,
) -> None:
    _seen, posted, venue_size, store = run(tmp_path, 10**6, 8, timeout_ms=3 * CYCLE_MS)
    assert posted == 1 and venue_size == SIZE
    outcomes = dict(store.db.execute("SELECT client_order_id, outcome FROM intents"))
    assert list(outcomes.values()) == ["unresolved"]
    events = list(store.db.execute("SELECT detail FROM events WHERE kind='unresolved_order'"))
    assert len(events) == 1
    # The position check then booked what the venue holds, and nothing opened again.
    assert store.load_positions()[BTC].size == SIZE
