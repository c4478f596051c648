"""Shared setup for the ccxt broker integration tests: a loopback venue plus a CcxtBroker driving
the real ccxt client against it, reached either way (`session`: real https URLs resolved to the
loopback TLS port; `urls`: ccxt_config URL overrides to plain HTTP)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from decimal import Decimal
from typing import Any, Literal

from tests.loopback import (
    API_KEY,
    API_SECRET,
    TEST_DEFAULTS,
    BinanceUsdmVenue,
    BybitVenue,
    KrakenFuturesVenue,
    LoopbackVenue,
    OkxVenue,
    ccxt_config_for,
)
from tests.loopback.krakenfutures import API_SECRET as KRAKEN_SECRET
from tests.loopback.okx import API_PASSPHRASE

from bot_v2.adapters.brokers.ccxt import CcxtBroker, RetryPolicy
from bot_v2.adapters.venues import registry
from bot_v2.domain.orders import OrderRequest, OrderType, Side, TimeInForce

Access = Literal["session", "urls"]
VENUES: dict[str, type[LoopbackVenue]] = {
    "binanceusdm": BinanceUsdmVenue,
    "bybit": BybitVenue,
    "okx": OkxVenue,
    "krakenfutures": KrakenFuturesVenue,
}
BTC = "BTC/USDT:USDT"
ETH = "ETH/USDT:USDT"
# Fast, deterministic retries: four attempts, delays of at most 10 ms.
FAST_RETRY = RetryPolicy(max_attempts=4, base_delay_s=0.002, max_delay_s=0.01, seed=7)
# The venue parameter that carries our client order id, as it arrives at the server.
CLIENT_ID_PARAM = {
    "binanceusdm": "newClientOrderId",
    "bybit": "orderLinkId",
    "okx": "clOrdId",
    "krakenfutures": "cliOrdId",
}
ORDER_PATH = {
    "binanceusdm": "/fapi/v1/order",
    "bybit": "/v5/order/create",
    "okx": "/api/v5/trade/order",
    "krakenfutures": "/derivatives/api/v3/sendorder",
}
# Kraken Futures settles its linear perpetuals in USD; the others in USDT.
QUOTE = {"krakenfutures": "USD"}


class SleepRecorder:
    """Stands in for asyncio.sleep: records each backoff delay and yields without waiting."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@contextlib.asynccontextmanager
async def venue_and_broker(
    venue_id: str,
    *,
    access: Access = "session",
    api_key: str = API_KEY,
    api_secret: str = API_SECRET,
    api_password: str = API_PASSPHRASE,
    venue_kwargs: Mapping[str, Any] | None = None,
    ccxt_extra: Mapping[str, Any] | None = None,
    retry: RetryPolicy = FAST_RETRY,
    sleep: Callable[[float], Awaitable[None]] | None = None,
    start: bool = True,
    stopping: Callable[[], bool] | None = None,
    now_ms: Callable[[], int] | None = None,
) -> AsyncIterator[tuple[LoopbackVenue, CcxtBroker]]:
    if venue_id == "krakenfutures" and api_secret == API_SECRET:
        # Kraken's secrets are base64 (its loopback's default is).
        api_secret = KRAKEN_SECRET
    venue = VENUES[venue_id](**dict(venue_kwargs or {}))
    await venue.start()
    session = venue.client_session() if access == "session" else None
    if access == "session":
        config: dict[str, Any] = dict(TEST_DEFAULTS)
    else:
        config = ccxt_config_for(venue_id, venue.url)
    config.update(ccxt_extra or {})
    broker = CcxtBroker(
        registry.venue(venue_id),
        api_key,
        api_secret,
        # Only OKX asks for a passphrase; the others never send it.
        api_password if venue_id == "okx" else "",
        ccxt_config=config,
        session=session,
        retry=retry,
        sleep=sleep or SleepRecorder(),
        stopping=stopping,
        now_ms=now_ms,
        quote_asset=QUOTE.get(venue_id, "USDT"),
    )
    try:
        if start:
            await broker.start()
        yield venue, broker
    finally:
        await broker.close()
        if session is not None:
            await session.close()
        await venue.stop()


def market(
    cid: str, side: Side, size: str, *, symbol: str = BTC, reduce_only: bool = False
) -> OrderRequest:
    return OrderRequest(cid, symbol, side, OrderType.MARKET, Decimal(size), reduce_only=reduce_only)


def limit(
    cid: str,
    side: Side,
    size: str,
    price: str,
    *,
    symbol: str = BTC,
    tif: TimeInForce = TimeInForce.GTC,
    post_only: bool = False,
    reduce_only: bool = False,
) -> OrderRequest:
    return OrderRequest(
        cid,
        symbol,
        side,
        OrderType.LIMIT,
        Decimal(size),
        price=Decimal(price),
        time_in_force=tif,
        post_only=post_only,
        reduce_only=reduce_only,
    )


def submits(venue: LoopbackVenue) -> list[Any]:
    return venue.recorded(ORDER_PATH[venue.venue], method="POST")
