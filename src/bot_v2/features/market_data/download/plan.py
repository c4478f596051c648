"""The pure half of a download: which bounded asks cover a range, where a series resumes, and whether
a venue's answer is what was asked. A venue that answers rows for another symbol, outside the asked
time range or off the timeframe grid is wrong, and its page is refused whole: an error, not rows.
Missing candles are reported as gaps, never bridged."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import TypeVar

import attrs

from bot_v2.domain.errors import DataError
from bot_v2.domain.market import Candle, Gap
from bot_v2.ports.market_data import FundingRecord

# Venues settle funding every 1 h at the most often, so an ask spanning `limit` hours can never hold
# more settlements than one page returns, whichever end of the range the venue pages from.
FUNDING_UNIT_MS = 3_600_000
R = TypeVar("R", Candle, FundingRecord)


@attrs.frozen
class Window:
    """One ask: rows stamped in [since_ms, until_ms], both included."""

    since_ms: int
    until_ms: int


def windows(start_ms: int, end_ms: int, span_ms: int) -> Iterator[Window]:
    """[start_ms, end_ms) in asks of at most span_ms each, oldest first. A span holds no more rows
    than a page returns, so every ask is answered whole: no reliance on the venue's paging order."""
    if span_ms <= 0:
        raise ValueError(f"span_ms must be > 0, got {span_ms}")
    since = start_ms
    while since < end_ms:
        yield Window(since, min(since + span_ms, end_ms) - 1)
        since += span_ms


def count_windows(start_ms: int, end_ms: int, span_ms: int) -> int:
    return max(0, -(-(end_ms - start_ms) // span_ms))


def align_up(ms: int, step_ms: int) -> int:
    return -(-ms // step_ms) * step_ms


def closed_end(end_ms: int | None, now_ms: int, step_ms: int) -> int:
    """The exclusive end of what may be fetched: the asked end, but no candle still forming (a
    candle opened at t is a fact only once t + step has passed) and nothing from the future."""
    last_closed_end = now_ms - now_ms % step_ms
    return last_closed_end if end_ms is None else min(end_ms, last_closed_end)


def resume_at(start_ms: int, kept_last_ms: int | None, step_ms: int) -> int:
    """Where fetching starts: after the last row kept, or at the start."""
    if kept_last_ms is None:
        return start_ms
    return max(start_ms, kept_last_ms + step_ms)


def check_candles(
    where: str, symbol: str, timeframe_ms: int, ask: Window, rows: Sequence[Candle]
) -> tuple[list[Candle], int]:
    """The page's candles sorted and without repeats, and how many repeats were dropped; DataError
    (naming `where`) for a row of another symbol, outside the ask or off the timeframe grid, and
    for two different candles at one time."""
    for row in rows:
        _check_symbol(where, symbol, row.symbol)
        _check_range(where, ask, row.timestamp_ms)
        if row.timestamp_ms % timeframe_ms:
            raise DataError(
                f"{where}: the venue answered a candle at {row.timestamp_ms} "
                f"({_utc(row.timestamp_ms)}), off the {timeframe_ms} ms grid"
            )
    return _unique(where, rows)


def check_funding(
    where: str, symbol: str, ask: Window, rows: Sequence[FundingRecord]
) -> tuple[list[FundingRecord], int]:
    for row in rows:
        _check_symbol(where, symbol, row.symbol)
        _check_range(where, ask, row.timestamp_ms)
    return _unique(where, rows)


def gaps(
    symbol: str, timeframe_ms: int, previous_ms: int | None, rows: Sequence[Candle]
) -> list[Gap]:
    """The holes between the last candle kept and this page's candles, and inside the page."""
    found = []
    for row in rows:
        if previous_ms is not None and row.timestamp_ms - previous_ms > timeframe_ms:
            found.append(Gap(symbol, timeframe_ms, previous_ms, row.timestamp_ms))
        previous_ms = row.timestamp_ms
    return found


def trailing_gap(
    symbol: str, timeframe_ms: int, last_ms: int | None, start_ms: int, end_ms: int
) -> Gap | None:
    """Candles missing from the last one kept up to the end of the range (`before_ms` is the end)."""
    after = start_ms - timeframe_ms if last_ms is None else last_ms
    if end_ms - after > timeframe_ms:
        return Gap(symbol, timeframe_ms, after, end_ms)
    return None


def describe_gap(gap: Gap) -> str:
    return (
        f"{gap.symbol}: {gap.missing} candle(s) missing after {_utc(gap.after_ms)} "
        f"(up to {_utc(gap.before_ms)})"
    )


def _check_symbol(where: str, asked: str, got: str) -> None:
    if got != asked:
        raise DataError(f"{where}: the venue answered rows of {got!r} when asked for {asked!r}")


def _check_range(where: str, ask: Window, ts: int) -> None:
    if not ask.since_ms <= ts <= ask.until_ms:
        raise DataError(
            f"{where}: the venue answered a row at {ts} ({_utc(ts)}), outside the asked "
            f"{_utc(ask.since_ms)} .. {_utc(ask.until_ms)}"
        )


def _unique(where: str, rows: Sequence[R]) -> tuple[list[R], int]:
    kept: dict[int, R] = {}
    for row in sorted(rows, key=lambda r: r.timestamp_ms):
        seen = kept.get(row.timestamp_ms)
        if seen is None:
            kept[row.timestamp_ms] = row
        elif seen != row:
            raise DataError(
                f"{where}: the venue answered two different rows at {row.timestamp_ms} "
                f"({_utc(row.timestamp_ms)})"
            )
    return list(kept.values()), len(rows) - len(kept)


def _utc(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S")
