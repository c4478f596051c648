"""A stop on a persistent simulated exchange (`broker.sim.state_path`) outlives a killed bot: the
restarted bot sees it, and it triggers while the bot is away; a triggered stop-limit keeps resting
in the book across a restart."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

from bot_v2.adapters.brokers.sim.broker import SimBroker
from bot_v2.adapters.brokers.sim.lookahead import SkipQuiet
from bot_v2.domain.orders import OrderStatus, OrderType, Side
from tests.unit.sim._support import NO_COSTS, SPEC, SYMBOL, T0, Clock, H, bars, feed, market
from tests.unit.sim.test_protective import DROP, FLAT, protective, stop

D = Decimal


def _broker(rows: list[tuple[float, float, float, float]], clock: Clock, path: Path) -> SimBroker:
    return SimBroker(
        feed(bars(rows)), clock, {SYMBOL: SPEC}, NO_COSTS, state_path=path, look_ahead=SkipQuiet
    )


def test_a_stop_on_a_persistent_exchange_outlives_a_killed_bot_and_triggers(tmp_path: Path) -> None:
    path = tmp_path / "exchange.db"

    async def session_one() -> None:
        b = _broker(DROP, Clock(T0 + H), path)
        await b.start()
        await b.submit_order(market("entry", Side.BUY, "1"))
        await b.place_protective(stop("sl", Side.SELL, "1", "98.0", close_position=True))
        # killed: no close()

    async def session_two() -> None:
        clock = Clock(T0 + 2 * H)
        b = _broker(DROP, clock, path)
        await b.start()
        protecting = await b.fetch_protective_orders([SYMBOL])
        assert [(o.client_order_id, o.trigger_price, o.close_position) for o in protecting] == [
            ("sl", D("98.0"), True)
        ]
        assert await b.fetch_open_orders([SYMBOL]) == []
        clock.now = T0 + 6 * H  # the price falls through the stop meanwhile
        fills = await b.fetch_fills([SYMBOL], 0)
        assert [(f.client_order_id, f.side, f.size, f.price) for f in fills] == [
            ("entry", Side.BUY, D(1), D("100.0")),
            ("sl", Side.SELL, D(1), D("98.0")),
        ]
        assert await b.fetch_positions([SYMBOL]) == []
        assert await b.fetch_protective_orders([SYMBOL]) == []
        # killed again

    async def session_three() -> None:
        b = _broker(DROP, Clock(T0 + 6 * H), path)
        await b.start()
        order = await b.fetch_order(SYMBOL, "sl")
        assert order is not None and (order.status, order.filled) == (OrderStatus.FILLED, D(1))
        await b.close()

    asyncio.run(session_one())
    asyncio.run(session_two())
    asyncio.run(session_three())


def test_a_triggered_stop_limit_rests_in_the_book_across_a_restart(tmp_path: Path) -> None:
    rows = [FLAT] * 3 + [(100.0, 100.0, 96.0, 97.0)] + [(97.0, 99.5, 96.5, 99.0)] * 2
    path = tmp_path / "exchange.db"

    async def session_one() -> None:
        clock = Clock(T0 + H)
        b = _broker(rows, clock, path)
        await b.start()
        await b.submit_order(market("entry", Side.BUY, "1"))
        limit = protective("r", OrderType.STOP_LIMIT, Side.SELL, "1", "98.0", price="99.0")
        await b.place_protective(limit)
        clock.now = T0 + 4 * H
        assert await b.fetch_fills([SYMBOL], T0 + 2 * H) == []  # triggered, resting at 99.0

    async def session_two() -> None:
        clock = Clock(T0 + 4 * H)
        b = _broker(rows, clock, path)
        await b.start()
        assert [o.client_order_id for o in await b.fetch_protective_orders([SYMBOL])] == ["r"]
        clock.now = T0 + 5 * H
        fills = await b.fetch_fills([SYMBOL], T0 + 2 * H)
        assert [(f.client_order_id, f.price, f.is_maker) for f in fills] == [("r", D("99.0"), True)]
        await b.close()

    asyncio.run(session_one())
    asyncio.run(session_two())
