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
from bot_v2.domain.market import Gap
from bot_v2.features.market_data.download import manifest, plan
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
    # Its manifest entry.
    entry: dict[str, Any]


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
    # Its manifest entry while it is being fetched.
    started: dict[str, Any]

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
            self._files.release()
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
        now = self._now_ms()
        end_ms = plan.closed_end(request.end_ms, now, timeframe_to_ms(request.timeframe))
        kept = manifest.entries(self._files.read_manifest())
        series = [
            self._series(request, symbol, kind, end_ms, now, kept)
            for symbol in request.symbols
            for kind in request.kinds
        ]
        # Nothing is written before here: every refusal above leaves the directory as it was.
        self._files.lock()
        markets = self._files.write_markets(venue.exchange_id, dict(sorted(specs.items())), now)
        asked = _asked(request, end_ms)
        self._on_total(sum(s.pages for s in series))
        results = []
        for s in series:
            kept[s.file.where] = s.started
            self._files.write_manifest(
                manifest.document(venue.exchange_id, asked, now, markets, kept)
            )
            result = await self._download(s)
            kept[s.file.where] = result.entry
            results.append(result)
        path = self._files.write_manifest(
            manifest.document(venue.exchange_id, asked, now, markets, kept)
        )
        return DownloadReport(
            venue.exchange_id, request, now, end_ms, tuple(results), markets, path
        )

    def _series(
        self,
        request: DownloadRequest,
        symbol: str,
        kind: SeriesKind,
        end_ms: int,
        now_ms: int,
        kept: Mapping[str, Mapping[str, Any]],
    ) -> _Series:
        file = self._files.series(symbol, kind, request.timeframe)
        limit = self._venue.page_limit(kind)
        timeframe_ms = timeframe_to_ms(request.timeframe)
        if kind == "funding":
            # Settled rates up to now (or the asked end); no grid to align to.
            step, span, start = 1, limit * plan.FUNDING_UNIT_MS, request.start_ms
            end = now_ms if request.end_ms is None else min(request.end_ms, now_ms)
        else:
            step, span = timeframe_ms, limit * timeframe_ms
            start, end = plan.align_up(request.start_ms, timeframe_ms), end_ms
        known = manifest.coverage(kept.get(file.where), file.last_ms, timeframe_ms)
        first_asked = known.from_ms if known.from_ms is not None else file.first_ms
        if first_asked is not None and start < first_asked:
            raise ConfigError(
                [
                    f"--from: the kept {kind} of {symbol} were asked from {first_asked} ms, later, "
                    "and a download only appends; choose another --out or remove that file"
                ]
            )
        resume = plan.resume_at(start, file.last_ms, step)
        if known.to_ms is not None:
            resume = max(resume, known.to_ms)
        covered_from = min(start, first_asked) if first_asked is not None else start
        return _Series(
            symbol, kind, file, request.timeframe, step, span, resume, end, known.gaps,
            manifest.started(kept.get(file.where), symbol, kind, file.where, covered_from, resume,
                             file.last_ms),
        )  # fmt: skip

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
        earlier = [g for g in s.known_gaps if all(g.after_ms != n.after_ms for n in found)]
        gaps = (*earlier, *found)
        summary = s.file.finish()
        covered = (int(s.started["covered_from_ms"]), max(s.start_ms, s.end_ms))
        entry = manifest.finished(
            s.symbol, s.kind, summary, covered, (fetched, pages, dropped), gaps
        )
        return SeriesResult(s.symbol, s.kind, summary, pages, fetched, dropped, gaps, entry)


def _asked(request: DownloadRequest, end_ms: int) -> dict[str, Any]:
    return {
        "symbols": list(request.symbols),
        "timeframe": request.timeframe,
        "from_ms": request.start_ms,
        "to_ms": request.end_ms,
        "covered_to_ms": end_ms,
        "kinds": list(request.kinds),
    }
