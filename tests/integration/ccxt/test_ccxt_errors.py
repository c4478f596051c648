"""Every venue error the loopback venues produce reaches the core as the right domain error,
whichever way ccxt reaches the venue: with its real URLs (ccxt's own URL-scoped tables apply) or
with URL overrides (the venue profile's code table has to). Retries happen only for rate limits and
unknown outcomes."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from ccxt_harness import BTC, SleepRecorder, limit, market, venue_and_broker
from tests.loopback import LoopbackVenue

from bot_v2.adapters.brokers.ccxt import CcxtBroker
from bot_v2.domain.errors import (
    AuthenticationFailed,
    BotError,
    ExchangeUnavailable,
    InsufficientFunds,
    InvalidOrder,
    OrderNotFound,
    RateLimited,
)
from bot_v2.domain.orders import Side

Action = Callable[[LoopbackVenue, CcxtBroker], Awaitable[object]]


@dataclass(frozen=True)
class Case:
    name: str
    venue_id: str
    code: str
    expected: type[BotError]
    action: Action
    sleeps: int = 0
    venue_kwargs: tuple[tuple[str, str], ...] = ()
    api_key: str | None = None
    api_secret: str | None = None


async def _buy(venue: LoopbackVenue, broker: CcxtBroker) -> object:
    return await broker.submit_order(market("e1", Side.BUY, "0.010"))


async def _off_grid_after_rules_changed(venue: LoopbackVenue, broker: CcxtBroker) -> object:
    # The venue coarsened BTC's step after our markets were loaded: our grid check passes,
    # the venue refuses.
    venue.rules["BTCUSDT"].step = Decimal("0.01")
    return await broker.submit_order(market("e2", Side.BUY, "0.015"))


async def _reduce_only_when_flat(venue: LoopbackVenue, broker: CcxtBroker) -> object:
    return await broker.submit_order(market("e3", Side.SELL, "0.010", reduce_only=True))


async def _tiny_notional(venue: LoopbackVenue, broker: CcxtBroker) -> object:
    return await broker.submit_order(limit("e4", Side.BUY, "0.001", "5000.0"))


async def _twice(venue: LoopbackVenue, broker: CcxtBroker) -> object:
    await broker.submit_order(limit("e5", Side.BUY, "0.010", "90000.0"))
    return await broker.submit_order(limit("e5", Side.BUY, "0.010", "90000.0"))


async def _cancel_unknown(venue: LoopbackVenue, broker: CcxtBroker) -> object:
    return await broker.cancel_order(BTC, "nosuchorder")


async def _balance(venue: LoopbackVenue, broker: CcxtBroker) -> object:
    return await broker.fetch_balance()


async def _balance_rate_limited(venue: LoopbackVenue, broker: CcxtBroker) -> object:
    venue.faults.rate_limit_next(10)
    return await broker.fetch_balance()


async def _balance_gateway_down(venue: LoopbackVenue, broker: CcxtBroker) -> object:
    venue.faults.server_error_next(10, status=503)
    return await broker.fetch_balance()


SMALL = (("balance", "20"),)
CASES = [
    Case(
        "insufficient margin", "binanceusdm", "-2019", InsufficientFunds, _buy, venue_kwargs=SMALL
    ),
    Case("quantity precision", "binanceusdm", "-1111", InvalidOrder, _off_grid_after_rules_changed),
    Case("reduce-only rejected", "binanceusdm", "-2022", InvalidOrder, _reduce_only_when_flat),
    Case("min notional", "binanceusdm", "-4164", InvalidOrder, _tiny_notional),
    Case(
        "bad signature", "binanceusdm", "-1022", AuthenticationFailed, _balance, api_secret="x" * 24
    ),
    Case("bad key", "binanceusdm", "-2015", AuthenticationFailed, _balance, api_key="y" * 24),
    Case("rate limited", "binanceusdm", "-1003", RateLimited, _balance_rate_limited, sleeps=3),
    Case("gateway 5xx", "binanceusdm", "503", ExchangeUnavailable, _balance_gateway_down, sleeps=3),
    Case("insufficient margin", "bybit", "110007", InsufficientFunds, _buy, venue_kwargs=SMALL),
    Case("quantity precision", "bybit", "10001", InvalidOrder, _off_grid_after_rules_changed),
    Case("reduce-only rejected", "bybit", "110017", InvalidOrder, _reduce_only_when_flat),
    Case("min notional", "bybit", "110094", InvalidOrder, _tiny_notional),
    Case("bad signature", "bybit", "10004", AuthenticationFailed, _balance, api_secret="x" * 24),
    Case("bad key", "bybit", "10003", AuthenticationFailed, _balance, api_key="y" * 24),
    Case("rate limited", "bybit", "10006", RateLimited, _balance_rate_limited, sleeps=3),
    Case("gateway 5xx", "bybit", "503", ExchangeUnavailable, _balance_gateway_down, sleeps=3),
    Case("insufficient margin", "okx", "51008", InsufficientFunds, _buy, venue_kwargs=SMALL),
    Case("lot size", "okx", "51121", InvalidOrder, _off_grid_after_rules_changed),
    Case("duplicate client id", "okx", "51016", InvalidOrder, _twice),
    Case("cancel unknown", "okx", "51400", OrderNotFound, _cancel_unknown),
    Case("reduce-only rejected", "okx", "51169", InvalidOrder, _reduce_only_when_flat),
    Case("bad signature", "okx", "50113", AuthenticationFailed, _balance, api_secret="x" * 24),
    Case("bad key", "okx", "50111", AuthenticationFailed, _balance, api_key="y" * 24),
    Case(
        "bad passphrase",
        "okx",
        "50105",
        AuthenticationFailed,
        _balance,
        venue_kwargs=(("passphrase", "z" * 12),),
    ),
    Case("rate limited", "okx", "50011", RateLimited, _balance_rate_limited, sleeps=3),
    Case("gateway 5xx", "okx", "503", ExchangeUnavailable, _balance_gateway_down, sleeps=3),
]


@pytest.mark.parametrize("access", ["session", "urls"])
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.venue_id}-{c.name}")
def test_venue_error_maps_to_the_domain_error(case: Case, access: str) -> None:
    sleep = SleepRecorder()

    async def run() -> None:
        kwargs = {}
        if case.api_key:
            kwargs["api_key"] = case.api_key
        if case.api_secret:
            kwargs["api_secret"] = case.api_secret
        async with venue_and_broker(
            case.venue_id,
            access=access,  # type: ignore[arg-type]
            venue_kwargs=dict(case.venue_kwargs),
            sleep=sleep,
            start=False,
            **kwargs,  # type: ignore[arg-type]
        ) as (venue, broker):
            if not (case.api_key or case.api_secret):
                await broker.load_markets([BTC])
            with pytest.raises(BotError) as caught:
                await case.action(venue, broker)
        assert type(caught.value) is case.expected, caught.value
        text = str(caught.value)
        assert text.startswith(f"{case.venue_id} ")
        assert case.code in text
        assert "\n" not in text

    asyncio.run(run())
    assert len(sleep.delays) == case.sleeps
