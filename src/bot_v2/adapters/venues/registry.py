"""The venues the bot trades: one `register(...)` line per venue folder. Orchestration looks a
venue up here and composes the broker and streams from its parts; venue folders never import each
other."""

from __future__ import annotations

from bot_v2.adapters.venues import binanceusdm, bybit, krakenfutures, okx
from bot_v2.adapters.venues.venue import Venue
from bot_v2.domain.errors import ConfigError

VENUES: dict[str, Venue] = {}


def register(venue: Venue) -> None:
    if venue.exchange_id in VENUES:
        raise ValueError(f"venue {venue.exchange_id!r} is registered twice")
    VENUES[venue.exchange_id] = venue


register(binanceusdm.VENUE)
register(bybit.VENUE)
register(okx.VENUE)
register(krakenfutures.VENUE)

# Venues ccxt has that were evaluated and refused, with the reason given to the operator
# (docs/exchanges.md "Refused venues").
REFUSED: dict[str, str] = {
    "coinbaseinternational": "ccxt's coinbaseinternational cannot send reduce-only orders and "
    "has no funding-payment history (see docs/exchanges.md)",
}


def venue(exchange_id: str) -> Venue:
    """Raises ConfigError naming `config.broker.exchange` for a venue nobody registered."""
    if exchange_id in REFUSED:
        raise ConfigError(
            [f"config.broker.exchange: {exchange_id!r} is refused: {REFUSED[exchange_id]}"]
        )
    found = VENUES.get(exchange_id)
    if found is None:
        supported = ", ".join(sorted(VENUES))
        raise ConfigError(
            [
                f"config.broker.exchange: {exchange_id!r} is not a supported venue (supported: {supported})"
            ]
        )
    return found
