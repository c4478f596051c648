"""SimBroker as a venue that outlives the bot: with a state file it reloads balance, positions,
orders, fills, funding and its own clock; client order ids are unique for good."""

from __future__ import annotations

import asyncio
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from bot_v2.adapters.brokers.sim.broker import SimBroker
from bot_v2.adapters.brokers.sim.lookahead import SkipQuiet
from bot_v2.domain.errors import InvalidOrder, StateError
from bot_v2.domain.orders import OrderStatus, Side
from tests.unit.sim._support import NO_COSTS, SPEC, SYMBOL, T0, Clock, H, bars, feed, limit, market

PRICES = [100.0 + i for i in range(48)]
FUNDING = [(T0 + 8 * H, "0.001"), (T0 + 16 * H, "0.001"), (T0 + 24 * H, "-0.002")]


def broker(clock: Clock, path: Path | None) -> SimBroker:
    return SimBroker(
        feed(bars(PRICES), FUNDING),
        clock,
        {SYMBOL: SPEC},
        NO_COSTS,
        state_path=path,
        look_ahead=SkipQuiet,
    )


async def _session_one(clock: Clock, path: Path) -> None:
    b = broker(clock, path)
    await b.start()
    clock.now = T0 + H
    await b.set_leverage(SYMBOL, Decimal(5))
    await b.submit_order(market("a-1", Side.BUY, "2"))
    await b.submit_order(limit("a-2", Side.SELL, "1", "500"))
    clock.now = T0 + 20 * H
    await b.fetch_fills([SYMBOL], 0)  # settles the 8h and 16h funding
    # killed: no close()


def test_state_file_survives_a_killed_bot(tmp_path: Path) -> None:
    path = tmp_path / "sim.db"
    clock = Clock()
    asyncio.run(_session_one(clock, path))

    async def session_two() -> None:
        b = broker(Clock(T0 + 2 * H), path)  # a restarted bot whose clock starts earlier
        await b.start()
        positions = await b.fetch_positions([SYMBOL])
        assert [(p.size, p.leverage) for p in positions] == [(Decimal(2), Decimal(5))]
        assert [o.client_order_id for o in await b.fetch_open_orders([SYMBOL])] == ["a-2"]
        fills = await b.fetch_fills([SYMBOL], 0)
        assert [f.client_order_id for f in fills] == ["a-1"]
        funding = await b.fetch_funding([SYMBOL], 0)
        assert [p.timestamp_ms for p in funding] == [T0 + 8 * H, T0 + 16 * H]
        balance = await b.fetch_balance()
        assert balance.total == Decimal(10000) + sum(p.amount for p in funding)
        # The exchange's own clock does not go back with the bot's.
        assert b.exchange.clock_ms == T0 + 20 * H
        with pytest.raises(InvalidOrder, match="duplicate"):
            await b.submit_order(market("a-1", Side.BUY, "1"))
        order = await b.fetch_order(SYMBOL, "a-2")
        assert order is not None and order.status is OrderStatus.NEW
        assert await b.fetch_order(SYMBOL, "never-sent") is None
        await b.close()

    asyncio.run(session_two())


def test_every_mutating_call_is_on_disk_before_it_returns(tmp_path: Path) -> None:
    path = tmp_path / "sim.db"

    async def run() -> None:
        clock = Clock(T0 + H)
        b = broker(clock, path)
        await b.start()
        await b.submit_order(market("x-1", Side.BUY, "1"))
        db = sqlite3.connect(path)
        assert db.execute("SELECT COUNT(*) FROM fills").fetchone()[0] == 1
        assert db.execute("SELECT COUNT(*) FROM orders").fetchone()[0] == 1
        await b.cancel_order(
            SYMBOL, (await b.submit_order(limit("x-2", Side.BUY, "1", "50"))).client_order_id
        )
        body = db.execute("SELECT body FROM orders WHERE client_order_id='x-2'").fetchone()[0]
        assert '"status":"canceled"' in body
        db.close()

    asyncio.run(run())


def test_rejected_calls_leave_no_order_behind(tmp_path: Path) -> None:
    async def run() -> None:
        b = broker(Clock(T0 + H), None)
        await b.start()
        with pytest.raises(InvalidOrder):
            await b.submit_order(market("r-1", Side.SELL, "1", reduce_only=True))
        assert await b.fetch_order(SYMBOL, "r-1") is None
        await b.submit_order(market("r-1", Side.BUY, "1"))  # the id was never used
        assert (await b.fetch_order(SYMBOL, "r-1")) is not None

    asyncio.run(run())


def test_a_corrupt_state_file_is_a_state_error(tmp_path: Path) -> None:
    path = tmp_path / "sim.db"
    path.write_bytes(b"this is not a database" * 100)

    async def run() -> None:
        await broker(Clock(), path).start()

    with pytest.raises(StateError, match=str(path)):
        asyncio.run(run())
