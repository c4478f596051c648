"""Where downloaded market data is kept: one append-only series per symbol and kind, the venue's
market rules beside them, and a manifest. The download service writes through these; the files'
format is the adapter's business (the backtest's CSV)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import attrs

from bot_v2.domain.market import Candle, MarketSpec
from bot_v2.ports.market_data import FundingRecord, SeriesKind


@attrs.frozen
class SeriesSummary:
    """A finished series file: where it is, how many rows, its span and its sha256."""

    path: str
    rows: int
    first_ms: int | None
    last_ms: int | None
    sha256: str


class ISeriesFile(Protocol):
    @property
    def where(self) -> str:
        """The file's path, as the manifest names it."""

    @property
    def first_ms(self) -> int | None:
        """The first row kept (a finished file's, or an interrupted run's), None when empty."""

    @property
    def last_ms(self) -> int | None:
        """The last whole row kept, None when empty: a download resumes after it."""

    def append(self, rows: Sequence[Candle | FundingRecord]) -> None:
        """Whole rows, oldest first, after `last_ms`; durable when it returns."""

    def finish(self) -> SeriesSummary:
        """Makes the rows appended so far the series' file, atomically."""


class IRecordedData(Protocol):
    def check_writable(self) -> None:
        """Raises ConfigError when the place cannot be written, before anything is fetched."""

    def lock(self) -> None:
        """Holds the place for this download alone; ConfigError when another download has it."""

    def release(self) -> None: ...

    def series(self, symbol: str, kind: SeriesKind, timeframe: str) -> ISeriesFile:
        """A series to append to (reading what is kept; nothing is written before `lock`)."""

    def write_markets(
        self, exchange_id: str, specs: Mapping[str, MarketSpec], fetched_at_ms: int
    ) -> str:
        """Merges the symbols' rules into the venue's market snapshot; returns its path."""

    def read_manifest(self) -> Mapping[str, Any] | None:
        """The manifest the last completed download left, None when there is none (or unreadable)."""

    def write_manifest(self, manifest: Mapping[str, Any]) -> str: ...

    def describe(self) -> str:
        """Where the files go, for the operator."""


__all__ = ["IRecordedData", "ISeriesFile", "SeriesKind", "SeriesSummary"]
