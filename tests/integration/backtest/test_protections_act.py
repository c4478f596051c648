"""The protections act through the live cycle (the same RuntimeCoordinator a live run uses, over the
simulated exchange): the drawdown halt flattens every position with reduce-only orders, journals
it, and nothing opens afterwards; the stop-out cooldown keeps a symbol out after a losing close."""

from __future__ import annotations

from bot_v2.features.live_trade.risk.state_keeper import META_KEY, decode
from bot_v2.orchestration.backtest.data import BacktestData
from tests.integration.backtest._support import bundled_year, config, run

DATA = "bundled:binance_usdm"
BTC = "BTC/USDT:USDT"
ETH = "ETH/USDT:USDT"


def bundled() -> BacktestData:
    return bundled_year()


def test_the_drawdown_halt_flattens_and_nothing_opens_after_it() -> None:
    data = bundled()
    cfg = config([BTC, ETH], data.timeframe, "protections.max_drawdown_pct=0.1")
    result = run(cfg, data.feed, "step")
    halts = [e for e in result.store.events if e[1] == "protection" and "drawdown_halt" in e[2]]
    assert halts, "the bundled year draws down more than 10%: the halt must trip"
    halted_at = halts[0][0]
    state = decode(result.store.get_meta(META_KEY) or "")
    assert "drawdown" in state.guards.halt
    after = [f for f in result.broker.exchange.state.fills if f.timestamp_ms >= halted_at]
    # Only the flatten: one reduce-only close per position held at the halt, then nothing.
    assert after and all(f.client_order_id for f in after)
    assert len({f.symbol for f in after}) == len(after)
    assert all(p.size == 0 for p in result.broker.exchange.state.positions.values())
    assert not [f for f in result.ledger.closed_trades if f.opened_ms >= halted_at]


def test_a_stop_out_cooldown_is_journaled_and_holds_the_symbol_out() -> None:
    data = bundled()
    cfg = config(
        [BTC, ETH],
        data.timeframe,
        "protections.stopout_cooldown_s=86400",
        "protections.max_drawdown_pct=0",
    )
    result = run(cfg, data.feed, "fast")
    cooled = [e for e in result.store.events if e[1] == "protection" and "symbol_cooldown" in e[2]]
    assert cooled
    trades = result.ledger.closed_trades
    for stop in (t for t in trades if t.net < 0):
        # No trade in that symbol opened within the day after a losing close.
        reopened = [
            t
            for t in trades
            if t.symbol == stop.symbol
            and stop.closed_ms < t.opened_ms < stop.closed_ms + 86_400_000
        ]
        assert reopened == [], (stop, reopened)
