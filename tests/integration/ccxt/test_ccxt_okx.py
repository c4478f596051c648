"""OKX through the real ccxt client against the loopback OKX venue: swaps in contracts of ctVal
base units (the core sees base units only), the margin mode carried by every order (tdMode),
the passphrase, and OKX's own answers (sCode inside `data`, funding as bills)."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
import traceback
from collections.abc import Awaitable
from decimal import Decimal
from pathlib import Path

import attrs
import pytest
from ccxt_harness import BTC, ETH, SleepRecorder, limit, market, submits, venue_and_broker
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.loopback import data, wait_for_state_file
from tests.loopback.book import MAKER_FEE, TAKER_FEE
from tests.loopback.okx import CONTRACT_VALUES, OkxVenue

from bot_v2.adapters.brokers.ccxt import CcxtBroker, create_ccxt_broker
from bot_v2.adapters.venues import registry
from bot_v2.domain.errors import (
    AuthenticationFailed,
    BotError,
    BrokerError,
    ConfigError,
    InvalidOrder,
    InvalidSymbol,
    OrderOutcomeUnknown,
)
from bot_v2.domain.fills import FundingPayment
from bot_v2.domain.orders import OrderStatus, OrderType, Side, TimeInForce

ACCESS = ["session", "urls"]


def test_start_asks_for_swaps_only() -> None:
    # Which calls start makes (instruments, balance, position mode) is in test_ccxt_markets;
    # here, that OKX is asked for swaps only and the other two calls carry no query.
    async def run() -> list[dict[str, str]]:
        async with venue_and_broker("okx") as (venue, _):
            return [r.query for r in venue.requests]

    assert asyncio.run(run()) == [{"instType": "SWAP"}, {}, {}]


@pytest.mark.parametrize("access", ACCESS)
def test_start_refuses_an_account_in_long_short_mode_and_starts_in_net_mode(access: str) -> None:
    async def run() -> None:
        async with venue_and_broker("okx", access=access, start=False) as (venue, broker):  # type: ignore[arg-type]
            venue.faults.set_hedge_mode()
            with pytest.raises(ConfigError) as refused:
                await broker.start()
            # What the refusal guards against: OKX wants posSide on every order in this mode.
            with pytest.raises(InvalidOrder, match="posSide"):
                await broker.submit_order(market("mode1", Side.BUY, "0.01"))
            assert venue.orders() == []
            venue.faults.set_hedge_mode(False)
            await broker.start()
            await broker.submit_order(market("mode2", Side.BUY, "0.01"))
            asked = venue.recorded("/api/v5/account/config")
        assert refused.value.lines == [
            "okx: account is in long/short position mode; perps-bot needs one-way (net) mode: "
            "switch it in OKX settings (Trade > Position mode) "
            "or with POST /api/v5/account/set-position-mode"
        ]
        # Read once per start, never switched: the mode is the operator's to change.
        assert len(asked) == 2
        assert venue.recorded("set-position-mode") == []

    asyncio.run(run())


@pytest.mark.parametrize("access", ACCESS)
def test_market_specs_are_in_base_units_and_tiers_in_notional(access: str) -> None:
    async def run() -> None:
        async with venue_and_broker("okx", access=access) as (venue, broker):  # type: ignore[arg-type]
            specs = await broker.load_markets(["btcusdt", ETH])
            tiers_asked = venue.recorded("/api/v5/public/position-tiers")
        assert list(specs) == [BTC, ETH]
        btc, eth = specs[BTC], specs[ETH]
        assert btc.contract_size == Decimal("0.01") and eth.contract_size == Decimal("0.1")
        # OKX lists lotSz/minSz in contracts (0.1 of 0.01 BTC): the spec is in BTC.
        assert (btc.tick_size, btc.step_size, btc.min_size) == (
            Decimal("0.1"),
            Decimal("0.001"),
            Decimal("0.001"),
        )
        assert (eth.step_size, eth.min_size) == (Decimal("0.001"), Decimal("0.001"))
        assert btc.min_notional == 0 and btc.max_leverage == 125
        assert [r.query["instFamily"] for r in tiers_asked] == ["BTC-USDT", "ETH-USDT"]
        # Tiers bound positions in contracts at OKX; the spec's are notional at the mark.
        contract_value = Decimal("0.01") * data.last_close("BTCUSDT")
        brackets = data.leverage_brackets()["BTCUSDT"]
        assert len(btc.tiers) == len(brackets)
        for tier, raw in zip(btc.tiers, brackets, strict=True):
            # The venue serves whole contracts: the bracket's cap rounded at the same price.
            contracts = round(Decimal(raw["notionalCap"]) / contract_value)
            assert tier.max_notional == contracts * contract_value
            assert tier.maintenance_margin_rate == Decimal(raw["maintMarginRatio"])
            assert tier.max_leverage == Decimal(raw["initialLeverage"])

    asyncio.run(run())


def test_inverse_swaps_are_listed_but_refused() -> None:
    async def run() -> None:
        async with venue_and_broker("okx") as (_, broker):
            with pytest.raises(InvalidSymbol, match="inverse swap, not a linear swap"):
                await broker.load_markets(["BTC/USD:BTC"])

    asyncio.run(run())


@pytest.mark.parametrize("access", ACCESS)
def test_sizes_go_out_in_contracts_and_come_back_in_base_units(access: str) -> None:
    async def run() -> None:
        async with venue_and_broker("okx", access=access) as (venue, broker):  # type: ignore[arg-type]
            start = venue.clock()
            long = await broker.submit_order(market("mkt1", Side.BUY, "0.015"))
            short = await broker.submit_order(market("mkt2", Side.SELL, "0.5", symbol=ETH))
            sent = submits(venue)
            positions = {p.symbol: p for p in await broker.fetch_positions([BTC, ETH])}
            fills = await broker.fetch_fills([BTC, ETH], start)
            held = {s: venue.book.position(s).size for s in ("BTCUSDT", "ETHUSDT")}
            wire_pos = [r for r in venue.recorded("/api/v5/account/positions")][-1].response
        assert [(r.param("clOrdId"), r.param("sz"), r.param("tdMode")) for r in sent] == [
            ("mkt1", "1.5", "cross"),
            ("mkt2", "5", "cross"),
        ]
        assert held == {"BTCUSDT": Decimal("0.015"), "ETHUSDT": Decimal("-0.5")}
        assert '"pos": "1.5"' in wire_pos and '"pos": "-5"' in wire_pos
        assert (long.size, long.filled, long.status) == (
            Decimal("0.015"),
            Decimal("0.015"),
            OrderStatus.FILLED,
        )
        assert (short.size, short.filled) == (Decimal("0.5"), Decimal("0.5"))
        assert positions[BTC].size == Decimal("0.015") and positions[ETH].size == Decimal("-0.5")
        assert sorted((f.client_order_id, f.size) for f in fills) == [
            ("mkt1", Decimal("0.015")),
            ("mkt2", Decimal("0.5")),
        ]

    asyncio.run(run())


@settings(max_examples=200, deadline=None)
@given(
    lots=st.integers(min_value=1, max_value=10_000_000),
    venue_symbol=st.sampled_from(["BTCUSDT", "ETHUSDT"]),
)
def test_a_size_survives_the_trip_to_contracts_and_back(lots: int, venue_symbol: str) -> None:
    """Base units -> float contracts (what the broker hands ccxt) -> ccxt's wire string -> base."""
    exchange = _offline_okx()
    venue = _OFFLINE_VENUE
    rules = venue.book.rules[venue_symbol]
    symbol = f"{rules.base}/USDT:USDT"
    size = rules.step * lots
    contract = CONTRACT_VALUES[venue_symbol]
    wire = exchange.amount_to_precision(symbol, float(size / contract))
    assert Decimal(wire) * contract == size


_OFFLINE_VENUE = OkxVenue()
_EXCHANGES: list[object] = []


def _offline_okx() -> object:
    if not _EXCHANGES:
        import ccxt  # type: ignore[import-untyped]

        exchange = ccxt.okx()
        rows = [_OFFLINE_VENUE._instrument(r) for r in _OFFLINE_VENUE.book.rules.values()]
        exchange.set_markets(exchange.parse_markets(rows))
        _EXCHANGES.append(exchange)
    return _EXCHANGES[0]


def test_limit_orders_rest_are_found_by_client_id_and_cancel() -> None:
    async def run() -> None:
        async with venue_and_broker("okx") as (venue, broker):
            placed = await broker.submit_order(
                limit("lim1", Side.BUY, "0.010", "90000.0", post_only=True)
            )
            plain = await broker.submit_order(limit("lim2", Side.SELL, "0.020", "200000.0"))
            open_orders = await broker.fetch_open_orders([BTC, ETH])
            found = await broker.fetch_order(BTC, "lim1")
            cancelled = await broker.cancel_order(BTC, "lim1")
            after = await broker.fetch_open_orders([BTC])
            again = await broker.fetch_order(BTC, "lim1")
            sent = submits(venue)
        assert placed.status is OrderStatus.NEW and placed.size == Decimal("0.010")
        assert placed.type is OrderType.LIMIT and placed.price == Decimal("90000.0")
        assert plain.status is OrderStatus.NEW and plain.size == Decimal("0.020")
        assert [o.client_order_id for o in open_orders] == ["lim1", "lim2"]
        assert found == placed
        assert cancelled.status is OrderStatus.CANCELED and cancelled.client_order_id == "lim1"
        assert [o.client_order_id for o in after] == ["lim2"]
        assert again is not None and again.status is OrderStatus.CANCELED
        assert [(r.param("ordType"), r.param("px"), r.param("sz")) for r in sent] == [
            ("post_only", "90000", "1"),
            ("limit", "200000", "2"),
        ]

    asyncio.run(run())


def test_unfilled_ioc_is_cancelled() -> None:
    # A post-only that would take is in test_ccxt_orders' every-venue test.
    async def run() -> None:
        async with venue_and_broker("okx") as (venue, broker):
            ioc = await broker.submit_order(
                limit("ioc1", Side.BUY, "0.010", "90000.0", tif=TimeInForce.IOC)
            )
            assert submits(venue)[0].param("ordType") == "ioc"
            assert venue.book.position("BTCUSDT").size == 0
        assert ioc.status is OrderStatus.CANCELED and ioc.filled == 0

    asyncio.run(run())


def test_reduce_only_closes_and_is_refused_when_it_would_open() -> None:
    async def run() -> None:
        async with venue_and_broker("okx") as (venue, broker):
            await broker.submit_order(market("open1", Side.BUY, "0.010"))
            closed = await broker.submit_order(
                market("close1", Side.SELL, "0.010", reduce_only=True)
            )
            assert submits(venue)[1].body["reduceOnly"] is True
            assert venue.book.position("BTCUSDT").size == 0
            with pytest.raises(InvalidOrder, match="51169"):
                await broker.submit_order(market("close2", Side.SELL, "0.010", reduce_only=True))
        assert closed.status is OrderStatus.FILLED and closed.reduce_only

    asyncio.run(run())


def test_unknown_client_id_is_none_and_bad_ids_never_leave() -> None:
    # Off-grid sizes and the unknown id's None are in test_ccxt_orders' every-venue tests; here,
    # OKX's own id rules and how it answers a lookup of an id it never saw.
    async def run() -> None:
        async with venue_and_broker("okx") as (venue, broker):
            assert await broker.fetch_order(BTC, "neversent") is None
            # OKX client ids are alphanumeric, at most 32 characters.
            for bad in ("with-hyphen", "x" * 33):
                with pytest.raises(InvalidOrder, match="client order id"):
                    await broker.submit_order(market(bad, Side.BUY, "0.010"))
            assert submits(venue) == []
            lookups = venue.recorded("/api/v5/trade/order", method="GET")
        assert '"code": "51603"' in lookups[0].response

    asyncio.run(run())


def test_leverage_and_margin_mode_travel_as_okx_wants() -> None:
    async def run() -> None:
        async with venue_and_broker("okx") as (venue, broker):
            await broker.set_leverage(BTC, Decimal(7))
            await broker.set_leverage(BTC, Decimal(7))
            await broker.set_margin_mode(BTC, "isolated")
            # A symbol whose leverage this broker never set: it asks the venue first.
            await broker.set_margin_mode(ETH, "isolated")
            await broker.submit_order(market("iso1", Side.BUY, "0.010"))
            (position,) = await broker.fetch_positions([BTC])
            sent = venue.recorded("/api/v5/account/set-leverage")
            asked = venue.recorded("/api/v5/account/leverage-info")
            order = submits(venue)[0]
        assert [(r.param("lever"), r.param("mgnMode"), r.param("instId")) for r in sent] == [
            ("7", "cross", "BTC-USDT-SWAP"),
            ("7", "cross", "BTC-USDT-SWAP"),
            ("7", "isolated", "BTC-USDT-SWAP"),
            ("20", "isolated", "ETH-USDT-SWAP"),
        ]
        assert [(r.param("instId"), r.param("mgnMode")) for r in asked] == [
            ("ETH-USDT-SWAP", "cross")
        ]
        assert order.param("tdMode") == "isolated"
        assert position.margin_mode == "isolated" and position.leverage == 7

    async def default_mode() -> None:
        async with venue_and_broker("okx") as (_, broker):
            await broker.set_leverage(BTC, Decimal(5))
            await broker.submit_order(market("p1", Side.BUY, "0.020"))
            (btc,) = await broker.fetch_positions([BTC])
        # Unless told otherwise, OKX positions are cross, at the leverage set.
        assert btc.leverage == 5 and btc.margin_mode == "cross"

    asyncio.run(run())
    asyncio.run(default_mode())


def test_fills_are_asked_as_swaps_from_a_begin_time() -> None:
    # What every venue's fills must carry is tested in test_ccxt_orders; here, how OKX is asked.
    async def run() -> None:
        async with venue_and_broker("okx") as (venue, broker):
            start = venue.clock()
            await broker.submit_order(market("ftaker", Side.BUY, "0.020"))
            assert len(await broker.fetch_fills([BTC, ETH], start)) == 1
            assert await broker.fetch_fills([BTC], venue.clock() + 1) == []
            asked = venue.recorded("/api/v5/trade/fills-history")
        assert asked and all(r.param("instType") == "SWAP" and r.param("begin") for r in asked)

    asyncio.run(run())


def test_funding_comes_from_bounded_funding_bills() -> None:
    # What every venue's payments must carry is tested in test_ccxt_orders; here, how OKX is asked:
    # funding bills (type 8), bounded in time, since ccxt sends no bounds of its own.
    async def run() -> None:
        async with venue_and_broker("okx") as (venue, broker):
            now = venue.clock()
            await broker.submit_order(market("fund1", Side.BUY, "0.020"))
            venue.settle_funding(BTC, "0.0001", time_ms=now - 7_200_000)
            assert len(await broker.fetch_funding([BTC], now - 7_200_000)) == 1
            bills = venue.recorded("/api/v5/account/bills-archive")
            assert bills and all(r.param("type") == "8" and r.param("begin") for r in bills)

    asyncio.run(run())


def test_funding_over_many_pages_and_two_symbols_is_fetched_once_each() -> None:
    # OKX bills are asked by currency unless the instrument is named; with two symbols settling
    # together, ccxt's client-side symbol filter made every page look short and the walk stopped.
    hours8, settlements = 8 * 3_600_000, 130

    async def run() -> tuple[dict[str, list[FundingPayment]], list[int], int]:
        async with venue_and_broker("okx") as (venue, broker):
            now = venue.clock()
            await broker.submit_order(market("fb1", Side.BUY, "0.020"))
            await broker.submit_order(attrs.evolve(market("fe1", Side.BUY, "0.100"), symbol=ETH))
            for i in range(settlements, 0, -1):
                venue.settle_funding(BTC, "0.0001", time_ms=now - i * hours8)
                venue.settle_funding(ETH, "-0.0001", time_ms=now - i * hours8 + 1)
            since = now - (settlements + 1) * hours8
            got = {s: await broker.fetch_funding([s], since) for s in (BTC, ETH)}
            bills = venue.recorded("/api/v5/account/bills-archive")
            assert {r.param("instId") for r in bills} == {"BTC-USDT-SWAP", "ETH-USDT-SWAP"}
            return got, [now - i * hours8 for i in range(settlements, 0, -1)], len(bills)

    got, stamps, requests = asyncio.run(run())
    assert [p.timestamp_ms for p in got[BTC]] == stamps
    assert [p.timestamp_ms for p in got[ETH]] == [t + 1 for t in stamps]
    # Paid on the long BTC position, received on the long ETH one (negative rate).
    assert all(p.symbol == BTC and p.amount < 0 for p in got[BTC])
    assert all(p.symbol == ETH and p.amount > 0 for p in got[ETH])
    # Every payment has its rate and size: the rate history (100 rows a page on OKX) is walked too.
    assert {(p.rate, p.position_size) for p in got[BTC]} == {(Decimal("0.0001"), Decimal("0.020"))}
    assert {(p.rate, p.position_size) for p in got[ETH]} == {(Decimal("-0.0001"), Decimal("0.100"))}
    # 130 bills per symbol: two pages each (the second re-asks from the edge millisecond).
    assert requests == 4


def test_a_symbol_without_a_mark_price_refuses_its_tiers_in_one_line() -> None:
    async def run() -> None:
        async with venue_and_broker("okx") as (venue, broker):
            assert isinstance(venue, OkxVenue)
            venue.unmarked.add("ETHUSDT")
            with pytest.raises(BrokerError) as refused:
                await broker.load_markets([BTC, ETH])
            message = str(refused.value)
            assert ETH in message and "mark price" in message and "\n" not in message
            # The marked symbol alone still loads, with its tiers in notional.
            specs = await broker.load_markets([BTC])
            assert specs[BTC].tiers and all(t.max_notional > 0 for t in specs[BTC].tiers)

    asyncio.run(run())


def test_fee_rates() -> None:
    # Candles and marks are in test_ccxt_orders' every-venue tests.
    async def run() -> None:
        async with venue_and_broker("okx") as (_, broker):
            rates = await broker.fetch_fee_rates([BTC])
        assert rates[BTC].maker == MAKER_FEE and rates[BTC].taker == TAKER_FEE

    asyncio.run(run())


def test_a_submit_whose_answer_was_lost_is_found_not_resent() -> None:
    async def run() -> None:
        async with venue_and_broker("okx") as (venue, broker):
            venue.faults.fail_next_submits(1, "5xx")
            order = await broker.submit_order(market("lost1", Side.BUY, "0.010"))
            assert len(submits(venue)) == 1
            assert [o["client_id"] for o in venue.orders()] == ["lost1"]
        assert order.status is OrderStatus.FILLED and order.size == Decimal("0.010")

    asyncio.run(run())


def test_a_lost_answer_with_a_lagging_lookup_is_not_sent_again() -> None:
    """Once sending again would have been refused as a duplicate (51016); now nothing is sent
    again at all: the outcome is unknown until a later lookup finds the order."""

    async def run() -> None:
        async with venue_and_broker("okx") as (venue, broker):
            venue.faults.fail_next_submits(1, "5xx")
            venue.faults.hide_next_lookups(1)
            with pytest.raises(OrderOutcomeUnknown, match="dup1"):
                await broker.submit_order(market("dup1", Side.BUY, "0.010"))
            order = await broker.fetch_order(BTC, "dup1")
            answers = [r.response for r in submits(venue)]
        assert order is not None
        assert order.client_order_id == "dup1" and order.status is OrderStatus.FILLED
        assert len(answers) == 1

    asyncio.run(run())


def test_the_passphrase_is_required_and_sandbox_uses_the_demo_header() -> None:
    async def run() -> None:
        async with venue_and_broker("okx", api_password="wrong-passphrase", start=False) as (
            _,
            broker,
        ):
            with pytest.raises(AuthenticationFailed, match="50105"):
                await broker.start()

    asyncio.run(run())
    broker = create_ccxt_broker(registry.venue("okx"), "k", "s", "p", sandbox=True)
    assert broker._exchange.headers.get("x-simulated-trading") == "1"
    assert isinstance(broker, CcxtBroker)
    with pytest.raises(ConfigError):
        create_ccxt_broker(registry.venue("okx"), "k", "s", "p", ccxt_config={"password": "p"})


KEY = "PLANTED-KEY-a71f93c2e5d84b06"
SECRET = "PLANTED-SECRET-4c0e9b7a2f6d1835"
PASSPHRASE = "PLANTED-PASS-9e1b7c3d"
WRONG = "PLANTED-WRONGPASS-5f2a"


@pytest.mark.parametrize("access", ACCESS)
def test_no_key_secret_or_passphrase_in_errors_or_logs(
    access: str, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    errors: list[BaseException] = []

    async def collect(coro: Awaitable[object]) -> None:
        try:
            await coro
        except BotError as exc:
            errors.append(exc)

    async def run() -> None:
        venue_kwargs = {"api_key": KEY, "api_secret": SECRET, "passphrase": PASSPHRASE}
        async with venue_and_broker(
            "okx",
            access=access,  # type: ignore[arg-type]
            api_key=KEY,
            api_secret=SECRET,
            api_password=PASSPHRASE,
            venue_kwargs={**venue_kwargs, "balance": "20"},
            sleep=SleepRecorder(),
        ) as (venue, broker):
            await broker.fetch_positions([BTC])
            await collect(broker.submit_order(market("s1", Side.BUY, "0.010")))
            venue.faults.server_error_next(10, status=503)
            await collect(broker.fetch_balance())
        async with venue_and_broker(
            "okx",
            access=access,  # type: ignore[arg-type]
            api_key=KEY,
            api_secret=SECRET,
            api_password=WRONG,
            venue_kwargs=venue_kwargs,
            start=False,
        ) as (_, wrong):
            await collect(wrong.start())

    asyncio.run(run())
    assert len(errors) == 3
    planted = (KEY, SECRET, PASSPHRASE, WRONG)
    lines = [record.getMessage() for record in caplog.records]
    assert any("OK-ACCESS" in line for line in lines), "ccxt's wire log should be captured"
    out = capsys.readouterr()
    texts = [str(e) for e in errors] + ["".join(traceback.format_exception(e)) for e in errors]
    for text in [*texts, *lines, out.out + out.err]:
        assert not [p for p in planted if p in text], text


def test_serve_runs_okx_as_a_process(tmp_path: Path) -> None:
    state = tmp_path / "okx.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.loopback.serve", "okx", "--state-file", str(state)],
        cwd=str(Path(__file__).resolve().parents[3]),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        first = wait_for_state_file(state, timeout_s=30)
        assert process.stdout is not None
        line = process.stdout.readline()
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert first["venue"] == "okx"
    assert line.startswith(f"LOOPBACK okx {first['url']} tls_port=")


def test_keys_without_a_passphrase_fail_at_start_without_a_request() -> None:
    async def run() -> None:
        async with venue_and_broker("okx", api_password="", start=False) as (venue, broker):
            with pytest.raises(AuthenticationFailed, match="password"):
                await broker.start()
            assert venue.recorded("/api/v5/account") == []

    asyncio.run(run())
