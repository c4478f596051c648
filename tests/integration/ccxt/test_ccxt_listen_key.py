"""The user-data-stream listen key through ccxt's implicit API, against the loopback Binance venue:
POST obtains (the active key, or a new one after expiry), PUT keeps it alive, errors come out as
domain errors in one line, and the key never shows in an error or a log line. A venue without a
private stream says so in one line."""

from __future__ import annotations

import asyncio
import logging

import pytest
from ccxt_harness import SleepRecorder, venue_and_broker

from bot_v2.domain.errors import AuthenticationFailed, BotError, ExchangeUnavailable
from bot_v2.features.streaming.errors import NoStreamAdapter


@pytest.mark.parametrize("access", ["session", "urls"])
def test_obtain_and_keepalive_a_listen_key(access: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)

    async def run() -> list[str]:
        async with venue_and_broker("binanceusdm", access=access) as (venue, broker):  # type: ignore[arg-type]
            assert broker.has_user_stream
            key = await broker.obtain_listen_key()
            assert key == venue.listen_key and len(key) == 64  # type: ignore[attr-defined]
            # POST on an active key returns it again (and extends it): one key per API key.
            assert await broker.obtain_listen_key() == key
            await broker.keepalive_listen_key(key)
            posts = venue.recorded("/fapi/v1/listenKey", "POST")
            puts = venue.recorded("/fapi/v1/listenKey", "PUT")
            assert [r.status for r in posts] == [200, 200] and [r.status for r in puts] == [200]
            for request in posts + puts:
                # The API key header only, no signature, and the key itself is never sent back.
                assert request.api_key == venue.api_key
                assert request.param("signature") is None and request.param("listenKey") is None

            # The venue let the key lapse: a keepalive fails in one clean line, a POST issues anew.
            venue.expire_listen_key()  # type: ignore[attr-defined]
            with pytest.raises(BotError) as failed:
                await broker.keepalive_listen_key(key)
            message = str(failed.value)
            assert message.startswith("binanceusdm keepalive_listen_key: ") and "\n" not in message
            assert "-1125" in message and key not in message
            fresh = await broker.obtain_listen_key()
            assert fresh != key and fresh == venue.listen_key  # type: ignore[attr-defined]
            return [key, fresh]

    keys = asyncio.run(run())
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert all(key not in logged for key in keys)


def test_listen_key_errors_are_domain_errors() -> None:
    async def run() -> None:
        async with venue_and_broker("binanceusdm", sleep=SleepRecorder()) as (venue, broker):
            venue.faults.server_error_next(1, status=503)
            with pytest.raises(ExchangeUnavailable) as unavailable:
                await broker.obtain_listen_key()  # one attempt: the stream retries with backoff
            assert str(unavailable.value).startswith("binanceusdm obtain_listen_key: ")
            assert len(venue.recorded("/fapi/v1/listenKey", "POST")) == 1

        async with venue_and_broker(
            "binanceusdm", api_key="loopback-wrong-key-0000", start=False
        ) as (_, broker):
            with pytest.raises(AuthenticationFailed) as refused:
                await broker.obtain_listen_key()
            assert "loopback-wrong-key-0000" not in str(refused.value)

    asyncio.run(run())


def test_a_venue_without_a_user_stream_says_so_in_one_line() -> None:
    async def run() -> None:
        async with venue_and_broker("bybit", start=False) as (venue, broker):
            assert not broker.has_user_stream
            with pytest.raises(NoStreamAdapter) as none:
                await broker.obtain_listen_key()
            with pytest.raises(NoStreamAdapter):
                await broker.keepalive_listen_key("anything")
            assert str(none.value) == (
                "bybit: no private user data stream in this adapter; "
                "fills come from the REST sync each cycle"
            )
            assert venue.requests == []  # nothing was sent

    asyncio.run(run())
