"""Stream counters: one mutable tally shared by parsers and supervisor, read out as a frozen value."""

from __future__ import annotations

import attrs


@attrs.frozen
class StreamStats:
    """What monitoring maps to /metrics. Counters only grow; the last three fields are states."""

    messages: int = 0
    # Frames that carried live market or account data (stall detection watches this one).
    data_messages: int = 0
    events: int = 0
    malformed: int = 0
    dropped: int = 0
    out_of_order: int = 0
    duplicates: int = 0
    gaps: int = 0
    reconnects: int = 0
    connect_failures: int = 0
    stalls: int = 0
    rotations: int = 0
    resyncs: int = 0
    resync_failures: int = 0
    fallbacks: int = 0
    fallback_polls: int = 0
    fallback_errors: int = 0
    connected: bool = False
    healthy: bool = False
    fallback_active: bool = False


class StreamCounters:
    """Plain ints on slots: parsers bump them on the hot path, so no locks and no properties."""

    __slots__ = (
        "connect_failures",
        "data_messages",
        "dropped",
        "duplicates",
        "events",
        "fallback_errors",
        "fallback_polls",
        "fallbacks",
        "gaps",
        "malformed",
        "messages",
        "out_of_order",
        "reconnects",
        "resync_failures",
        "resyncs",
        "rotations",
        "stalls",
    )

    def __init__(self) -> None:
        self.messages = 0
        self.data_messages = 0
        self.events = 0
        self.malformed = 0
        self.dropped = 0
        self.out_of_order = 0
        self.duplicates = 0
        self.gaps = 0
        self.reconnects = 0
        self.connect_failures = 0
        self.stalls = 0
        self.rotations = 0
        self.resyncs = 0
        self.resync_failures = 0
        self.fallbacks = 0
        self.fallback_polls = 0
        self.fallback_errors = 0

    def snapshot(
        self, *, connected: bool = False, healthy: bool = False, fallback_active: bool = False
    ) -> StreamStats:
        return StreamStats(
            messages=self.messages,
            data_messages=self.data_messages,
            events=self.events,
            malformed=self.malformed,
            dropped=self.dropped,
            out_of_order=self.out_of_order,
            duplicates=self.duplicates,
            gaps=self.gaps,
            reconnects=self.reconnects,
            connect_failures=self.connect_failures,
            stalls=self.stalls,
            rotations=self.rotations,
            resyncs=self.resyncs,
            resync_failures=self.resync_failures,
            fallbacks=self.fallbacks,
            fallback_polls=self.fallback_polls,
            fallback_errors=self.fallback_errors,
            connected=connected,
            healthy=healthy,
            fallback_active=fallback_active,
        )
