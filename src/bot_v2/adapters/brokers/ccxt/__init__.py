"""The ccxt broker adapter: IBroker and IMarketData for USDT-margined linear swaps on any venue
whose `Venue` (adapters/venues/<id>/) orchestration hands in. Importing this package does not import
ccxt; building a broker does."""

from bot_v2.adapters.brokers.ccxt.broker import CcxtBroker
from bot_v2.adapters.brokers.ccxt.factory import create_ccxt_broker
from bot_v2.adapters.brokers.ccxt.market_data import FundingRate
from bot_v2.adapters.brokers.ccxt.retry import RetryPolicy

__all__ = [
    "CcxtBroker",
    "FundingRate",
    "RetryPolicy",
    "create_ccxt_broker",
]
