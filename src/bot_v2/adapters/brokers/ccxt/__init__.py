"""The ccxt broker adapter: IBroker and IMarketData for USDT-margined linear swaps on the venues in
`venues.VENUES`. Importing this package does not import ccxt; building a broker does."""

from bot_v2.adapters.brokers.ccxt.broker import CcxtBroker
from bot_v2.adapters.brokers.ccxt.factory import create_ccxt_broker
from bot_v2.adapters.brokers.ccxt.market_data import FundingRate
from bot_v2.adapters.brokers.ccxt.retry import RetryPolicy
from bot_v2.adapters.brokers.ccxt.venues import VENUES, VenueProfile

__all__ = [
    "VENUES",
    "CcxtBroker",
    "FundingRate",
    "RetryPolicy",
    "VenueProfile",
    "create_ccxt_broker",
]
