"""Fast mode's stream: after a jump over skipped candles, a drain hands over only the candle closing
now and the mark at the last close, the one the skipped cycles would have left behind."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from bot_v2.adapters.replay.clock import ReplayClock
from bot_v2.adapters.replay.columns import CandleColumns, MarkColumns
from bot_v2.adapters.replay.feed import ReplayFeed, SymbolSeries
from bot_v2.domain.market import Candle, Mark
from bot_v2.orchestration.backtest.skipping import skipping_quote_stream

MINUTE = 60_000
BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"


def columns(symbol: str, opens: list[int], closes: list[float]) -> CandleColumns:
    n = len(opens)
    return CandleColumns(symbol, MINUTE, opens, closes, closes, closes, closes, [1.0] * n)


def test_a_drain_after_a_jump_is_the_candle_closing_now_and_the_latest_marks() -> None:
    # ETH has no candle closing at the last tick (a gap): only its mark is handed over.
    btc = columns(BTC, [0, MINUTE, 2 * MINUTE, 3 * MINUTE], [10.0, 11.0, 12.0, 13.0])
    eth = columns(ETH, [0, MINUTE, 2 * MINUTE], [20.0, 21.0, 22.0])
    marks = MarkColumns([2 * MINUTE], [21.5], [22.5], [21.0], [22.25])
    data = ReplayFeed({BTC: SymbolSeries(BTC, btc), ETH: SymbolSeries(ETH, eth, marks)}, MINUTE)
    clock = ReplayClock(data.timeline)
    stream = skipping_quote_stream(data, clock)
    asyncio.run(stream.start([BTC, ETH]))
    clock.jump_to(3)
    events = stream.drain()
    candle = events[0]
    assert isinstance(candle, Candle)
    assert (candle.symbol, candle.timestamp_ms, candle.close) == (BTC, 3 * MINUTE, Decimal(13))
    assert events[1:] == [
        Mark(BTC, Decimal(13), 4 * MINUTE),
        Mark(ETH, Decimal("22.25"), 3 * MINUTE),
    ]
    assert stream.drain() == []
