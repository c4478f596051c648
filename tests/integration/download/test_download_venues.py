"""`data download` through the real ccxt client against the loopback Binance, Bybit and OKX venues
(their real hostnames, TLS, each venue's kline, mark-kline and funding wire format and page size):
the files hold exactly the venue's recorded rows, a second run asks for nothing, a hole is reported
and never bridged, an answer that was not asked for stops the download before a row of it is kept,
and a 429 is waited out."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import json
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from bot_v2.adapters.brokers.ccxt import RetryPolicy
from bot_v2.adapters.brokers.ccxt.public_history import CcxtPublicHistory
from bot_v2.adapters.replay.recorded_files import RecordedFiles
from bot_v2.adapters.venues import registry
from bot_v2.domain.errors import ConfigError, DataError
from bot_v2.domain.market import Gap
from bot_v2.features.market_data.download.service import (
    DownloadReport,
    DownloadRequest,
    DownloadService,
)
from tests.loopback import TEST_DEFAULTS, BinanceUsdmVenue, BybitVenue, LoopbackVenue, OkxVenue
from tests.loopback import history as loopback_history

VENUES: dict[str, type[LoopbackVenue]] = {
    "binanceusdm": BinanceUsdmVenue,
    "bybit": BybitVenue,
    "okx": OkxVenue,
}
# The venues' history paths (candles, mark candles, funding): what a rerun must not ask again.
HISTORY_PATHS = {
    "binanceusdm": ("/fapi/v1/klines", "/fapi/v1/markPriceKlines", "/fapi/v1/fundingRate"),
    "bybit": ("/v5/market/kline", "/v5/market/mark-price-kline", "/v5/market/funding/history"),
    "okx": ("candles", "funding-rate-history"),
}
BTC = "BTC/USDT:USDT"
H = 3_600_000
JAN_1 = int(datetime(2024, 1, 1, tzinfo=UTC).timestamp() * 1000)
# Q1 2024: 2184 hourly candles, more than one page on every venue (OKX: 8 of 300 candles, 22 of 100 marks).
APR_1 = int(datetime(2024, 4, 1, tzinfo=UTC).timestamp() * 1000)
QUICK_RETRY = RetryPolicy(max_attempts=3, base_delay_s=0.01, max_delay_s=0.05, seed=3)


def bundled(relative: str, start: int, end: int) -> list[str]:
    text = (resources.files("bot_v2") / "resources/data" / relative).read_text(encoding="utf-8")
    rows = list(csv.reader(text.splitlines()[1:]))
    return [",".join(r) for r in rows if start <= int(r[0]) < end]


def rows(path: str | Path) -> list[str]:
    return Path(path).read_text().splitlines()[1:]


def history_requests(venue: LoopbackVenue, venue_id: str) -> int:
    return sum(len(venue.recorded(p)) for p in HISTORY_PATHS[venue_id])


@contextlib.asynccontextmanager
async def running(venue_id: str) -> AsyncIterator[LoopbackVenue]:
    venue = VENUES[venue_id]()
    await venue.start()
    try:
        yield venue
    finally:
        await venue.stop()


async def download(
    venue: LoopbackVenue,
    venue_id: str,
    out: Path,
    *,
    start: int = JAN_1,
    end: int = APR_1,
    kinds: tuple[Any, ...] = ("candles", "mark", "funding"),
    symbols: tuple[str, ...] = (BTC,),
    timeframe: str = "1h",
) -> DownloadReport:
    session = venue.client_session()
    history = CcxtPublicHistory(
        registry.venue(venue_id),
        ccxt_config=dict(TEST_DEFAULTS),
        session=session,
        retry=QUICK_RETRY,
    )
    service = DownloadService(
        history, RecordedFiles(out, venue_id), lambda: int(time.time() * 1000)
    )
    try:
        return await service.run(DownloadRequest(symbols, timeframe, start, end, kinds))
    finally:
        await session.close()


@pytest.mark.parametrize("venue_id", sorted(VENUES))
def test_files_hold_the_venues_rows_and_a_second_run_asks_for_nothing(
    venue_id: str, tmp_path: Path
) -> None:
    async def run() -> None:
        async with running(venue_id) as venue:
            report = await download(venue, venue_id, tmp_path)
            asked = history_requests(venue, venue_id)
            again = await download(venue, venue_id, tmp_path)
            assert history_requests(venue, venue_id) == asked  # nothing asked twice
        by_kind = {r.kind: r for r in report.results}
        candles = by_kind["candles"].summary
        assert rows(candles.path) == bundled("binance_usdm/1h/BTCUSDT-1h-2024.csv", JAN_1, APR_1)
        assert by_kind["candles"].pages > 1 and by_kind["candles"].summary.rows == 2184
        mark = rows(by_kind["mark"].summary.path)
        assert mark == bundled("binance_usdm/1h_mark/BTCUSDT-mark-1h-2024.csv", JAN_1, APR_1)
        funding = rows(by_kind["funding"].summary.path)
        expected = bundled("binance_usdm/funding/BTCUSDT-funding-upto-2024.csv", JAN_1, APR_1)
        assert [r.split(",")[0] for r in funding] == [r.split(",")[0] for r in expected]
        assert [float(r.split(",")[1]) for r in funding] == [
            float(r.split(",")[1]) for r in expected
        ]
        assert report.gaps == ()
        assert [r.summary for r in again.results] == [r.summary for r in report.results]
        manifest = json.loads(Path(report.manifest_path).read_text())
        assert manifest["venue"] == venue_id
        assert {f["path"]: f["sha256"] for f in manifest["files"]} == {
            r.summary.path: r.summary.sha256 for r in report.results
        }
        markets = json.loads(Path(report.markets_path).read_text())["markets"][BTC]
        assert markets["tick_size"] == "0.1"
        # Bybit and OKX publish their tiers without keys; Binance's brackets need a signature.
        assert ("tiers" in markets) == (venue_id != "binanceusdm")

    asyncio.run(run())


def test_a_hole_in_the_venues_history_is_reported_and_never_bridged(tmp_path: Path) -> None:
    hole = (JAN_1 + 10 * H, JAN_1 + 12 * H)

    async def run() -> DownloadReport:
        async with running("binanceusdm") as venue:
            loopback_history.knobs(venue).configure({"holes": {"BTCUSDT": [hole]}})
            return await download(venue, "binanceusdm", tmp_path, kinds=("candles",))

    report = asyncio.run(run())
    assert report.gaps == (Gap(BTC, H, JAN_1 + 9 * H, JAN_1 + 13 * H),)
    kept = [int(r.split(",")[0]) for r in rows(report.results[0].summary.path)]
    assert len(kept) == 2184 - 3 and not any(hole[0] <= t <= hole[1] for t in kept)
    listed = json.loads(Path(report.manifest_path).read_text())["files"][0]["gaps"]
    assert listed == [{"after_ms": JAN_1 + 9 * H, "before_ms": JAN_1 + 13 * H, "missing": 3}]


@pytest.mark.parametrize(("spoil", "problem"), [("after_end", "outside the asked"),
                                                 ("off_grid", "off the 3600000 ms grid")])  # fmt: skip
def test_an_answer_that_was_not_asked_for_keeps_no_row_of_its_page(
    spoil: str, problem: str, tmp_path: Path
) -> None:
    async def run() -> tuple[list[str], list[str], list[str]]:
        async with running("binanceusdm") as venue:
            clean = await download(venue, "binanceusdm", tmp_path / "clean", kinds=("candles",))
            spoiled_dir = tmp_path / "spoiled"
            # The second page is spoiled: the first stays kept, nothing of the second.
            loopback_history.knobs(venue).configure(
                {"spoil_next": {"what": spoil, "path": "/fapi/v1/klines", "skip": 1}}
            )
            with pytest.raises(DataError, match=problem):
                await download(venue, "binanceusdm", spoiled_dir, kinds=("candles",))
            target = spoiled_dir / "binanceusdm" / "BTC_USDT_USDT-1h.csv"
            kept_after_error = rows(target.with_name(target.name + ".part"))
            assert not target.exists()
            await download(venue, "binanceusdm", spoiled_dir, kinds=("candles",))
            return rows(clean.results[0].summary.path), kept_after_error, rows(target)

    clean, kept_after_error, rerun = asyncio.run(run())
    assert kept_after_error == clean[:1000]  # the first page (1000 rows), whole
    assert rerun == clean


def test_a_rate_limited_page_is_waited_out_and_asked_again(tmp_path: Path) -> None:
    async def run() -> tuple[DownloadReport, int]:
        async with running("binanceusdm") as venue:
            venue.faults.rate_limit_next(1, "/fapi/v1/klines")  # HTTP 429, Retry-After: 1
            report = await download(venue, "binanceusdm", tmp_path, kinds=("candles",))
            return report, len([r for r in venue.recorded("/fapi/v1/klines") if r.status == 429])

    report, limited = asyncio.run(run())
    assert limited == 1
    assert report.results[0].summary.rows == 2184


@pytest.mark.parametrize(
    ("symbols", "timeframe", "problem"),
    [
        ((BTC, "DOGE/USDT:USDT"), "1h", "--symbols: binanceusdm: DOGE/USDT:USDT is not listed"),
        ((BTC,), "7m", "--timeframe: binanceusdm has no 7m candles"),
    ],
)
def test_bad_input_is_refused_before_anything_is_written(
    symbols: tuple[str, ...], timeframe: str, problem: str, tmp_path: Path
) -> None:
    async def run() -> int:
        async with running("binanceusdm") as venue:
            with pytest.raises(ConfigError) as caught:
                await download(venue, "binanceusdm", tmp_path, symbols=symbols, timeframe=timeframe)
            assert caught.value.lines[0].startswith(problem)
            return history_requests(venue, "binanceusdm")

    assert asyncio.run(run()) == 0
    assert list(tmp_path.iterdir()) == []


def test_a_longer_range_asks_only_for_what_is_missing_and_an_earlier_start_is_refused(
    tmp_path: Path,
) -> None:
    feb_1 = JAN_1 + 31 * 24 * H

    async def run() -> tuple[list[int], list[str]]:
        async with running("binanceusdm") as venue:
            await download(venue, "binanceusdm", tmp_path, kinds=("candles",), end=feb_1)
            seen = len(venue.recorded("/fapi/v1/klines"))
            await download(venue, "binanceusdm", tmp_path, kinds=("candles",))
            starts = [int(r.query["startTime"]) for r in venue.recorded("/fapi/v1/klines")[seen:]]
            with pytest.raises(ConfigError) as caught:
                await download(venue, "binanceusdm", tmp_path / "later", kinds=("candles",),
                               start=feb_1)  # fmt: skip
                await download(venue, "binanceusdm", tmp_path / "later", kinds=("candles",))
            return starts, caught.value.lines

    starts, refused = asyncio.run(run())
    assert starts[0] == feb_1 and len(starts) == 2  # Feb and March: 1440 candles, two pages
    kept = rows(tmp_path / "binanceusdm" / "BTC_USDT_USDT-1h.csv")
    assert kept == bundled("binance_usdm/1h/BTCUSDT-1h-2024.csv", JAN_1, APR_1)
    assert refused == [
        f"--from: the kept candles of {BTC} were asked from {feb_1} ms, later, and a download "
        "only appends; choose another --out or remove that file"
    ]
    assert len(rows(tmp_path / "later" / "binanceusdm" / "BTC_USDT_USDT-1h.csv")) == 1440


def test_a_series_that_starts_after_from_is_run_again_without_a_request(tmp_path: Path) -> None:
    # The venue has nothing for the first hours asked (a listing that starts later).
    async def run() -> tuple[DownloadReport, DownloadReport, int]:
        async with running("binanceusdm") as venue:
            loopback_history.knobs(venue).configure(
                {"holes": {"BTCUSDT": [(JAN_1, JAN_1 + 5 * H)]}}
            )
            first = await download(venue, "binanceusdm", tmp_path, kinds=("candles",))
            asked = len(venue.recorded("/fapi/v1/klines"))
            again = await download(venue, "binanceusdm", tmp_path, kinds=("candles",))
            return first, again, len(venue.recorded("/fapi/v1/klines")) - asked

    first, again, asked_again = asyncio.run(run())
    assert first.results[0].summary.first_ms == JAN_1 + 6 * H
    assert asked_again == 0 and again.results[0].summary == first.results[0].summary
