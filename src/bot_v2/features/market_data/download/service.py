"""`perps-bot data download`: a venue's public candles, mark-price candles and funding rates for some
symbols and a time range, fetched in bounded asks and written page by page, so a year of one-minute
candles never sits in memory and an interrupted run resumes after the last row it kept. Every page
is checked before a row of it is written (plan.py); the venue's market rules go beside the files.

Everything is asked and checked before the first page is fetched: the timeframe, the symbols, where
each series resumes. Bad input therefore fails before anything is written."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs

from bot_v2.domain.errors import ConfigError, InvalidSymbol
from bot_v2.domain.market import Gap, MarketSpec
from bot_v2.features.market_data.download import plan
from bot_v2.features.market_data.timeframes import timeframe_to_ms
from bot_v2.ports.market_data import IVenueHistory, SeriesKind
from bot_v2.ports.recorded_data import IRecordedData, ISeriesFile, SeriesSummary


@attrs.frozen
class DownloadRequest:
    symbols: tuple[str, ...]
    timeframe: str
    start_ms: int
    # Exclusive; None: up to the last closed candle.
    end_ms: int | None
    kinds: tuple[SeriesKind, ...]


@attrs.frozen
class SeriesResult:
    symbol: str
    kind: SeriesKind
    summary: SeriesSummary
    pages: int
    fetched: int
    dropped: int
    gaps: tuple[Gap, ...]
    # How far this series has been asked for (exclusive).
    covered_to_ms: int | None = None


@attrs.frozen
class DownloadReport:
    exchange_id: str
    request: DownloadRequest
    fetched_at_ms: int
    end_ms: int
    results: tuple[SeriesResult, ...]
    markets_path: str
    manifest_path: str

    @property
    def gaps(self) -> tuple[Gap, ...]:
        return tuple(g for r in self.results for g in r.gaps)


@attrs.frozen
class _Series:
    symbol: str
    kind: SeriesKind
    file: ISeriesFile
    timeframe: str
    step_ms: int
    span_ms: int
    start_ms: int
    end_ms: int
    # Gaps an earlier download found in the rows kept.
    known_gaps: tuple[Gap, ...]

    @property
    def pages(self) -> int:
        return plan.count_windows(self.start_ms, self.end_ms, self.span_ms)


def _noop(_: int) -> None:
    return None


class DownloadService:
    def __init__(
        self,
        venue: IVenueHistory,
        files: IRecordedData,
        now_ms: Callable[[], int],
        *,
        on_total: Callable[[int], None] = _noop,
        on_page: Callable[[int], None] = _noop,
    ) -> None:
        self._venue = venue
        self._files = files
        self._now_ms = now_ms
        self._on_total = on_total
        self._on_page = on_page

    async def run(self, request: DownloadRequest) -> DownloadReport:
        self._files.check_writable()
        await self._venue.open()
        try:
            return await self._run(request)
        finally:
            await self._venue.close()

    async def _run(self, request: DownloadRequest) -> DownloadReport:
        venue = self._venue
        if request.timeframe not in venue.timeframes():
            offered = ", ".join(venue.timeframes())
            raise ConfigError(
                [f"--timeframe: {venue.exchange_id} has no {request.timeframe} candles ({offered})"]
            )
        try:
            specs = await venue.market_rules(request.symbols)
        except InvalidSymbol as exc:
            raise ConfigError([f"--symbols: {exc}"]) from None
        fetched_at = self._now_ms()
        timeframe_ms = timeframe_to_ms(request.timeframe)
        end_ms = plan.closed_end(request.end_ms, fetched_at, timeframe_ms)
        previous = self._files.read_manifest() or {}
        entries = {str(e.get("path")): e for e in previous.get("files") or []}
        series = [
            self._series(request, symbol, kind, timeframe_ms, end_ms, entries)
            for symbol in request.symbols
            for kind in request.kinds
        ]
        self._on_total(sum(s.pages for s in series))
        results = [await self._download(s) for s in series]
        markets = self._markets(specs)
        markets_path = self._files.write_markets(venue.exchange_id, markets, fetched_at)
        report = DownloadReport(
            venue.exchange_id, request, fetched_at, end_ms, tuple(results), markets_path, ""
        )
        manifest_path = self._files.write_manifest(manifest(report, entries))
        return attrs.evolve(report, manifest_path=manifest_path)

    def _series(
        self,
        request: DownloadRequest,
        symbol: str,
        kind: SeriesKind,
        timeframe_ms: int,
        end_ms: int,
        entries: Mapping[str, Mapping[str, Any]],
    ) -> _Series:
        file = self._files.series(symbol, kind, request.timeframe)
        limit = self._venue.page_limit(kind)
        if kind == "funding":
            step, span, start = 1, limit * plan.FUNDING_UNIT_MS, request.start_ms
            end = min(end_ms, self._now_ms()) if request.end_ms is None else end_ms
        else:
            step, span = timeframe_ms, limit * timeframe_ms
            start, end = plan.align_up(request.start_ms, timeframe_ms), end_ms
        if file.first_ms is not None and start < file.first_ms:
            raise ConfigError(
                [
                    f"--from: the kept {kind} of {symbol} start later ({file.first_ms} ms) and a "
                    "download only appends; choose another --out or remove that file"
                ]
            )
        covered, known = plan.kept_coverage(entries.get(file.where), file.last_ms, timeframe_ms)
        resume = plan.resume_at(start, file.last_ms, step)
        if covered is not None and file.first_ms is not None:
            resume = max(resume, covered)
        return _Series(symbol, kind, file, request.timeframe, step, span, resume, end, known)

    async def _download(self, s: _Series) -> SeriesResult:
        where = f"{self._venue.exchange_id} {s.kind} {s.symbol}"
        limit = self._venue.page_limit(s.kind)
        previous = s.file.last_ms
        fetched = dropped = pages = 0
        found: list[Gap] = []
        for ask in plan.windows(s.start_ms, s.end_ms, s.span_ms):
            if s.kind == "funding":
                raw_funding = await self._venue.funding_page(
                    s.symbol, ask.since_ms, ask.until_ms, limit
                )
                funding, repeats = plan.check_funding(where, s.symbol, ask, raw_funding)
                s.file.append(funding)
                fetched += len(funding)
            else:
                raw = await self._venue.candle_page(
                    s.symbol, s.timeframe, s.kind, ask.since_ms, ask.until_ms, limit
                )
                candles, repeats = plan.check_candles(where, s.symbol, s.step_ms, ask, raw)
                found += plan.gaps(s.symbol, s.step_ms, previous, candles)
                s.file.append(candles)
                fetched += len(candles)
                previous = candles[-1].timestamp_ms if candles else previous
            dropped += repeats
            pages += 1
            self._on_page(1)
        if s.kind != "funding" and pages:
            tail = plan.trailing_gap(s.symbol, s.step_ms, previous, s.start_ms, s.end_ms)
            found += [tail] if tail is not None else []
        # A gap found now supersedes the one an earlier run saw after the same candle (that run's
        # range ended inside it).
        kept = [g for g in s.known_gaps if all(g.after_ms != n.after_ms for n in found)]
        summary = s.file.finish()
        return SeriesResult(
            s.symbol, s.kind, summary, pages, fetched, dropped, (*kept, *found),
            max(s.start_ms, s.end_ms),
        )  # fmt: skip

    @staticmethod
    def _markets(specs: dict[str, MarketSpec]) -> dict[str, MarketSpec]:
        return dict(sorted(specs.items()))


def manifest(report: DownloadReport, earlier: Mapping[str, Mapping[str, Any]]) -> dict[str, object]:
    """What the manifest beside the files says: the venue, what was asked and when, and per file
    (this download's and those of earlier ones) its rows, span, sha256, how far it was asked for
    and the gaps found in it."""
    request = report.request
    files = dict(earlier)
    for r in report.results:
        files[r.summary.path] = _file_entry(r, report.end_ms)
    return {
        "venue": report.exchange_id,
        "fetched_at_ms": report.fetched_at_ms,
        "asked": {
            "symbols": list(request.symbols),
            "timeframe": request.timeframe,
            "from_ms": request.start_ms,
            "to_ms": request.end_ms,
            "covered_to_ms": report.end_ms,
            "kinds": list(request.kinds),
        },
        "markets": report.markets_path,
        "files": [files[path] for path in sorted(files)],
    }


def _file_entry(r: SeriesResult, end_ms: int) -> dict[str, Any]:
    return {
        "symbol": r.symbol,
        "kind": r.kind,
        "path": r.summary.path,
        "rows": r.summary.rows,
        "first_ms": r.summary.first_ms,
        "last_ms": r.summary.last_ms,
        "sha256": r.summary.sha256,
        "covered_to_ms": r.covered_to_ms if r.covered_to_ms is not None else end_ms,
        "fetched_rows": r.fetched,
        "requests": r.pages,
        "duplicates_dropped": r.dropped,
        "gaps": [
            {"after_ms": g.after_ms, "before_ms": g.before_ms, "missing": g.missing} for g in r.gaps
        ],
    }
