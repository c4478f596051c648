"""The domain's errors. Adapters translate outside failures into these so the core never sees ccxt or
sqlite exceptions."""

from __future__ import annotations


class BotError(Exception):
    """Base of every error the bot raises on purpose."""


class ConfigError(BotError):
    """Bad configuration. `lines` holds one `path: message` per problem, all reported at once."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = list(lines)
        super().__init__("\n".join(self.lines))


class InvalidSymbol(BotError):
    pass


class DataError(BotError):
    """Market data that cannot be trusted: unsorted, duplicated, missing or non-numeric values."""


class BrokerError(BotError):
    """Base of what a broker can answer."""


class InsufficientFunds(BrokerError):
    pass


class InvalidOrder(BrokerError):
    pass


class OrderNotFound(BrokerError):
    pass


class RateLimited(BrokerError):
    pass


class ExchangeUnavailable(BrokerError):
    """Network errors, timeouts, 5xx: the outcome of the request is unknown."""


class OrderOutcomeUnknown(ExchangeUnavailable):
    """The venue may have the order: it is never sent again; lookups over the next cycles resolve it."""


class VenueBanned(RateLimited):
    """The venue banned this client (Binance answers 418) until `until_ms`: no request may reach it
    before then. Nothing was done by the refused request."""

    def __init__(self, message: str, until_ms: int) -> None:
        super().__init__(message)
        self.until_ms = until_ms


class AuthenticationFailed(BrokerError):
    pass


class StateError(BotError):
    """The durable state cannot be used safely (corrupt, newer schema, locked, unwritable)."""


class StopRequested(ExchangeUnavailable):
    """A wait for the venue was cut short by the bot's stop request. Like a timeout, the call's
    outcome is unknown, so every path that handles an unreachable venue handles this too."""
