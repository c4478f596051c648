"""Protective (conditional) orders through the real ccxt client against each loopback venue, in the
venue's own wire format: Binance's Algo Service, Bybit's conditional orders, OKX's algo orders.
Placed, listed apart from plain orders, cancelled, and fired by a mark or last price move into a
fill under the stop's client id that closes or reduces the position."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Coroutine
from decimal import Decimal
from typing import Any

import aiohttp
import attrs
import pytest
from ccxt_harness import BTC, market, venue_and_broker
from tests.loopback import LoopbackVenue, RecordedRequest

from bot_v2.adapters.venues import registry
from bot_v2.domain.errors import ConfigError, InvalidOrder, OrderNotFound
from bot_v2.domain.orders import OrderRequest, OrderStatus, OrderType, Side, TriggerPrice

VENUE_IDS = ["binanceusdm", "bybit", "okx"]
# Where each venue takes a conditional order.
PLACE_PATH = {
    "binanceusdm": "/fapi/v1/algoOrder",
    "bybit": "/v5/order/create",
    "okx": "/api/v5/trade/order-algo",
}


def protective(
    cid: str,
    side: Side,
    size: str,
    trigger: str,
    *,
    kind: OrderType = OrderType.STOP_MARKET,
    by: TriggerPrice = TriggerPrice.MARK,
    close_position: bool = False,
) -> OrderRequest:
    return OrderRequest(
        cid,
        BTC,
        side,
        kind,
        Decimal(size),
        reduce_only=True,
        trigger_price=Decimal(trigger),
        trigger_by=by,
        close_position=close_position,
    )


# The parameter carrying a conditional order's client id on the wire.
CLIENT_ID_PARAM = {"binanceusdm": "clientAlgoId", "bybit": "orderLinkId", "okx": "algoClOrdId"}


def _sends(venue: LoopbackVenue, cid: str) -> list[RecordedRequest]:
    posts = venue.recorded(PLACE_PATH[venue.venue], method="POST")
    return [r for r in posts if r.param(CLIENT_ID_PARAM[venue.venue]) == cid]


def run_async(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Runs an async test body in its own event loop (the suite has no asyncio plugin)."""

    @functools.wraps(test)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        asyncio.run(test(*args, **kwargs))

    return wrapper


async def _position(broker: object) -> Decimal:
    reports = await broker.fetch_positions([BTC])  # type: ignore[attr-defined]
    return sum((r.size for r in reports), Decimal(0))


@pytest.mark.parametrize("venue_id", VENUE_IDS)
@run_async
async def test_stop_and_take_profit_are_placed_listed_cancelled_and_fired(venue_id: str) -> None:
    async with venue_and_broker(venue_id) as (venue, broker):
        venue.set_price(BTC, "50000")
        await broker.submit_order(market("entry1", Side.BUY, "0.02"))
        stop = await broker.place_protective(protective("sl1", Side.SELL, "0.02", "49000"))
        take = await broker.place_protective(
            protective(
                "tp1",
                Side.SELL,
                "0.02",
                "52000",
                kind=OrderType.TAKE_PROFIT_MARKET,
                by=TriggerPrice.LAST,
            )
        )
        assert (stop.status, stop.type, stop.trigger_price) == (
            OrderStatus.NEW,
            OrderType.STOP_MARKET,
            Decimal(49000),
        )
        assert (take.type, take.trigger_by) == (OrderType.TAKE_PROFIT_MARKET, TriggerPrice.LAST)

        listed = {o.client_order_id: o for o in await broker.fetch_protective_orders([BTC])}
        assert set(listed) == {"sl1", "tp1"}
        assert listed["sl1"].trigger_by is TriggerPrice.MARK
        assert listed["sl1"].size == Decimal("0.02") and listed["sl1"].reduce_only
        assert listed["tp1"].type is OrderType.TAKE_PROFIT_MARKET
        assert listed["tp1"].trigger_price == Decimal(52000)
        # A plain listing never shows them: reconciliation of plain orders must not cancel stops.
        assert await broker.fetch_open_orders([BTC]) == []

        cancelled = await broker.cancel_protective(BTC, "tp1")
        assert (cancelled.client_order_id, cancelled.status) == ("tp1", OrderStatus.CANCELED)
        assert [o.client_order_id for o in await broker.fetch_protective_orders([BTC])] == ["sl1"]
        with pytest.raises(OrderNotFound):
            await broker.cancel_protective(BTC, "tp1")

        # The last price moving through a mark-price stop does not fire it; the mark does.
        venue.set_mark(BTC, "49500")
        assert await _position(broker) == Decimal("0.02")
        venue.set_mark(BTC, "48990")
        assert await broker.fetch_protective_orders([BTC]) == []
        assert await _position(broker) == 0
        fills = [f for f in await broker.fetch_fills([BTC], 0) if f.client_order_id == "sl1"]
        assert [(f.side, f.size) for f in fills] == [(Side.SELL, Decimal("0.02"))]


@pytest.mark.parametrize("venue_id", VENUE_IDS)
@run_async
async def test_a_last_price_take_profit_fires_on_the_last_price_only(venue_id: str) -> None:
    async with venue_and_broker(venue_id) as (venue, broker):
        venue.set_price(BTC, "50000")
        await broker.submit_order(market("entry2", Side.SELL, "0.01"))
        await broker.place_protective(
            protective(
                "tp2",
                Side.BUY,
                "0.01",
                "48000",
                kind=OrderType.TAKE_PROFIT_MARKET,
                by=TriggerPrice.LAST,
            )
        )
        venue.set_mark(BTC, "47000")
        assert await _position(broker) == Decimal("-0.01")
        venue.set_price(BTC, "47990")
        assert await _position(broker) == 0
        fills = [f for f in await broker.fetch_fills([BTC], 0) if f.client_order_id == "tp2"]
        assert [(f.side, f.size) for f in fills] == [(Side.BUY, Decimal("0.01"))]


@pytest.mark.parametrize("venue_id", VENUE_IDS)
@run_async
async def test_reduce_only_never_flips_and_close_position_closes_what_is_there(
    venue_id: str,
) -> None:
    async with venue_and_broker(venue_id) as (venue, broker):
        venue.set_price(BTC, "50000")
        await broker.submit_order(market("entry3", Side.BUY, "0.01"))
        # Larger than the position: reduce-only stops at flat, never goes short.
        await broker.place_protective(protective("sl3", Side.SELL, "0.05", "49000"))
        venue.set_mark(BTC, "48900")
        assert await _position(broker) == 0

        venue.set_price(BTC, "50000")
        await broker.submit_order(market("entry4", Side.BUY, "0.01"))
        closer = await broker.place_protective(
            protective("sl4", Side.SELL, "0.01", "49000", close_position=True)
        )
        assert closer.close_position and closer.size == Decimal("0.01")
        listed = await broker.fetch_protective_orders([BTC])
        assert [(o.client_order_id, o.close_position) for o in listed] == [("sl4", True)]
        # The position grows after the stop was placed: closing it closes all of it.
        await broker.submit_order(market("entry5", Side.BUY, "0.02"))
        venue.set_mark(BTC, "48900")
        assert await _position(broker) == 0
        fills = [f for f in await broker.fetch_fills([BTC], 0) if f.client_order_id == "sl4"]
        assert sum(f.size for f in fills) == Decimal("0.03")


@pytest.mark.parametrize("venue_id", VENUE_IDS)
@run_async
async def test_a_placement_whose_answer_is_lost_is_found_not_sent_again(venue_id: str) -> None:
    async with venue_and_broker(venue_id) as (venue, broker):
        venue.set_price(BTC, "50000")
        await broker.submit_order(market("entry6", Side.BUY, "0.01"))
        venue.faults.fail_next_submits(1, "5xx")
        placed = await broker.place_protective(protective("sl6", Side.SELL, "0.01", "49000"))
        assert (placed.client_order_id, placed.status) == ("sl6", OrderStatus.NEW)
        assert len(_sends(venue, "sl6")) == 1
        assert [o.client_order_id for o in await broker.fetch_protective_orders([BTC])] == ["sl6"]


@pytest.mark.parametrize("venue_id", VENUE_IDS)
@run_async
async def test_a_lost_answer_not_yet_visible_is_unknown_and_never_doubled(venue_id: str) -> None:
    from bot_v2.domain.errors import OrderOutcomeUnknown

    async with venue_and_broker(venue_id) as (venue, broker):
        venue.set_price(BTC, "50000")
        await broker.submit_order(market("entry7", Side.BUY, "0.01"))
        venue.faults.fail_next_submits(1, "5xx")
        venue.faults.lookup_lag(1)
        with pytest.raises(OrderOutcomeUnknown):
            await broker.place_protective(protective("sl7", Side.SELL, "0.01", "49000"))
        listed = await broker.fetch_protective_orders([BTC])
        assert [o.client_order_id for o in listed] == ["sl7"]
        assert len(venue.triggers.items) == 1
        assert len(_sends(venue, "sl7")) == 1


@run_async
async def test_a_plain_order_type_is_refused_before_anything_is_sent() -> None:
    async with venue_and_broker("binanceusdm") as (venue, broker):
        with pytest.raises(InvalidOrder, match="not a conditional order"):
            await broker.place_protective(market("plain", Side.SELL, "0.01", reduce_only=True))
        assert venue.recorded(PLACE_PATH["binanceusdm"]) == []


@pytest.mark.parametrize("venue_id", VENUE_IDS)
@run_async
async def test_a_cancel_whose_answer_is_lost_is_found_cancelled(venue_id: str) -> None:
    async with venue_and_broker(venue_id) as (venue, broker):
        venue.set_price(BTC, "50000")
        await broker.submit_order(market("entry8", Side.BUY, "0.01"))
        await broker.place_protective(protective("sl8", Side.SELL, "0.01", "49000"))
        venue.faults.fail_next_cancels(1, "5xx")
        cancelled = await broker.cancel_protective(BTC, "sl8")
        assert (cancelled.client_order_id, cancelled.status) == ("sl8", OrderStatus.CANCELED)
        assert await broker.fetch_protective_orders([BTC]) == []


@run_async
async def test_the_test_hooks_move_the_mark_over_http_and_show_the_triggers() -> None:
    """What a test driving a loopback in another process (the real CLI) uses."""
    async with venue_and_broker("bybit") as (venue, broker):
        venue.set_price(BTC, "50000")
        await broker.submit_order(market("entry9", Side.BUY, "0.01"))
        await broker.place_protective(protective("sl9", Side.SELL, "0.01", "49000"))
        async with aiohttp.ClientSession() as http:
            await http.post(f"{venue.url}/__test__/marks", json={"BTCUSDT": "48900"})
            state = await (await http.get(f"{venue.url}/__test__/state")).json()
        assert [(t["client_id"], t["status"]) for t in state["triggers"]] == [("sl9", "TRIGGERED")]
        assert state["marks"] == {"BTCUSDT": "48900"}
        assert state["positions"] == []


@pytest.mark.parametrize("venue_id", VENUE_IDS)
@run_async
async def test_a_stop_limit_rests_its_limit_price_when_it_fires(venue_id: str) -> None:
    async with venue_and_broker(venue_id) as (venue, broker):
        venue.set_price(BTC, "50000")
        await broker.submit_order(market("entry10", Side.BUY, "0.01"))
        request = attrs.evolve(
            protective("sl10", Side.SELL, "0.01", "49000", by=TriggerPrice.LAST),
            type=OrderType.STOP_LIMIT,
            price=Decimal(48900),
        )
        await broker.place_protective(request)
        [listed] = await broker.fetch_protective_orders([BTC])
        assert (listed.type, listed.price, listed.trigger_price) == (
            OrderType.STOP_LIMIT,
            Decimal(48900),
            Decimal(49000),
        )
        # Fired at 48990: a sell limit at 48900 takes the 48990 last price.
        venue.set_price(BTC, "48990")
        assert await _position(broker) == 0
        fills = [f for f in await broker.fetch_fills([BTC], 0) if f.client_order_id == "sl10"]
        assert [(f.size, f.price) for f in fills] == [(Decimal("0.01"), Decimal(48990))]


@run_async
async def test_submit_order_refuses_a_protective_order_type() -> None:
    async with venue_and_broker("bybit") as (venue, broker):
        with pytest.raises(InvalidOrder, match="use place_protective"):
            await broker.submit_order(protective("sl11", Side.SELL, "0.01", "49000"))
        assert venue.recorded(PLACE_PATH["bybit"]) == []


@pytest.mark.parametrize("venue_id", VENUE_IDS)
@run_async
async def test_an_orphan_take_profit_stays_until_cancelled_and_never_opens_a_position(
    venue_id: str,
) -> None:
    """After the stop closed the position the take-profit is still on the venue (reconciliation
    must cancel it); if the price reaches it first, it finds nothing to reduce and fills nothing."""
    async with venue_and_broker(venue_id) as (venue, broker):
        venue.set_price(BTC, "50000")
        await broker.submit_order(market("entry12", Side.BUY, "0.01"))
        await broker.place_protective(protective("sl12", Side.SELL, "0.01", "49000"))
        await broker.place_protective(
            protective("tp12", Side.SELL, "0.01", "51000", kind=OrderType.TAKE_PROFIT_MARKET)
        )
        venue.set_price(BTC, "48900")
        assert await _position(broker) == 0
        listed = await broker.fetch_protective_orders([BTC])
        assert [o.client_order_id for o in listed] == ["tp12"]
        venue.set_price(BTC, "51100")
        assert await _position(broker) == 0
        assert await broker.fetch_protective_orders([BTC]) == []
        fills = await broker.fetch_fills([BTC], 0)
        assert "tp12" not in {f.client_order_id for f in fills}


@pytest.mark.parametrize("venue_id", VENUE_IDS)
@run_async
async def test_a_stop_that_would_fire_at_once_or_off_the_tick_is_refused(venue_id: str) -> None:
    async with venue_and_broker(venue_id) as (venue, broker):
        venue.set_price(BTC, "50000")
        await broker.submit_order(market("entry13", Side.BUY, "0.01"))
        # Above the price for a long's stop: the venue refuses it rather than fire it.
        with pytest.raises(InvalidOrder, match="sl13"):
            await broker.place_protective(protective("sl13", Side.SELL, "0.01", "50100"))
        with pytest.raises(InvalidOrder, match="not a multiple"):
            await broker.place_protective(protective("sl14", Side.SELL, "0.01", "49000.05"))
        assert _sends(venue, "sl14") == []
        assert await broker.fetch_protective_orders([BTC]) == []
        assert await _position(broker) == Decimal("0.01")


@pytest.mark.parametrize("venue_id", VENUE_IDS)
@run_async
async def test_the_moved_mark_is_the_mark_the_venue_reports(venue_id: str) -> None:
    """The mark a stop watches is the one the bot reads (marks and positions), not the last."""
    async with venue_and_broker(venue_id) as (venue, broker):
        venue.set_price(BTC, "50000")
        await broker.submit_order(market("entry15", Side.BUY, "0.01"))
        venue.set_mark(BTC, "49500")
        [mark] = await broker.fetch_marks([BTC])
        [position] = await broker.fetch_positions([BTC])
        assert (mark.price, position.mark_price) == (Decimal(49500), Decimal(49500))
        venue.set_price(BTC, "50100")
        [mark] = await broker.fetch_marks([BTC])
        assert mark.price == Decimal(50100)


@run_async
async def test_a_venue_folder_without_protective_orders_is_named_and_sends_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # `Venue.protective` is optional (adapters/venues/_template): the broker refuses, naming the
    # config key, before any conditional order reaches the venue.
    plain = attrs.evolve(registry.VENUES["binanceusdm"], protective=None)
    monkeypatch.setitem(registry.VENUES, "binanceusdm", plain)
    async with venue_and_broker("binanceusdm") as (venue, broker):
        venue.set_price(BTC, "50000")
        with pytest.raises(ConfigError) as caught:
            await broker.place_protective(protective("sl9", Side.SELL, "0.01", "49000"))
        assert caught.value.lines == [
            "config.broker.exchange: 'binanceusdm' has no protective (conditional) orders"
        ]
        assert _sends(venue, "sl9") == []
