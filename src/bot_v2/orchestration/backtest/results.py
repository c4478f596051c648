"""What a backtest produced, measured the same way whatever the mode: computed from the exchange's
fills and funding and the recorded marks, never from the cycles that happened to run."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from decimal import Decimal

import attrs
import numpy as np
import numpy.typing as npt

from bot_v2.adapters.replay.feed import ReplayFeed
from bot_v2.domain.fills import Fill, FundingPayment
from bot_v2.domain.money import ZERO
from bot_v2.domain.positions import Position, apply_fill
from bot_v2.features.live_trade.accounting import ClosedTrade
from bot_v2.features.live_trade.strategies.portfolio.results import SlotResult
from bot_v2.orchestration.backtest.engine import BacktestRun
from bot_v2.orchestration.backtest.slots import slot_results

DAY_MS = 86_400_000
FloatArray = npt.NDArray[np.float64]


@attrs.frozen
class EquityCurve:
    timestamps_ms: npt.NDArray[np.int64]
    equity: FloatArray
    drawdown: FloatArray  # fraction of the running peak, 0..1
    exposed: npt.NDArray[np.bool_]


@attrs.frozen
class Metrics:
    mode: str
    symbols: tuple[str, ...]
    timeframe: str
    start_ms: int
    end_ms: int
    candles: int
    cycles: int
    cycles_run: int
    elapsed_s: float
    trades: int
    wins: int
    win_rate: Decimal
    initial_equity: Decimal
    final_equity: Decimal
    net_pnl: Decimal
    realized_pnl: Decimal
    fees: Decimal
    funding_paid: Decimal
    funding_received: Decimal
    liquidations: int
    max_drawdown: float
    sharpe: float
    exposure: float
    fills: int
    fills_sha256: str
    # Positions (or parts) closed by each exit kind: the protection journal's "exit" events
    # (stop_loss, trailing, break_even, take_profit, time, end_of_day) and the liquidations.
    exits: dict[str, int] = attrs.field(factory=dict)
    # The fees split by liquidity: resting fills (maker entries) and taking ones. They add to fees.
    maker_fees: Decimal = ZERO
    taker_fees: Decimal = ZERO
    maker_fills: int = 0
    # [[strategies]]: each slot's results apart (backtest/slots.py); empty with one [strategy].
    slots: tuple[SlotResult, ...] = ()

    @property
    def return_pct(self) -> Decimal:
        if self.initial_equity <= 0:
            return ZERO
        return self.net_pnl / self.initial_equity * 100

    @property
    def candles_per_s(self) -> float:
        return self.candles / self.elapsed_s if self.elapsed_s > 0 else math.inf


def _text(value: Decimal) -> str:
    """One spelling per number, so equal fills hash equally however they were computed."""
    return format(value.normalize(), "f")


def fills_digest(fills: Sequence[Fill]) -> str:
    digest = hashlib.sha256()
    for f in fills:
        line = "|".join(
            (
                f.fill_id,
                f.client_order_id,
                f.symbol,
                f.side.value,
                _text(f.size),
                _text(f.price),
                _text(f.fee),
                str(f.timestamp_ms),
                "maker" if f.is_maker else "taker",
                "liquidation" if f.liquidation else "",
            )
        )
        digest.update(line.encode() + b"\n")
    return digest.hexdigest()


def equity_curve(
    feed: ReplayFeed,
    initial: Decimal,
    fills: Sequence[Fill],
    funding: Sequence[FundingPayment],
) -> EquityCurve:
    """Equity at every cycle: cash after the fills and funding up to then, plus each position
    valued at the mark the cycle saw (its last candle's mark close)."""
    times = np.asarray(feed.timeline, dtype=np.int64)
    cash_times: list[int] = []
    cash_after: list[float] = []
    cash = initial
    per_symbol: dict[str, tuple[list[int], list[float], list[float]]] = {}
    positions: dict[str, Position] = {}
    events: list[tuple[int, int, Fill | FundingPayment]] = [
        (f.timestamp_ms, 0, f) for f in fills
    ] + [(p.timestamp_ms, 1, p) for p in funding]
    events.sort(key=lambda e: (e[0], e[1]))
    for ts, _, event in events:
        if isinstance(event, Fill):
            before = positions.get(event.symbol) or Position(event.symbol)
            effect = apply_fill(before, event.side, event.size, event.price)
            positions[event.symbol] = effect.position
            cash += effect.realized_pnl - event.fee
            track = per_symbol.setdefault(event.symbol, ([], [], []))
            track[0].append(ts)
            track[1].append(float(effect.position.size))
            track[2].append(float(effect.position.entry_price))
        else:
            cash += event.amount
        cash_times.append(ts)
        cash_after.append(float(cash))
    equity = np.full(len(times), float(initial))
    if cash_times:
        at = np.searchsorted(np.asarray(cash_times, dtype=np.int64), times, side="right") - 1
        known = at >= 0
        equity[known] = np.asarray(cash_after)[at[known]]
    exposed = np.zeros(len(times), dtype=bool)
    for symbol, (stamps, sizes, entries) in per_symbol.items():
        series = feed.series[symbol]
        at = np.searchsorted(np.asarray(stamps, dtype=np.int64), times, side="right") - 1
        held = at >= 0
        size = np.zeros(len(times))
        entry = np.zeros(len(times))
        size[held] = np.asarray(sizes)[at[held]]
        entry[held] = np.asarray(entries)[at[held]]
        last = np.searchsorted(series.closes_ms, times, side="right") - 1
        mark = np.where(last >= 0, series.mark_close[np.maximum(last, 0)], entry)
        equity += size * (mark - entry)
        exposed |= size != 0
    peak = np.maximum.accumulate(equity)
    with np.errstate(divide="ignore", invalid="ignore"):
        drawdown = np.where(peak > 0, np.clip(1 - equity / peak, 0, 1), 0.0)
    return EquityCurve(times, equity, drawdown, exposed)


def sharpe_ratio(curve: EquityCurve, timeframe_ms: int) -> float:
    """Annualized (365 days) Sharpe of daily returns; of per-cycle returns for runs under 3 days."""
    times, equity = curve.timestamps_ms, curve.equity
    if len(equity) < 3:
        return 0.0
    days = times // DAY_MS
    day_ends = np.flatnonzero(np.append(days[1:] != days[:-1], True))
    if len(day_ends) >= 3:
        values = equity[day_ends]
        periods_per_year = 365.0
    else:
        values = equity
        periods_per_year = 365.0 * DAY_MS / timeframe_ms
    with np.errstate(divide="ignore", invalid="ignore"):
        returns = np.diff(values) / values[:-1]
    returns = returns[np.isfinite(returns)]
    if len(returns) < 2 or float(np.std(returns, ddof=1)) == 0:
        return 0.0
    return float(np.mean(returns) / np.std(returns, ddof=1) * math.sqrt(periods_per_year))


def measure(run: BacktestRun, timeframe: str) -> tuple[Metrics, EquityCurve, list[ClosedTrade]]:
    state = run.broker.exchange.state
    fills, funding = state.fills, state.funding
    initial = run.broker.exchange.settings.initial_balance
    curve = equity_curve(run.feed, initial, fills, funding)
    trades = list(run.ledger.closed_trades)
    wins = sum(1 for t in trades if t.net > 0)
    final = run.broker.exchange.account.equity(run.broker.exchange.mark)
    realized = ZERO
    positions: dict[str, Position] = {}
    for f in fills:
        effect = apply_fill(positions.get(f.symbol) or Position(f.symbol), f.side, f.size, f.price)
        positions[f.symbol] = effect.position
        realized += effect.realized_pnl
    series = run.feed.series.values()
    metrics = Metrics(
        mode=run.mode,
        symbols=tuple(run.feed.series),
        timeframe=timeframe,
        start_ms=min(int(s.opens_ms[0]) for s in series),
        end_ms=max(int(s.closes_ms[-1]) for s in series),
        candles=sum(len(s) for s in series),
        cycles=run.cycles,
        cycles_run=run.cycles_run,
        elapsed_s=run.elapsed_s,
        trades=len(trades),
        wins=wins,
        win_rate=Decimal(wins) / Decimal(len(trades)) if trades else ZERO,
        initial_equity=initial,
        final_equity=final,
        net_pnl=final - initial,
        realized_pnl=realized,
        fees=sum((f.fee for f in fills), ZERO),
        funding_paid=-sum((p.amount for p in funding if p.amount < 0), ZERO),
        funding_received=sum((p.amount for p in funding if p.amount > 0), ZERO),
        liquidations=len(state.liquidations),
        max_drawdown=float(curve.drawdown.max()) if len(curve.drawdown) else 0.0,
        sharpe=sharpe_ratio(curve, run.feed.timeframe_ms),
        exposure=float(curve.exposed.mean()) if len(curve.exposed) else 0.0,
        fills=len(fills),
        fills_sha256=fills_digest(fills),
        exits=exits_by_kind(run.store.events, len(state.liquidations)),
        maker_fees=sum((f.fee for f in fills if f.is_maker), ZERO),
        taker_fees=sum((f.fee for f in fills if not f.is_maker), ZERO),
        maker_fills=sum(1 for f in fills if f.is_maker),
        slots=slot_results(run),
    )
    return metrics, curve, trades


def exits_by_kind(events: Sequence[tuple[int, str, str]], liquidations: int) -> dict[str, int]:
    """Exit events name their kind first (see features/live_trade/protection)."""
    counts: dict[str, int] = {}
    for _, kind, detail in events:
        if kind == "exit":
            name = detail.split(" ", 1)[0]
            counts[name] = counts.get(name, 0) + 1
    if liquidations:
        counts["liquidation"] = liquidations
    return dict(sorted(counts.items()))
