"""Maker entries in a backtest ([strategy.entry] kind = "maker"): post-only limits at the touch
that fill when a candle trades through them at the maker fee, re-priced on the clock, then a
market order or nothing. Fast mode runs every cycle while an entry works, so its fills equal step's."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot_v2.domain.orders import OrderType
from bot_v2.orchestration.backtest.synthetic import random_walk
from tests.integration.backtest._support import both, config, feed, run, trace
from tests.integration.backtest.test_cli import backtest, quarter

BTC = "BTC/USDT:USDT"
MAKER = ('strategy.entry.kind="maker"',)
FAST_MA = ("strategy.params.short_window=5", "strategy.params.long_window=20")


def _orders(r: object) -> list[object]:
    return list(r.broker.exchange.state.orders.values())  # type: ignore[attr-defined]


def test_maker_entries_rest_post_only_at_the_touch_and_fill_as_maker() -> None:
    market = feed([random_walk(BTC, 1500, seed=3, volatility=0.003)])
    cfg = config([BTC], "1h", *FAST_MA, *MAKER, "strategy.entry.max_reprices=2")
    result = run(cfg, market, "step")
    entries = [o for o in _orders(result) if o.type is OrderType.LIMIT]
    assert entries and all(o.post_only and not o.reduce_only for o in entries)
    fills = result.broker.exchange.state.fills
    maker = [f for f in fills if f.is_maker]
    assert maker, "some entries filled resting"
    rates = {f.fee / (f.size * f.price) for f in maker}
    assert rates == {result.config.broker.sim.maker_fee}
    # Every fill of a maker order is at its own limit: it never pays beyond it.
    limits = {o.client_order_id: o.price for o in entries}
    assert all(f.price == limits[f.client_order_id] for f in maker)


def test_taker_entries_never_rest() -> None:
    market = feed([random_walk(BTC, 800, seed=3, volatility=0.003)])
    result = run(config([BTC], "1h", *FAST_MA), market, "step")
    assert not any(o.type is OrderType.LIMIT for o in _orders(result))
    assert not any(f.is_maker for f in result.broker.exchange.state.fills)


def test_fallback_cancel_gives_up_and_market_fallback_trades_the_rest() -> None:
    market = feed([random_walk(BTC, 1500, seed=8, volatility=0.003)])
    base = (*FAST_MA, *MAKER, "strategy.entry.max_reprices=0")
    give_up = run(config([BTC], "1h", *base, 'strategy.entry.fallback="cancel"'), market, "step")
    market_fb = run(config([BTC], "1h", *base, 'strategy.entry.fallback="market"'), market, "step")
    opening_market = [
        o for o in _orders(market_fb) if o.type is OrderType.MARKET and not o.reduce_only
    ]
    assert opening_market, "an entry that did not fill in its wait fell back to a market order"
    assert not [o for o in _orders(give_up) if o.type is OrderType.MARKET and not o.reduce_only]


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    reprice_after_s=st.sampled_from([1, 3600, 7200, 20_000]),
    max_reprices=st.integers(0, 3),
    fallback=st.sampled_from(["market", "cancel"]),
)
def test_fast_equals_step_with_maker_entries(
    seed: int, reprice_after_s: int, max_reprices: int, fallback: str
) -> None:
    market = feed([random_walk(BTC, 600, seed=seed, volatility=0.004)])
    cfg = config(
        [BTC],
        "1h",
        *FAST_MA,
        *MAKER,
        f"strategy.entry.reprice_after_s={reprice_after_s}",
        f"strategy.entry.max_reprices={max_reprices}",
        f'strategy.entry.fallback="{fallback}"',
    )
    step, fast = both(cfg, market)
    assert trace(fast) == trace(step)


def test_cli_summary_splits_fees_by_liquidity_and_fast_matches_step_on_bundled_btc(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    docs = {}
    for mode in ("fast", "step"):
        args = [*quarter(tmp_path / mode, mode), "--set", 'strategy.entry.kind="maker"']
        assert backtest(*args) == 0
        docs[mode] = json.loads((tmp_path / mode / "summary.json").read_text())
    out = capsys.readouterr().out
    assert "fees by liquidity" in out and "maker " in out
    fast, step = docs["fast"], docs["step"]
    assert fast["fills_sha256"] == step["fills_sha256"]
    assert fast["maker_fills"] > 0
    assert Decimal(fast["maker_fees"]) > 0
    assert Decimal(fast["maker_fees"]) + Decimal(fast["taker_fees"]) == Decimal(fast["fees"])
