"""What every venue parser shares: counting and logging rejected frames without ever raising."""

from __future__ import annotations

from collections.abc import Sequence

from bot_v2.domain.symbols import venue_id
from bot_v2.features.streaming.output import StreamOutput
from bot_v2.features.streaming.ratelimited_log import RateLimitedLog

_SNIPPET = 120


class ParserBase:
    def __init__(
        self,
        venue: str,
        output: StreamOutput,
        log: RateLimitedLog,
        *,
        log_payloads: bool = True,
    ) -> None:
        self.venue = venue
        self.output = output
        self.counters = output.counters
        self._log = log
        # Private streams carry account data (and the listen key): never copy their frames to logs.
        self._log_payloads = log_payloads

    def reject(self, frame: bytes | str) -> None:
        """A frame that is not JSON, misses a field or carries a bad value."""
        self.counters.malformed += 1
        if self._log_payloads:
            self._log.warning(
                f"{self.venue}:malformed",
                "%s: rejected malformed frame %r",
                self.venue,
                _snip(frame),
            )
        else:
            self._log.warning(f"{self.venue}:malformed", "%s: rejected malformed frame", self.venue)

    def drop(self, what: str) -> None:
        """A well-formed frame we do not use: an unknown event type, topic or symbol."""
        self.counters.dropped += 1
        # One log key for all drops: keys taken from the wire would let a server grow the dict.
        self._log.warning(f"{self.venue}:dropped", "%s: dropped %s", self.venue, what)


def venue_symbols(symbols: Sequence[str]) -> dict[str, str]:
    """Wire id (BTCUSDT) -> unified symbol (BTC/USDT:USDT)."""
    return {venue_id(symbol): symbol for symbol in symbols}


def _snip(frame: bytes | str) -> str:
    # Cut before decoding: this runs for every rejected frame, logged or not, and frames can be MiB.
    head = frame[:_SNIPPET]
    text = head.decode("utf-8", "replace") if isinstance(head, bytes) else str(head)
    return text + "..." if len(frame) > _SNIPPET else text
