"""The pieces that let fast mode skip: RollingMean states rebuilt from numpy bit for bit, the
fallback when that replica cannot prove itself, and the in-memory store the runs use."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot_v2.domain.errors import StateError
from bot_v2.domain.fills import Fill
from bot_v2.domain.money import ZERO
from bot_v2.domain.orders import OrderRequest, OrderType, Side
from bot_v2.domain.positions import FillEffect, Position
from bot_v2.features.live_trade.indicators import RollingMean
from bot_v2.orchestration.backtest.memory_store import MemoryStateStore
from bot_v2.orchestration.backtest.skip import baseline as baseline_skip
from bot_v2.orchestration.backtest.skip.rolling import MeanTrack, replica_is_exact
from bot_v2.orchestration.backtest.synthetic import random_walk
from tests.integration.backtest._support import both, config, feed, trace

BTC = "BTC/USDT:USDT"

values = st.one_of(
    st.floats(min_value=1e-3, max_value=1e6),
    st.sampled_from([1e12, -1e12, 3e-9, 7.5e15, -7.5e15]),
)


@settings(max_examples=200, deadline=None)
@given(series=st.lists(values, min_size=1, max_size=80), window=st.integers(1, 25))
def test_mean_track_is_rolling_mean_bit_for_bit(series: list[float], window: int) -> None:
    track = MeanTrack(np.asarray(series), window)
    means = track.means()
    real = RollingMean(window)
    for fed, value in enumerate(series, start=1):
        real.update(value)
        rebuilt = track.restore(fed)
        assert rebuilt.state() == real.state()
        assert rebuilt.value == real.value
        assert (real.value is None and np.isnan(means[fed - 1])) or means[fed - 1] == real.value


def test_the_replica_proves_itself() -> None:
    assert replica_is_exact()


def test_without_the_replica_fast_mode_feeds_the_means_and_still_agrees(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(baseline_skip, "replica_is_exact", lambda: False)
    columns = [random_walk(BTC, 4000, seed=8, volatility=0.002)]
    cfg = config(
        [BTC], "1m", "strategy.params.short_window=7", "strategy.params.long_window=40",
        "strategy.params.trailing_stop_pct=0.004",
    )  # fmt: skip
    step, fast = both(cfg, feed(columns))
    assert step.broker.exchange.state.fills
    assert trace(fast) == trace(step)


def test_memory_store_refuses_a_reused_id_and_moves_positions_with_fills() -> None:
    store = MemoryStateStore()
    request = OrderRequest("bt-1", BTC, Side.BUY, OrderType.MARKET, Decimal(1))
    store.record_intent(request, 5)
    with pytest.raises(StateError, match="already used"):
        store.record_intent(request, 6)
    assert [i.request for i in store.load_pending_intents()] == [request]
    fill = Fill("f1", "bt-1", "x1", BTC, Side.BUY, Decimal(2), Decimal(100), Decimal(0), 7)
    assert store.record_fill(fill) == FillEffect(Position(BTC, Decimal(2), Decimal(100)), ZERO)
    assert store.record_fill(fill) is None
    assert store.load_positions()[BTC].size == 2
    assert (store.last_fill_ms(), store.watermark_ms(), store.decision_count()) == (7, 7, 1)
