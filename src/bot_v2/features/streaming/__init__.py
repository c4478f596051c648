"""features/streaming: supervision of pushed market data (reconnect, stall, rotation, REST fallback),
sequencing checks and counters. Talks to the world through IStreamTransport
(implemented in adapters/streams) and IMarketData (the REST fallback)."""

from bot_v2.features.streaming.backoff import Backoff
from bot_v2.features.streaming.counters import StreamCounters, StreamStats
from bot_v2.features.streaming.errors import NoStreamAdapter, StreamClosed
from bot_v2.features.streaming.output import (
    AccountEvent,
    StreamOutput,
    coalesce_marks,
    forward_only,
)
from bot_v2.features.streaming.ratelimited_log import RateLimitedLog
from bot_v2.features.streaming.sequencing import ClosedCandleTracker, RecentKeys, SequenceTracker
from bot_v2.features.streaming.service import OnResync, StreamingService
from bot_v2.features.streaming.stall import StallDetector
from bot_v2.features.streaming.transport import IStreamSession, IStreamTransport

__all__ = [
    "AccountEvent",
    "Backoff",
    "ClosedCandleTracker",
    "IStreamSession",
    "IStreamTransport",
    "NoStreamAdapter",
    "OnResync",
    "RateLimitedLog",
    "RecentKeys",
    "SequenceTracker",
    "StallDetector",
    "StreamClosed",
    "StreamCounters",
    "StreamOutput",
    "StreamStats",
    "StreamingService",
    "coalesce_marks",
    "forward_only",
]
