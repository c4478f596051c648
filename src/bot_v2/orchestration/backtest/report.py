"""The backtest's terminal summary and its report directory: trades.csv, equity.csv, fills.csv,
summary.json and report.html."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from bot_v2.domain.errors import StateError
from bot_v2.domain.fills import Fill
from bot_v2.domain.market import Gap
from bot_v2.features.live_trade.accounting import ClosedTrade
from bot_v2.orchestration.backtest.data import describe_gap
from bot_v2.orchestration.backtest.results import EquityCurve, Metrics
from bot_v2.orchestration.backtest.staged import staged


def _iso(ts_ms: int) -> str:
    return datetime.fromtimestamp(ts_ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def summary_rows(m: Metrics) -> list[tuple[str, str]]:
    return [
        ("symbols", ", ".join(m.symbols)),
        ("period", f"{_iso(m.start_ms)} .. {_iso(m.end_ms)} ({m.timeframe})"),
        ("trades", str(m.trades)),
        ("win rate", f"{m.win_rate * 100:.2f}% ({m.wins} wins)"),
        ("net pnl", f"{_money(m.net_pnl)} ({m.return_pct:.2f}%)"),
        ("realized pnl", _money(m.realized_pnl)),
        ("fees", _money(m.fees)),
        (
            "fees by liquidity",
            f"maker {_money(m.maker_fees)} ({m.maker_fills} fills), "
            f"taker {_money(m.taker_fees)} ({m.fills - m.maker_fills} fills)",
        ),
        ("funding paid", _money(m.funding_paid)),
        ("funding received", _money(m.funding_received)),
        ("liquidations", str(m.liquidations)),
        ("exits", ", ".join(f"{k} {n}" for k, n in m.exits.items()) or "none"),
        ("max drawdown", f"{m.max_drawdown * 100:.2f}%"),
        ("sharpe", f"{m.sharpe:.2f}"),
        ("exposure time", f"{m.exposure * 100:.1f}%"),
        ("initial equity", _money(m.initial_equity)),
        ("final equity", _money(m.final_equity)),
        ("fills", f"{m.fills} (sha256 {m.fills_sha256[:16]}...)"),
        (
            "run",
            f"{m.mode} mode, {m.cycles_run:,} of {m.cycles:,} cycles, {m.candles:,} candles "
            f"in {m.elapsed_s:.2f}s ({m.candles_per_s:,.0f} candles/s)",
        ),
    ]


def report_title(m: Metrics) -> str:
    return f"Backtest {', '.join(m.symbols)} {m.timeframe}"


def slot_rows(m: Metrics) -> list[tuple[str, str]]:
    """One row per [[strategies]] slot: its strategy, share, trades, net PnL and time exposed."""
    return [
        (
            f"slot {r.spec.label}",
            f"{r.spec.strategy} x{r.spec.allocation} on {', '.join(r.spec.symbols)}: "
            f"{r.trades} trades ({r.wins} wins), net {_money(r.net_pnl)}, "
            f"exposed {r.exposure * 100:.1f}%",
        )
        for r in m.slots
    ]


def format_summary(m: Metrics) -> str:
    rows = summary_rows(m) + slot_rows(m)
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)


def summary_document(m: Metrics, gaps: Sequence[Gap]) -> dict[str, Any]:
    def num(value: Decimal) -> str:
        return format(value, "f")

    return {
        "symbols": list(m.symbols),
        "timeframe": m.timeframe,
        "start": _iso(m.start_ms),
        "end": _iso(m.end_ms),
        "mode": m.mode,
        "candles": m.candles,
        "cycles": m.cycles,
        "cycles_run": m.cycles_run,
        "elapsed_s": round(m.elapsed_s, 3),
        "trades": m.trades,
        "wins": m.wins,
        "win_rate": num(m.win_rate),
        "initial_equity": num(m.initial_equity),
        "final_equity": num(m.final_equity),
        "net_pnl": num(m.net_pnl),
        "return_pct": num(m.return_pct),
        "realized_pnl": num(m.realized_pnl),
        "fees": num(m.fees),
        "maker_fees": num(m.maker_fees),
        "taker_fees": num(m.taker_fees),
        "maker_fills": m.maker_fills,
        "funding_paid": num(m.funding_paid),
        "funding_received": num(m.funding_received),
        "liquidations": m.liquidations,
        "exits": dict(m.exits),
        "max_drawdown": round(m.max_drawdown, 6),
        "sharpe": round(m.sharpe, 4),
        "exposure": round(m.exposure, 6),
        "fills": m.fills,
        "fills_sha256": m.fills_sha256,
        "gaps": [describe_gap(g) for g in gaps],
        "slots": [r.document() for r in m.slots],
    }


def write_report(
    directory: Path,
    metrics: Metrics,
    curve: EquityCurve,
    trades: Sequence[ClosedTrade],
    fills: Sequence[Fill],
    gaps: Sequence[Gap],
    page: str,
) -> list[Path]:
    """All five files or none: a failed write (a full disk) leaves the directory as it was.
    `page` is report.html (page/render.py: `report_page`)."""
    summary = json.dumps(summary_document(metrics, gaps), indent=2) + "\n"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with staged(directory) as files:
            return [
                files.write("trades.csv", lambda h: _trades(h, trades)),
                files.write("equity.csv", lambda h: _equity(h, curve)),
                files.write("fills.csv", lambda h: _fills(h, fills)),
                files.write("summary.json", lambda h: _text(h, summary)),
                files.write("report.html", lambda h: _text(h, page)),
            ]
    except OSError as exc:
        raise StateError(
            f"report directory {directory}: {exc.strerror or exc}; no report file was changed"
        ) from None


def _text(handle: IO[str], text: str) -> None:
    handle.write(text)


def _trades(handle: IO[str], trades: Sequence[ClosedTrade]) -> None:
    out = csv.writer(handle)
    out.writerow(
        [
            "symbol",
            "side",
            "size",
            "entry_price",
            "exit_price",
            "opened",
            "closed",
            "pnl",
            "fees",
            "funding",
            "net",
        ]
    )
    for t in trades:
        out.writerow(
            [
                t.symbol,
                "long" if t.side.value == "buy" else "short",
                format(t.size, "f"),
                f"{t.entry_price:.8f}",
                f"{t.exit_price:.8f}",
                _iso(t.opened_ms),
                _iso(t.closed_ms),
                f"{t.pnl:.8f}",
                f"{t.fees:.8f}",
                f"{t.funding:.8f}",
                f"{t.net:.8f}",
            ]
        )


def _equity(handle: IO[str], curve: EquityCurve) -> None:
    handle.write("timestamp_ms,equity,drawdown\n")
    for ts, eq, dd in zip(
        curve.timestamps_ms.tolist(),
        curve.equity.tolist(),
        curve.drawdown.tolist(),
        strict=True,
    ):
        handle.write(f"{ts},{eq:.8f},{dd:.8f}\n")


def _fills(handle: IO[str], fills: Sequence[Fill]) -> None:
    out = csv.writer(handle)
    out.writerow(
        [
            "timestamp_ms",
            "fill_id",
            "client_order_id",
            "symbol",
            "side",
            "size",
            "price",
            "fee",
            "maker",
            "liquidation",
        ]
    )
    for f in fills:
        out.writerow(
            [
                f.timestamp_ms,
                f.fill_id,
                f.client_order_id,
                f.symbol,
                f.side.value,
                format(f.size, "f"),
                format(f.price, "f"),
                format(f.fee, "f"),
                int(f.is_maker),
                int(f.liquidation),
            ]
        )
