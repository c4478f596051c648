"""A backtest books the sim exchange's fills as the broker hands them over (ports.account_news):
the fills the exchange made are the fills the store and the ledger hold, in both modes, and the
venue's history is read once, by the reconciliation at the start, never by a cycle's sync."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from bot_v2.adapters.brokers.sim.broker import SimBroker
from bot_v2.domain.fills import Fill, FundingPayment
from bot_v2.orchestration.backtest.synthetic import random_walk
from tests.integration.backtest._support import config, feed, run

BTC = "BTC/USDT:USDT"


@pytest.mark.parametrize("mode", ["step", "fast"])
def test_the_cycles_book_what_the_sim_made_without_asking_for_it_again(
    mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []
    fetch_fills, fetch_funding = SimBroker.fetch_fills, SimBroker.fetch_funding

    async def fills(self: SimBroker, symbols: Sequence[str], since_ms: int) -> list[Fill]:
        asked.append("fills")
        return await fetch_fills(self, symbols, since_ms)

    async def funding(
        self: SimBroker, symbols: Sequence[str], since_ms: int
    ) -> list[FundingPayment]:
        asked.append("funding")
        return await fetch_funding(self, symbols, since_ms)

    monkeypatch.setattr(SimBroker, "fetch_fills", fills)
    monkeypatch.setattr(SimBroker, "fetch_funding", funding)
    cfg = config([BTC], "1m", "strategy.params.short_window=5", "strategy.params.long_window=30")
    result = run(cfg, feed([random_walk(BTC, 3000, seed=5)]), mode)
    made = result.broker.exchange.state.fills
    assert len(made) > 20
    assert result.store.load_fills() == made
    assert result.ledger.fill_count == len(made)
    assert result.store.load_positions() == dict(result.ledger.positions)
    assert asked == ["fills", "funding"]  # the reconciliation's, at the start
