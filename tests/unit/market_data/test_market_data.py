from decimal import Decimal

import pytest

from bot_v2.domain.errors import InvalidSymbol
from bot_v2.domain.market import Candle, Mark
from bot_v2.domain.symbols import normalize_symbol, venue_id
from bot_v2.features.market_data.service import MarketDataService
from bot_v2.features.market_data.timeframes import timeframe_to_ms

H = 3_600_000
BTC = "BTC/USDT:USDT"


def candle(ts: int, close: str = "100", symbol: str = BTC) -> Candle:
    c = Decimal(close)
    return Candle(symbol, H, ts, c, c, c, c, Decimal(1))


def test_gap_is_reported_not_bridged() -> None:
    md = MarketDataService([BTC], H)
    result = md.ingest([candle(0), candle(H), candle(4 * H)])
    assert [c.timestamp_ms for c in result.new_candles] == [0, H, 4 * H]
    assert len(result.gaps) == 1
    gap = result.gaps[0]
    assert (gap.after_ms, gap.before_ms, gap.missing) == (H, 4 * H, 2)
    assert len(md.candles(BTC)) == 3  # nothing invented for the hole


@pytest.mark.parametrize("count", [-1, 0, 1, 3, 4, 10])
def test_recent_is_the_tail_of_the_window(count: int) -> None:
    md = MarketDataService([BTC], H, window=4)
    md.ingest([candle(k * H, str(100 + k)) for k in range(6)])
    assert md.recent(BTC, count) == md.candles(BTC)[len(md.candles(BTC)) - max(0, count) :]


def test_the_candles_version_moves_only_with_a_new_candle() -> None:
    md = MarketDataService([BTC], H)
    md.ingest([candle(0)])
    version = md.candles_version
    md.ingest([candle(0), Mark(BTC, Decimal("101"), 2 * H), candle(0, symbol="ETH/USDT:USDT")])
    assert md.candles_version == version  # a duplicate, a mark, a symbol not followed
    md.ingest([candle(H)])
    assert md.candles_version != version


def test_duplicate_and_old_candles_are_ignored() -> None:
    md = MarketDataService([BTC], H)
    md.ingest([candle(0), candle(H)])
    result = md.ingest([candle(H), candle(0)])
    assert result.new_candles == ()
    assert result.ignored == 2


def test_unknown_symbol_and_other_timeframe_are_ignored() -> None:
    md = MarketDataService([BTC], H)
    other = Candle(BTC, 60_000, 0, *(Decimal(1),) * 5)
    result = md.ingest([candle(0, symbol="ETH/USDT:USDT"), other])
    assert result.ignored == 2


def test_marks_keep_the_newest_and_report_age() -> None:
    md = MarketDataService([BTC], H)
    md.ingest([Mark(BTC, Decimal("101"), 5_000), Mark(BTC, Decimal("99"), 4_000)])
    assert md.mark_prices() == {BTC: Decimal("101")}
    assert md.mark_ages_ms(6_000) == {BTC: 1_000}


def test_candle_close_becomes_mark_at_close_time() -> None:
    md = MarketDataService([BTC], H)
    md.ingest([candle(0, "123.5")])
    mark = md.mark(BTC)
    assert mark is not None and mark.price == Decimal("123.5") and mark.timestamp_ms == H


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("BTC/USDT:USDT", "BTC/USDT:USDT"),
        ("btc/usdt:usdt", "BTC/USDT:USDT"),
        ("BTC/USDT", "BTC/USDT:USDT"),
        ("BTCUSDT", "BTC/USDT:USDT"),
        ("1000PEPEUSDT", "1000PEPE/USDT:USDT"),
    ],
)
def test_symbols_normalize_to_unified_perp_form(raw: str, expected: str) -> None:
    assert normalize_symbol(raw) == expected


@pytest.mark.parametrize("raw", ["", "BTC", "BTC-USDT", "BTC/USDT:USDT:X", "B@D/USDT"])
def test_bad_symbols_are_rejected(raw: str) -> None:
    with pytest.raises(InvalidSymbol):
        normalize_symbol(raw)


def test_venue_id() -> None:
    assert venue_id("ETH/USDT:USDT") == "ETHUSDT"


@pytest.mark.parametrize(("tf", "ms"), [("1m", 60_000), ("4h", 4 * H), ("1d", 24 * H)])
def test_timeframes(tf: str, ms: int) -> None:
    assert timeframe_to_ms(tf) == ms


@pytest.mark.parametrize("tf", ["", "0m", "1x", "h", "-1h"])
def test_bad_timeframes(tf: str) -> None:
    with pytest.raises(ValueError):
        timeframe_to_ms(tf)
