"""A venue's leverage tiers per symbol over ccxt, bounded in notional (quote) units."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from decimal import Decimal
from typing import Any

from bot_v2.adapters.brokers.ccxt import convert
from bot_v2.adapters.brokers.ccxt.calls import VenueCalls
from bot_v2.adapters.venues.profile import VenueProfile
from bot_v2.domain.errors import BrokerError
from bot_v2.domain.market import Mark


async def fetch_tiers(
    exchange: Any,
    venue: VenueProfile,
    calls: VenueCalls,
    symbols: list[str],
    fetch_marks: Callable[[Sequence[str]], Awaitable[list[Mark]]],
    contract_size: Callable[[str], Decimal],
) -> dict[str, Any]:
    """ccxt's leverage tiers per symbol, bounded in notional (quote) units."""
    if exchange.has.get("fetchLeverageTiers"):
        tiers = dict(
            await calls.call("fetch_leverage_tiers", exchange.fetch_leverage_tiers, symbols) or {}
        )
    else:
        tiers = {}
        for symbol in symbols:
            tiers[symbol] = await calls.call(
                f"fetch_leverage_tiers {symbol}", exchange.fetch_market_leverage_tiers, symbol
            )
    if not venue.tiers_in_contracts:
        return tiers
    # The venue bounds tiers by position size in contracts; the domain's tiers are notional, so
    # the bounds are re-expressed at the current mark price.
    marks = {m.symbol: m.price for m in await fetch_marks(symbols)}
    for symbol in symbols:
        mark = marks.get(symbol)
        if not tiers.get(symbol):
            continue
        if mark is None or mark <= 0:
            # Without a mark every bound would come out 0 (every position in the top tier); an
            # error beats wrong maintenance margins.
            raise BrokerError(
                f"{venue.exchange_id} fetch_leverage_tiers {symbol}: the venue gave no mark "
                "price to turn its contract-sized tiers into notional"
            )
        unit = contract_size(symbol) * mark
        tiers[symbol] = [
            {
                **row,
                "minNotional": convert.dec0(row.get("minNotional")) * unit,
                "maxNotional": convert.dec0(row.get("maxNotional")) * unit,
            }
            for row in tiers.get(symbol) or []
        ]
    return tiers
