"""The one way the rest of the bot builds a ccxt broker (orchestration calls this)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from bot_v2.adapters.brokers.ccxt.broker import CcxtBroker
from bot_v2.adapters.brokers.ccxt.retry import RetryPolicy, Sleep
from bot_v2.adapters.venues.venue import Venue

if TYPE_CHECKING:
    import aiohttp


def create_ccxt_broker(
    venue: Venue,
    api_key: str = "",
    api_secret: str = "",
    api_password: str = "",
    *,
    ccxt_config: Mapping[str, Any] | None = None,
    sandbox: bool = False,
    quote_asset: str = "USDT",
    retry: RetryPolicy | None = None,
    session: aiohttp.ClientSession | None = None,
    sleep: Sleep | None = None,
    stopping: Callable[[], bool] | None = None,
) -> CcxtBroker:
    """`venue` is `[broker] exchange` looked up in adapters/venues/registry.py; `ccxt_config`,
    `sandbox` come from `[broker]`; the keys from the environment. Raises ConfigError (one
    `broker.<field>: ...` line per problem) for credentials inside ccxt_config or a sandbox the venue
    lacks. Makes no network call."""
    return CcxtBroker(
        venue,
        api_key,
        api_secret,
        api_password,
        ccxt_config=ccxt_config,
        sandbox=sandbox,
        session=session,
        retry=retry,
        quote_asset=quote_asset,
        sleep=sleep,
        stopping=stopping,
    )
