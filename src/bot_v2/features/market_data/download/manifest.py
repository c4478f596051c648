"""The manifest beside downloaded files: the venue, what was asked and when, and per file its rows,
span, sha256, the stretch of time asked for so far and the gaps found. A download reads it back to
know what an earlier run already asked for. Pure: the files are written elsewhere."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from bot_v2.domain.market import Gap
from bot_v2.ports.recorded_data import SeriesSummary

Entry = dict[str, Any]


@attrs.frozen
class Coverage:
    """What earlier runs said of one file. `from_ms`: the earliest start ever asked (a download
    only appends, so it holds whatever the file's rows since). `to_ms` and `gaps`: how far it was
    asked for and the holes found, believed only while the file still ends where that run left it
    (a run killed since appended rows the manifest does not know of)."""

    from_ms: int | None = None
    to_ms: int | None = None
    gaps: tuple[Gap, ...] = ()


def entries(previous: Mapping[str, Any] | None) -> dict[str, Entry]:
    """The file entries of a manifest by path."""
    files: Iterable[Any] = (previous or {}).get("files") or []
    return {str(e.get("path")): dict(e) for e in files if isinstance(e, Mapping)}


def coverage(entry: Mapping[str, Any] | None, kept_last_ms: int | None, step_ms: int) -> Coverage:
    if not entry:
        return Coverage()
    from_ms = entry.get("covered_from_ms")
    start = int(from_ms) if from_ms is not None else None
    if entry.get("last_ms") != kept_last_ms or entry.get("covered_to_ms") is None:
        return Coverage(start)
    symbol = str(entry.get("symbol", ""))
    found = tuple(
        Gap(symbol, step_ms, int(g["after_ms"]), int(g["before_ms"])) for g in entry.get("gaps", [])
    )
    return Coverage(start, int(entry["covered_to_ms"]), found)


def started(
    entry: Mapping[str, Any] | None,
    symbol: str,
    kind: str,
    path: str,
    covered_from_ms: int,
    resume_ms: int,
    kept_last_ms: int | None,
) -> Entry:
    """The entry written before a series is fetched: its start is on record before a row of the
    run is, and its coverage ends where the kept rows do."""
    return {
        **(entry or {}),
        "symbol": symbol,
        "kind": kind,
        "path": path,
        "complete": False,
        "last_ms": kept_last_ms,
        "covered_from_ms": covered_from_ms,
        "covered_to_ms": resume_ms,
    }


def finished(
    symbol: str,
    kind: str,
    summary: SeriesSummary,
    covered: tuple[int, int],
    fetched: tuple[int, int, int],
    gaps: tuple[Gap, ...],
) -> Entry:
    """`covered`: (from, to) asked so far; `fetched`: (rows, requests, repeats dropped) of this run."""
    return {
        "symbol": symbol,
        "kind": kind,
        "path": summary.path,
        "complete": True,
        "rows": summary.rows,
        "first_ms": summary.first_ms,
        "last_ms": summary.last_ms,
        "sha256": summary.sha256,
        "covered_from_ms": covered[0],
        "covered_to_ms": covered[1],
        "fetched_rows": fetched[0],
        "requests": fetched[1],
        "duplicates_dropped": fetched[2],
        "gaps": [{"after_ms": g.after_ms, "before_ms": g.before_ms, "missing": g.missing}
                 for g in gaps],
    }  # fmt: skip


def document(
    venue: str,
    asked: Mapping[str, Any],
    fetched_at_ms: int,
    markets: str,
    files: Mapping[str, Entry],
) -> dict[str, Any]:
    return {
        "venue": venue,
        "fetched_at_ms": fetched_at_ms,
        "asked": dict(asked),
        "markets": markets,
        "files": [files[path] for path in sorted(files)],
    }
