"""typing.Protocol interfaces at the hexagon's edge. Only the domain lies below."""

from bot_v2.ports.broker import IBroker
from bot_v2.ports.clock import IClock
from bot_v2.ports.market_data import IMarketData
from bot_v2.ports.notifier import INotifier
from bot_v2.ports.quote_stream import IQuoteStream, MarketEvent
from bot_v2.ports.runtime import IBotRuntime
from bot_v2.ports.state_store import IStateStore
from bot_v2.ports.status import IStatusSource

__all__ = [
    "IBotRuntime",
    "IBroker",
    "IClock",
    "IMarketData",
    "INotifier",
    "IQuoteStream",
    "IStateStore",
    "IStatusSource",
    "MarketEvent",
]
