"""The funding guard acts in a backtest through the live cycle: the replay feeds it the LAST
settled funding rate at the cycle's time (never the next recorded one, which is the run's future),
an entry it forbids is journaled as `risk_rejected` with the funding reason, and fast and step
runs stay identical."""

from __future__ import annotations

from decimal import Decimal

from bot_v2.adapters.replay.csv_files import FundingPoint
from bot_v2.orchestration.backtest.synthetic import T0_MS, random_walk
from tests.integration.backtest._support import both, config, feed, trace

BTC = "BTC/USDT:USDT"
MINUTE = 60_000
CANDLES = 3000
MILD, EXTREME = Decimal("0.00001"), Decimal("0.01")  # 0.1 bp and 100 bp per settlement
# Settled halfway through the run: before it only the mild rate is known.
SWITCH_MS = T0_MS + CANDLES // 2 * MINUTE


def _run(points: list[FundingPoint]):  # type: ignore[no-untyped-def]
    columns = [random_walk(BTC, CANDLES, seed=7, volatility=0.003)]
    cfg = config(
        [BTC],
        "1m",
        "strategy.params.short_window=5",
        "strategy.params.long_window=30",
        "strategy.params.allow_shorts=false",
        "protections.max_drawdown_pct=0",
        "protections.funding_max_bps=5",
    )
    step, fast = both(cfg, feed(columns, {BTC: points}))
    assert trace(fast) == trace(step)
    return step


def _funding_rejections(run) -> list[tuple[int, str]]:  # type: ignore[no-untyped-def]
    return [(e[0], e[2]) for e in run.store.events if e[1] == "risk_rejected" and "funding" in e[2]]


def _long_entries(run) -> list[int]:  # type: ignore[no-untyped-def]
    return [f.timestamp_ms for f in run.broker.exchange.state.fills if f.side.value == "buy"]


def test_a_high_settled_rate_blocks_longs_only_from_its_settlement_on() -> None:
    run = _run([FundingPoint(T0_MS - 3_600_000, MILD), FundingPoint(SWITCH_MS, EXTREME)])
    rejected = _funding_rejections(run)
    assert rejected, "a long against 100 bp of funding must be refused"
    assert all(ts >= SWITCH_MS for ts, _ in rejected)
    assert all("100.00 bps" in detail for _, detail in rejected)
    # Before the extreme rate settled the mild one was known, and longs did open.
    assert [t for t in _long_entries(run) if t < SWITCH_MS]
    assert not [t for t in _long_entries(run) if t >= SWITCH_MS]


def test_an_extreme_next_rate_does_not_block_while_the_last_settled_one_is_mild() -> None:
    # The extreme rate settles after the last candle: a replay that read the NEXT rate would
    # refuse every long; the last settled (mild) rate lets them through.
    end_ms = T0_MS + (CANDLES + 60) * MINUTE
    run = _run([FundingPoint(T0_MS - 3_600_000, MILD), FundingPoint(end_ms, EXTREME)])
    assert not _funding_rejections(run)
    assert _long_entries(run)
