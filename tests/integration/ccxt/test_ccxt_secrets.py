"""Credentials never appear in an error text, a traceback or a log line, even though ccxt logs
request headers at DEBUG and puts request URLs in its exception messages, and Bybit echoes the API
key back in its bad-signature answer. Also: credentials cannot come from the config file."""

from __future__ import annotations

import asyncio
import logging
import re
import traceback

import pytest
from ccxt_harness import BTC, SleepRecorder, market, venue_and_broker

from bot_v2.adapters.brokers.ccxt import CcxtBroker, create_ccxt_broker
from bot_v2.adapters.venues import registry
from bot_v2.adapters.venues.profile import VenueProfile
from bot_v2.adapters.venues.venue import Venue
from bot_v2.domain.errors import BotError, ConfigError
from bot_v2.domain.orders import Side

KEY = "PLANTED-KEY-a71f93c2e5d84b06"
SECRET = "PLANTED-SECRET-4c0e9b7a2f6d1835"
WRONG_SECRET = "PLANTED-WRONGSECRET-e8d2c4a6b0f19357"


def _leaks(text: str) -> list[str]:
    found = [s for s in (KEY, SECRET, WRONG_SECRET) if s in text]
    if re.search(r"signature=[0-9a-f]{16,}", text):
        found.append("a request signature")
    return found


@pytest.mark.parametrize("venue_id", ["binanceusdm", "bybit"])
@pytest.mark.parametrize("access", ["session", "urls"])
def test_no_credential_in_errors_tracebacks_or_logs(
    venue_id: str, access: str, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    errors: list[BaseException] = []

    async def collect(coro: object) -> None:
        try:
            await coro  # type: ignore[misc]
        except BotError as exc:
            errors.append(exc)

    async def run() -> None:
        venue_kwargs = {"api_key": KEY, "api_secret": SECRET, "balance": "20"}
        async with venue_and_broker(
            venue_id,
            access=access,  # type: ignore[arg-type]
            api_key=KEY,
            api_secret=SECRET,
            venue_kwargs=venue_kwargs,
            ccxt_extra={"timeout": 300},
            sleep=SleepRecorder(),
        ) as (venue, broker):
            await broker.load_markets([BTC])
            await broker.fetch_positions([BTC])
            await collect(broker.submit_order(market("s-1", Side.BUY, "0.010")))  # margin
            venue.faults.server_error_next(10, status=503)
            await collect(broker.fetch_balance())
            venue.faults.clear()
            venue.faults.timeout_delay_s = 1.0
            venue.faults.fail_next_submits(4, "timeout")
            venue.faults.rate_limit_next(10, path_contains="order")
            await collect(broker.submit_order(market("s-2", Side.BUY, "0.001")))
            venue.faults.clear()
        async with venue_and_broker(
            venue_id,
            access=access,  # type: ignore[arg-type]
            api_key=KEY,
            api_secret=WRONG_SECRET,
            venue_kwargs=venue_kwargs,
            start=False,
        ) as (_, wrong):
            # Bybit answers a bad signature with the signed string, API key included.
            await collect(wrong.start())

    asyncio.run(run())
    assert len(errors) == 4
    for exc in errors:
        assert _leaks(str(exc)) == [], str(exc)
        assert _leaks(repr(exc)) == []
        assert _leaks("".join(traceback.format_exception(exc))) == []
    assert any("origin_string" in str(e) for e in errors) == (venue_id == "bybit")
    lines = [record.getMessage() for record in caplog.records]
    assert any("Request" in line for line in lines), "ccxt's wire log should be captured"
    for line in lines:
        assert _leaks(line) == [], line
    out = capsys.readouterr()
    assert _leaks(out.out + out.err) == []


def test_credentials_in_ccxt_config_are_refused() -> None:
    with pytest.raises(ConfigError) as caught:
        create_ccxt_broker(
            registry.venue("binanceusdm"), ccxt_config={"apiKey": KEY, "secret": SECRET}
        )
    assert caught.value.lines == [
        "config.broker.ccxt_config.apiKey: credentials come from the environment, not the config",
        "config.broker.ccxt_config.secret: credentials come from the environment, not the config",
    ]
    assert _leaks(str(caught.value)) == []


def test_verbose_ccxt_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"^config\.broker\.ccxt_config\.verbose: "):
        create_ccxt_broker(registry.venue("bybit"), KEY, SECRET, ccxt_config={"verbose": True})


def test_unknown_venue_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as caught:
        create_ccxt_broker(registry.venue("binance_spot"), KEY, SECRET)
    assert caught.value.lines == [
        "config.broker.exchange: 'binance_spot' is not a supported venue (supported: binanceusdm, bybit, krakenfutures, okx)"
    ]


def test_broker_repr_shows_no_credentials() -> None:
    broker = CcxtBroker(registry.venue("binanceusdm"), KEY, SECRET)
    assert _leaks(repr(broker)) == []


def test_sandbox_switches_to_the_venue_test_urls() -> None:
    binance = create_ccxt_broker(registry.venue("binanceusdm"), KEY, SECRET, sandbox=True)
    bybit = create_ccxt_broker(registry.venue("bybit"), KEY, SECRET, sandbox=True)
    binance_api = binance._exchange.urls["api"]
    bybit_api = bybit._exchange.urls["api"]
    assert binance_api["fapiPrivate"].startswith("https://demo-fapi.binance.com/")
    assert bybit_api["private"].startswith("https://api-testnet.")


def test_sandbox_on_a_venue_without_one_fails_clearly() -> None:
    # ccxt lists no testnet for mexc; a profile for it must not silently trade live.
    profile = VenueProfile(
        exchange_id="mexc",
        ccxt_defaults={},
        client_id_param="clientOrderId",
        lookup_id_param="clientOrderId",
        client_id_pattern=r"^\w{1,32}$",
        fetch_by_client_id="fetch_order",
        sandbox="testnet",
    )
    with pytest.raises(ConfigError) as caught:
        create_ccxt_broker(Venue(profile=profile), KEY, SECRET, sandbox=True)
    assert caught.value.lines == ["config.broker.sandbox: mexc has no testnet in ccxt"]
