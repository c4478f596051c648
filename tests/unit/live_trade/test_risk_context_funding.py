"""RiskContextSource feeds the funding guard: one ask of the funding source per clock tick, the
answer in every context of that cycle; a failed ask keeps the last known rates and never raises."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from decimal import Decimal

import attrs

from bot_v2.domain.risk import RiskLimits
from bot_v2.features.live_trade.accounting import Ledger
from bot_v2.features.live_trade.risk_context import RiskContextSource
from tests.fakes.ports import FakeStore

D = Decimal
LIMITS = RiskLimits(D(5), D(10**6), D(10**6), D(10**6), D(10**6))
BTC = "BTC/USDT:USDT"


@attrs.define
class Marks:
    marks_version: int = 1

    def mark_prices(self) -> Mapping[str, Decimal]:
        return {}

    def mark_ages_ms(self, now_ms: int) -> Mapping[str, int | None]:
        return {}


@attrs.define
class Clock:
    now: int = 1_000

    def now_ms(self) -> int:
        return self.now


@attrs.define
class Rates:
    answers: list[dict[str, Decimal] | Exception]
    asked: int = 0

    async def next_funding_rates(self, symbols: Sequence[str]) -> dict[str, Decimal]:
        answer = self.answers[self.asked]
        self.asked += 1
        if isinstance(answer, Exception):
            raise answer
        return answer


def _source(clock: Clock, rates: Rates) -> RiskContextSource:
    return RiskContextSource(
        ledger=Ledger(D(1000)),
        marks=Marks(),
        store=FakeStore(),
        clock=clock,  # type: ignore[arg-type]
        limits=LIMITS,
        kill_switch=False,
        max_mark_staleness_ms=60_000,
        funding=rates,
    )


def test_rates_are_asked_once_per_tick_and_a_failure_keeps_the_last_known() -> None:
    clock = Clock()
    rates = Rates([{BTC: D("0.0003")}, ConnectionError("venue down"), {BTC: D("-0.0001")}])
    source = _source(clock, rates)

    async def cycle() -> None:
        await source.refresh_funding([BTC])

    asyncio.run(cycle())
    asyncio.run(cycle())  # same tick: not asked again
    assert rates.asked == 1
    assert source.context().funding_rates == {BTC: D("0.0003")}
    clock.now += 60_000
    asyncio.run(cycle())  # the venue fails: the cycle goes on with the last known rate
    assert source.context().funding_rates == {BTC: D("0.0003")}
    clock.now += 60_000
    asyncio.run(cycle())
    assert source.context().funding_rates == {BTC: D("-0.0001")}
    assert rates.asked == 3
