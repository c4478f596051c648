"""Kraken Futures through the real ccxt client against the loopback Kraken Futures venue: USD
multi-collateral perpetuals (`BTC/USD:USD`, wire id PF_XBTUSD), the Authent signature, Kraken's
error envelope and order statuses, client ids as `cliOrdId` (looked up through orders/status,
cancelled through batchorder), funding from the account log, and stops / take-profits held in
the same open-orders listing as plain orders."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
import traceback
from decimal import Decimal
from pathlib import Path

import pytest
from ccxt_harness import SleepRecorder, venue_and_broker
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.loopback import API_KEY, ccxt_config_for, wait_for_state_file
from tests.loopback import market as loopback_market
from tests.loopback.book import MAKER_FEE, TAKER_FEE
from tests.loopback.krakenfutures import API_SECRET, KrakenFuturesVenue, authent, endpoint_path

from bot_v2.adapters.brokers.ccxt import CcxtBroker
from bot_v2.adapters.venues import registry
from bot_v2.domain.errors import (
    AuthenticationFailed,
    BotError,
    ConfigError,
    InsufficientFunds,
    InvalidOrder,
    InvalidSymbol,
    OrderNotFound,
)
from bot_v2.domain.orders import (
    OrderRequest,
    OrderStatus,
    OrderType,
    Side,
    TimeInForce,
    TriggerPrice,
)

BTC = "BTC/USD:USD"
ETH = "ETH/USD:USD"
ACCESS = ["session", "urls"]
VENUE = "krakenfutures"
SEND = "/derivatives/api/v3/sendorder"


def market(cid: str, side: Side, size: str, *, reduce_only: bool = False) -> OrderRequest:
    return OrderRequest(cid, BTC, side, OrderType.MARKET, Decimal(size), reduce_only=reduce_only)


def limit(
    cid: str,
    side: Side,
    size: str,
    price: str,
    *,
    tif: TimeInForce = TimeInForce.GTC,
    post_only: bool = False,
) -> OrderRequest:
    return OrderRequest(
        cid,
        BTC,
        side,
        OrderType.LIMIT,
        Decimal(size),
        price=Decimal(price),
        time_in_force=tif,
        post_only=post_only,
    )


def protective(
    cid: str,
    side: Side,
    size: str,
    trigger: str,
    *,
    kind: OrderType = OrderType.STOP_MARKET,
    by: TriggerPrice = TriggerPrice.MARK,
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
    )


def test_start_loads_instruments_and_proves_the_keys_with_one_signed_call() -> None:
    async def run() -> list[tuple[str, str | None]]:
        async with venue_and_broker(VENUE) as (venue, _):
            return [(r.path, r.api_key) for r in venue.requests]

    assert asyncio.run(run()) == [
        ("/derivatives/api/v3/instruments", None),
        ("/derivatives/api/v3/accounts", API_KEY),
    ]


@pytest.mark.parametrize("access", ACCESS)
def test_usd_perpetuals_load_in_base_units_and_the_inverse_one_is_refused(access: str) -> None:
    async def run() -> None:
        async with venue_and_broker(VENUE, access=access) as (_, broker):  # type: ignore[arg-type]
            specs = await broker.load_markets([BTC, ETH])
            with pytest.raises(InvalidSymbol, match="inverse swap, not a linear swap"):
                await broker.load_markets(["BTC/USD:BTC"])
            with pytest.raises(InvalidSymbol, match="not listed"):
                await broker.load_markets(["BTC/USDT:USDT"])
        btc = specs[BTC]
        assert (btc.tick_size, btc.step_size, btc.min_size) == (
            Decimal("0.1"),
            Decimal("0.001"),
            Decimal("0.001"),
        )
        assert btc.contract_size == 1 and btc.min_notional == 0
        # Kraken's margin levels start at position sizes; the spec's tiers are notional.
        assert btc.tiers and btc.tiers[0].min_notional == 0
        assert btc.max_leverage == btc.tiers[0].max_leverage

    asyncio.run(run())


@pytest.mark.parametrize("access", ACCESS)
def test_a_market_order_fills_and_shows_in_position_balance_and_fills(access: str) -> None:
    async def run() -> None:
        async with venue_and_broker(
            VENUE,
            access=access,  # type: ignore[arg-type]
            venue_kwargs={"prices": {BTC: "50000"}},
        ) as (venue, broker):
            start = venue.clock()
            order = await broker.submit_order(market("mkt1", Side.BUY, "0.020"))
            sent = venue.recorded(SEND, method="POST")
            positions = await broker.fetch_positions([BTC])
            balance = await broker.fetch_balance()
            fills = await broker.fetch_fills([BTC], start)
        assert [
            (r.param("cliOrdId"), r.param("orderType"), r.param("size"), r.param("symbol"))
            for r in sent
        ] == [("mkt1", "mkt", "0.02", "PF_XBTUSD")]
        assert (order.status, order.type, order.filled) == (
            OrderStatus.FILLED,
            OrderType.MARKET,
            Decimal("0.020"),
        )
        assert order.average_price == Decimal(50000)
        assert [(p.symbol, p.size, p.entry_price) for p in positions] == [
            (BTC, Decimal("0.020"), Decimal(50000))
        ]
        fee = Decimal("0.020") * 50000 * TAKER_FEE
        assert balance.asset == "USD" and balance.total == Decimal(10000) - fee
        assert [(f.client_order_id, f.side, f.size, f.price) for f in fills] == [
            ("mkt1", Side.BUY, Decimal("0.020"), Decimal(50000))
        ]
        assert fills[0].is_maker is False

    asyncio.run(run())


def test_a_resting_limit_is_found_by_client_id_and_cancelled_by_it() -> None:
    async def run() -> None:
        async with venue_and_broker(VENUE, venue_kwargs={"prices": {BTC: "50000"}}) as (
            venue,
            broker,
        ):
            placed = await broker.submit_order(limit("lim1", Side.BUY, "0.010", "40000.0"))
            listed = await broker.fetch_open_orders([BTC])
            found = await broker.fetch_order(BTC, "lim1")
            cancelled = await broker.cancel_order(BTC, "lim1")
            again = await broker.fetch_order(BTC, "lim1")
            missing = await broker.fetch_order(BTC, "nosuch")
            with pytest.raises(OrderNotFound):
                await broker.cancel_order(BTC, "nosuch")
            status_asks = venue.recorded("/derivatives/api/v3/orders/status")
            batches = venue.recorded("/derivatives/api/v3/batchorder", method="POST")
            single_cancels = venue.recorded("/derivatives/api/v3/cancelorder")
        assert placed.status is OrderStatus.NEW and placed.size == Decimal("0.010")
        assert [o.client_order_id for o in listed] == ["lim1"]
        assert found is not None and found.exchange_order_id == placed.exchange_order_id
        assert cancelled.status is OrderStatus.CANCELED
        assert again is not None and again.status is OrderStatus.CANCELED
        assert missing is None
        # Looked up by cliOrdIds (never an `orderIds=None`), cancelled by cliOrdId in a batch.
        assert all(r.query.get("cliOrdIds") and "orderIds" not in r.query for r in status_asks)
        assert batches[0].body["json"] == (
            '{"batchOrder":[{"order":"cancel","cliOrdId":"lim1"}],"clientOrderIds":["lim1"]}'
        )
        assert single_cancels == []

    asyncio.run(run())


def test_ioc_goes_out_as_ioc_fok_is_refused_and_post_only_would_take_is_refused() -> None:
    async def run() -> None:
        async with venue_and_broker(VENUE, venue_kwargs={"prices": {BTC: "50000"}}) as (
            venue,
            broker,
        ):
            with pytest.raises(InvalidOrder, match="no FOK"):
                await broker.submit_order(
                    limit("fok1", Side.BUY, "0.010", "40000.0", tif=TimeInForce.FOK)
                )
            with pytest.raises(InvalidOrder, match="iocWouldNotExecute"):
                await broker.submit_order(
                    limit("ioc1", Side.BUY, "0.010", "40000.0", tif=TimeInForce.IOC)
                )
            with pytest.raises(InvalidOrder, match="postWouldExecute"):
                await broker.submit_order(
                    limit("po1", Side.BUY, "0.010", "60000.0", post_only=True)
                )
            resting = await broker.submit_order(
                limit("po2", Side.BUY, "0.010", "40000.0", post_only=True)
            )
            sent = [(r.param("cliOrdId"), r.param("orderType")) for r in venue.recorded(SEND)]
        assert sent == [("ioc1", "ioc"), ("po1", "post"), ("po2", "post")]
        assert resting.status is OrderStatus.NEW

    asyncio.run(run())


def test_refusals_in_kraken_words_become_domain_errors() -> None:
    async def run() -> None:
        async with venue_and_broker(
            VENUE, venue_kwargs={"prices": {BTC: "50000"}, "balance": "100"}
        ) as (venue, broker):
            with pytest.raises(InvalidOrder, match="wouldNotReducePosition"):
                await broker.submit_order(market("ro1", Side.SELL, "0.010", reduce_only=True))
            with pytest.raises(InsufficientFunds, match="insufficientAvailableFunds"):
                await broker.submit_order(market("big1", Side.BUY, "1.000"))
            await broker.submit_order(market("ok1", Side.BUY, "0.001"))
            with pytest.raises(InvalidOrder, match="clientOrderIdAlreadyExist"):
                await broker.submit_order(market("ok1", Side.BUY, "0.001"))
            assert venue.book.position("BTCUSDT").size == Decimal("0.001")

    asyncio.run(run())


@pytest.mark.parametrize("access", ACCESS)
def test_a_wrong_secret_is_refused_by_the_authent_check(access: str) -> None:
    wrong = "d3JvbmctYnV0LXZhbGlkLWJhc2U2NC1zZWNyZXQ="

    async def run() -> None:
        async with venue_and_broker(
            VENUE,
            access=access,  # type: ignore[arg-type]
            api_secret=wrong,
            start=False,
        ) as (venue, broker):
            with pytest.raises(AuthenticationFailed, match="authenticationError"):
                await broker.start()
            answer = venue.recorded("/accounts")[-1].response
        assert '"result": "error"' in answer

    asyncio.run(run())


def test_a_rate_limit_is_retried_and_a_lost_submit_is_found_not_resent() -> None:
    async def run() -> None:
        sleeps = SleepRecorder()
        async with venue_and_broker(
            VENUE, venue_kwargs={"prices": {BTC: "50000"}}, sleep=sleeps
        ) as (venue, broker):
            venue.faults.rate_limit_next(1)
            balance = await broker.fetch_balance()
            venue.faults.fail_next_submits(1, "5xx")
            order = await broker.submit_order(market("lost1", Side.BUY, "0.010"))
            sends = venue.recorded(SEND)
        assert balance.total == Decimal(10000) and len(sleeps.delays) >= 1
        assert len(sends) == 1 and order.status is OrderStatus.FILLED
        assert order.client_order_id == "lost1"

    asyncio.run(run())


def test_leverage_is_a_leverage_preference() -> None:
    async def run() -> None:
        async with venue_and_broker(VENUE) as (venue, broker):
            await broker.set_leverage(BTC, Decimal(5))
            sent = venue.recorded("/derivatives/api/v3/leveragepreferences", method="PUT")
            held = venue.book.leverage_of("BTCUSDT")
        assert [(r.param("symbol"), r.param("maxLeverage")) for r in sent] == [("PF_XBTUSD", "5")]
        assert held == 5

    asyncio.run(run())


def test_funding_comes_from_the_account_log_with_the_rate_history() -> None:
    async def run() -> None:
        async with venue_and_broker(VENUE, venue_kwargs={"prices": {BTC: "50000"}}) as (
            venue,
            broker,
        ):
            start = venue.clock()
            await broker.submit_order(market("f1", Side.BUY, "0.100"))
            venue.settle_funding(BTC, "0.0002")
            payments = await broker.fetch_funding([BTC], start)
            log_asks = venue.recorded("/api/history/v3/account-log")
        assert len(payments) == 1
        paid = payments[0]
        assert paid.amount == Decimal("-1") and paid.rate == Decimal("0.0002")
        assert log_asks[0].query["info"] == "funding rate change"
        assert log_asks[0].query["sort"] == "asc" and "since" in log_asks[0].query

    asyncio.run(run())


@pytest.mark.parametrize("access", ACCESS)
def test_stops_are_listed_apart_cancelled_by_client_id_and_fire_on_the_mark(access: str) -> None:
    async def run() -> None:
        async with venue_and_broker(
            VENUE,
            access=access,  # type: ignore[arg-type]
            venue_kwargs={"prices": {BTC: "50000"}},
        ) as (venue, broker):
            await broker.submit_order(market("entry1", Side.BUY, "0.020"))
            await broker.submit_order(limit("rest1", Side.BUY, "0.010", "40000.0"))
            stop = await broker.place_protective(protective("sl1", Side.SELL, "0.020", "49000"))
            take = await broker.place_protective(
                protective(
                    "tp1",
                    Side.SELL,
                    "0.020",
                    "52000",
                    kind=OrderType.TAKE_PROFIT_MARKET,
                    by=TriggerPrice.LAST,
                )
            )
            sent = [
                (r.param("cliOrdId"), r.param("orderType"), r.param("triggerSignal"))
                for r in venue.recorded(SEND)[2:]
            ]
            assert [r.param("reduceOnly") for r in venue.recorded(SEND)[2:]] == ["true", "true"]
            listed = {o.client_order_id: o for o in await broker.fetch_protective_orders([BTC])}
            plain = [o.client_order_id for o in await broker.fetch_open_orders([BTC])]
            cancelled = await broker.cancel_protective(BTC, "tp1")
            venue.set_price(BTC, "49500")
            venue.set_mark(BTC, "49500")
            still = [o.client_order_id for o in await broker.fetch_protective_orders([BTC])]
            venue.set_mark(BTC, "48990")
            after = await broker.fetch_protective_orders([BTC])
            position = venue.book.position("BTCUSDT").size
            fills = [f for f in await broker.fetch_fills([BTC], 0) if f.client_order_id == "sl1"]
        assert sent == [("sl1", "stp", "mark"), ("tp1", "take_profit", "last")]
        assert (stop.status, stop.type, stop.trigger_price, stop.trigger_by) == (
            OrderStatus.NEW,
            OrderType.STOP_MARKET,
            Decimal(49000),
            TriggerPrice.MARK,
        )
        assert (take.type, take.trigger_by) == (OrderType.TAKE_PROFIT_MARKET, TriggerPrice.LAST)
        assert set(listed) == {"sl1", "tp1"}
        assert listed["tp1"].type is OrderType.TAKE_PROFIT_MARKET
        assert (
            listed["sl1"].size == Decimal("0.020") and listed["sl1"].trigger_by is TriggerPrice.MARK
        )
        # Kraken lists stops with plain orders; the plain listing leaves them out.
        assert plain == ["rest1"]
        assert (cancelled.client_order_id, cancelled.status) == ("tp1", OrderStatus.CANCELED)
        assert still == ["sl1"]
        assert after == [] and position == 0
        assert [(f.side, f.size) for f in fills] == [(Side.SELL, Decimal("0.020"))]

    asyncio.run(run())


def test_the_quote_asset_must_be_what_kraken_settles_in() -> None:
    with pytest.raises(ConfigError) as refused:
        CcxtBroker(registry.venue(VENUE), API_KEY, API_SECRET, quote_asset="USDT")
    assert refused.value.lines == [
        "config.bot.quote_asset: krakenfutures settles linear perpetuals in USD, got 'USDT'"
    ]


def test_coinbase_international_is_refused_in_one_line() -> None:
    with pytest.raises(ConfigError) as refused:
        CcxtBroker(registry.venue("coinbaseinternational"), API_KEY, API_SECRET)
    assert len(refused.value.lines) == 1
    assert refused.value.lines[0].startswith(
        "config.broker.exchange: 'coinbaseinternational' is refused: "
    )
    assert "reduce-only" in refused.value.lines[0]


KEY = "kraken-key-planted-5e1d"
SECRET = "cGxhbnRlZC1rcmFrZW4tc2VjcmV0LTcwYzM5YWE0"


@pytest.mark.parametrize("access", ACCESS)
def test_no_key_or_secret_in_errors_or_logs(
    access: str, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    errors: list[BaseException] = []

    async def run() -> None:
        kwargs = {"api_key": KEY, "api_secret": SECRET, "balance": "20"}
        async with venue_and_broker(
            VENUE,
            access=access,  # type: ignore[arg-type]
            api_key=KEY,
            api_secret=SECRET,
            venue_kwargs=kwargs,
        ) as (venue, broker):
            await broker.fetch_positions([BTC])
            try:
                await broker.submit_order(market("s1", Side.BUY, "0.010"))
            except BotError as exc:
                errors.append(exc)
            venue.faults.server_error_next(10, status=503)
            try:
                await broker.fetch_balance()
            except BotError as exc:
                errors.append(exc)

    asyncio.run(run())
    assert len(errors) == 2
    lines = [record.getMessage() for record in caplog.records]
    assert any("Authent" in line for line in lines), "ccxt's wire log should be captured"
    # The signature is masked too: without a nonce it would replay the request.
    assert all("'Authent': '***'" in line for line in lines if "'Authent'" in line)
    out = capsys.readouterr()
    texts = [str(e) for e in errors] + ["".join(traceback.format_exception(e)) for e in errors]
    for text in [*texts, *lines, out.out + out.err]:
        assert KEY not in text and SECRET not in text, text


def test_serve_runs_krakenfutures_as_a_process(tmp_path: Path) -> None:
    state = tmp_path / "kraken.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.loopback.serve", VENUE, "--state-file", str(state)],
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
    assert first["venue"] == VENUE
    assert line.startswith(f"LOOPBACK {VENUE} {first['url']} tls_port=")


_SIGNER: list[object] = []


def _signer() -> object:
    if not _SIGNER:
        import ccxt  # type: ignore[import-untyped]

        _SIGNER.append(ccxt.krakenfutures({"apiKey": API_KEY, "secret": API_SECRET}))
    return _SIGNER[0]


@settings(max_examples=150, deadline=None)
@given(
    path=st.sampled_from(
        [
            ("private", "POST", "sendorder"),
            ("private", "GET", "orders/status"),
            ("private", "PUT", "leveragepreferences"),
            ("private", "POST", "batchorder"),
            ("history", "GET", "account-log"),
        ]
    ),
    params=st.dictionaries(
        st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_", min_size=1, max_size=12),
        st.one_of(st.text(max_size=20), st.integers(-(10**12), 10**12), st.booleans()),
        max_size=5,
    ),
)
def test_the_loopback_checks_the_authent_ccxt_sends(
    path: tuple[str, str, str], params: dict[str, object]
) -> None:
    """For any parameters, what ccxt signs is what the loopback verifies: the query string (or the
    batch body) as postData, and the URL path from /api/ on as endpointPath."""
    from urllib.parse import urlsplit

    api, method, endpoint = path
    params.pop("version", None)
    signed = _signer().sign(endpoint, [api], method, dict(params))  # type: ignore[attr-defined]
    url = urlsplit(signed["url"])
    post_data = signed["body"] or url.query
    expected = authent(API_SECRET, post_data, "", endpoint_path(url.path))
    assert signed["headers"]["Authent"] == expected
    # One changed byte of what was sent fails the check.
    assert authent(API_SECRET, post_data + "x", "", endpoint_path(url.path)) != expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (
            "krakenfutures: createOrder failed due to wouldNotReducePosition",
            "wouldNotReducePosition",
        ),
        ('krakenfutures {"result":"error","error":"apiLimitExceeded"}', "apiLimitExceeded"),
        # A number where the venue gives one still wins (Binance, OKX).
        ('binanceusdm {"code":-2019,"msg":"failed due to margin"}', "-2019"),
        ("no code at all", None),
    ],
)
def test_kraken_error_words_are_read_as_venue_codes(text: str, code: str | None) -> None:
    from bot_v2.adapters.brokers.ccxt.errors import venue_code

    assert venue_code(Exception(text)) == code


def test_marks_funding_rate_and_closed_candles_come_from_public_endpoints() -> None:
    async def run() -> None:
        async with venue_and_broker(VENUE, venue_kwargs={"prices": {BTC: "50000"}}) as (
            venue,
            broker,
        ):
            venue.set_mark(BTC, "50100")
            marks = await broker.fetch_marks([BTC])
            funding = await broker.fetch_funding_rate(BTC)
            published = loopback_market.last_funding_rate(venue.book, "BTCUSDT")
            now = venue.clock()
            candles = await broker.fetch_candles(BTC, 60_000, now - 10 * 60_000, 10)
            chart_asks = venue.recorded("/api/charts/v1/trade/PF_XBTUSD/1m")
        assert [(m.symbol, m.price) for m in marks] == [(BTC, Decimal(50100))]
        # Kraken's ticker rate is absolute (per contract); ccxt divides it by the mark.
        assert funding.rate == published and funding.mark_price == Decimal(50100)
        assert candles and all(c.timestamp_ms + 60_000 <= now for c in candles)
        stamps = [c.timestamp_ms for c in candles]
        assert stamps == sorted(set(stamps))
        assert chart_asks and "from" in chart_asks[0].query and "to" in chart_asks[0].query

    asyncio.run(run())


def test_fee_rates_come_from_the_fee_schedule_at_the_account_volume() -> None:
    async def run() -> None:
        async with venue_and_broker(VENUE) as (venue, broker):
            rates = await broker.fetch_fee_rates([BTC])
            asked = [r.path for r in venue.recorded("/feeschedules")]
        assert rates[BTC].maker == MAKER_FEE and rates[BTC].taker == TAKER_FEE
        assert asked == [
            "/derivatives/api/v3/feeschedules",
            "/derivatives/api/v3/feeschedules/volumes",
        ]

    asyncio.run(run())


def test_download_pages_end_at_the_range_asked() -> None:
    """ccxt passes `until` to Kraken unread: candles are bounded with the charts API's `to`, and
    the funding-rate history (every rate at once) is cut at the range's end."""
    from bot_v2.adapters.brokers.ccxt.public_history import CcxtPublicHistory

    hour = 3_600_000
    since = 1_704_067_200_000  # 2024-01-01, inside the bundled history
    until = since + 10 * hour - 1

    async def run() -> None:
        async with KrakenFuturesVenue() as venue:
            history = CcxtPublicHistory(
                registry.venue(VENUE),
                ccxt_config=ccxt_config_for(VENUE, venue.url),
                quote_asset="USD",
            )
            try:
                await history.open()
                candles = await history.candle_page(BTC, "1h", "candles", since, until, 2000)
                marks = await history.candle_page(BTC, "1h", "mark", since, until, 2000)
                rates = await history.funding_page(BTC, since, until, 1000)
            finally:
                await history.close()
            asks = venue.recorded("/api/charts/v1/")
        assert [c.timestamp_ms for c in candles] == [since + i * hour for i in range(10)]
        assert [c.timestamp_ms for c in marks] == [since + i * hour for i in range(10)]
        assert [a.query["to"] for a in asks] == [str(until // 1000)] * 2
        assert "/mark/" in asks[1].path
        assert rates and all(since <= r.timestamp_ms <= until for r in rates)

    asyncio.run(run())
