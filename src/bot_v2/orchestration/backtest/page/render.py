"""report.html as one offline file: the summary, a price chart per symbol (candles of the resample
ladder, every entry and exit marked, the strategy's declared indicators over them), the equity and
drawdown, the slots, a sortable trades table with each exit's kind and the monthly returns.

The vendored Lightweight Charts and page.js are inlined and the data travels as JSON in the page,
so it opens from file:// with no network."""

from __future__ import annotations

import html
import json
import math
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt

from bot_v2.adapters.replay.feed import ReplayFeed
from bot_v2.features.live_trade.accounting import ClosedTrade
from bot_v2.features.live_trade.strategies.plots import Line, SpreadZ
from bot_v2.orchestration.backtest.engine import BacktestRun
from bot_v2.orchestration.backtest.html import chart
from bot_v2.orchestration.backtest.page.ladder import Level, finest_bars, label, ladder
from bot_v2.orchestration.backtest.page.monthly import monthly_returns, yearly
from bot_v2.orchestration.backtest.page.slots import ReportSlot, SlotRow, slot_rows, slots_of
from bot_v2.orchestration.backtest.page.trades import TradeRow, trade_rows
from bot_v2.orchestration.backtest.results import EquityCurve, Metrics

LIBRARY = "vendor/lightweight-charts/lightweight-charts.standalone.production.js"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

STYLE = """
body{font-family:sans-serif;margin:2em;color:#222;max-width:1200px}
th{text-align:left;padding:2px 1em 2px 0;font-weight:normal;color:#555}
td{text-align:right;font-family:monospace;padding:2px 0 2px 1em}
table.sortable th{cursor:pointer;user-select:none;font-weight:bold}
table.sortable th[data-dir=asc]::after{content:" \\25B2"}
table.sortable th[data-dir=desc]::after{content:" \\25BC"}
table.grid{border-collapse:collapse}table.grid td,table.grid th{border-bottom:1px solid #eee}
td.up{color:#1a7f37}td.down{color:#cf222e}
.chart{width:100%;height:440px}.level{color:#57606a;font-size:12px}
.trades{max-height:600px;overflow:auto}
"""


@cache
def library() -> str:
    """The vendored Lightweight Charts (resources/vendor/lightweight-charts, PROVENANCE.md)."""
    return resources.files("bot_v2.resources").joinpath(LIBRARY).read_text(encoding="utf-8")


@cache
def script() -> str:
    return resources.files(__package__).joinpath("page.js").read_text(encoding="utf-8")


def _iso(ts_ms: int) -> str:
    return datetime.fromtimestamp(ts_ms / 1000, UTC).strftime("%Y-%m-%d %H:%M")


def _rounded(values: npt.NDArray[np.float64]) -> list[float | None]:
    """Ten significant digits (an average's float tail only weighs the page); NaN as null."""
    return [None if math.isnan(v) else float(f"{v:.10g}") for v in values.tolist()]


def _level(level: Level) -> dict[str, Any]:
    return {
        "label": label(level.step_ms),
        "step": level.step_ms // 1000,
        "t": (level.open_ms // 1000).tolist(),
        "o": level.open.tolist(),
        "h": level.high.tolist(),
        "l": level.low.tolist(),
        "c": level.close.tolist(),
        "lines": [_rounded(v) for v in level.lines],
    }


def _markers(symbol: str, rows: Sequence[TradeRow]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for r in rows:
        t = r.trade
        if t.symbol != symbol:
            continue
        side = "long" if t.side.value == "buy" else "short"
        out.append({"t": t.opened_ms // 1000, "what": "entry", "side": side, "text": side})
        out.append({"t": t.closed_ms // 1000, "what": "exit", "side": side, "text": r.exit_kind})
    return out


def pair_lines(
    plot: SpreadZ, feed: ReplayFeed, slot: ReportSlot | None, symbol: str
) -> tuple[Line, ...]:
    """The slot's pair spread [A, B] over the times both legs have a candle, on `symbol`'s
    candles (NaN where the other leg has none)."""
    if slot is None or len(slot.symbols) != 2:
        return ()
    a, b = (feed.series[s].columns for s in slot.symbols)
    _, ia, ib = np.intersect1d(a.open_ms, b.open_ms, assume_unique=True, return_indices=True)
    own = feed.series[symbol].columns
    at = ia if symbol == slot.symbols[0] else ib
    out = []
    for line in plot.pair_lines(a.close[ia], b.close[ib]):
        values = np.full(len(own.close), np.nan)
        values[at] = line.values
        out.append(Line(line.name, values, line.pane))
    return tuple(out)


def symbol_data(
    feed: ReplayFeed, symbol: str, slot: ReportSlot | None, rows: Sequence[TradeRow]
) -> dict[str, Any]:
    cols = feed.series[symbol].columns
    plots = slot.plots if slot is not None else ()
    lines = [line for p in plots for line in p.lines(cols.high, cols.low, cols.close)]
    lines += [
        line for p in plots if isinstance(p, SpreadZ) for line in pair_lines(p, feed, slot, symbol)
    ]
    levels = ladder(
        cols.timeframe_ms, cols.open_ms, cols.open, cols.high, cols.low, cols.close, lines,
        finest_bars(len(feed.series)),
    )  # fmt: skip
    return {
        "symbol": symbol,
        "lines": [line.name for line in lines],
        "panes": [line.pane for line in lines],
        # Coarsest last: the page opens on it and moves down the list as the operator zooms in.
        "levels": [_level(level) for level in levels],
        "markers": _markers(symbol, rows),
    }


def _table(rows: Sequence[tuple[str, str]]) -> str:
    body = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows)
    return f"<table>{body}</table>"


def _cell(text: str, sort: object | None = None, cls: str = "") -> str:
    key = "" if sort is None else f' data-v="{html.escape(str(sort))}"'
    klass = f' class="{cls}"' if cls else ""
    return f"<td{key}{klass}>{html.escape(text)}</td>"


def _signed(value: float) -> str:
    return "up" if value > 0 else "down" if value < 0 else ""


def _slots_table(rows: Sequence[SlotRow]) -> str:
    head = "".join(
        f"<th>{h}</th>"
        for h in (
            "slot",
            "strategy",
            "symbols",
            "trades",
            "win rate",
            "net pnl",
            "fees",
            "exposure",
        )
    )
    body = ""
    for r in rows:
        rate = r.wins / r.trades if r.trades else 0.0
        body += (
            "<tr>"
            + _cell(r.slot.label)
            + _cell(r.slot.strategy)
            + _cell(", ".join(r.slot.symbols))
            + _cell(str(r.trades), r.trades)
            + _cell(f"{rate * 100:.1f}%", rate)
            + _cell(f"{r.net_pnl:,.2f}", r.net_pnl, _signed(float(r.net_pnl)))
            + _cell(f"{r.fees:,.2f}", r.fees)
            + _cell(f"{r.exposure * 100:.1f}%", r.exposure)
            + "</tr>"
        )
    return f'<table class="sortable grid" id="slots"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


TRADE_COLUMNS = (
    "#", "slot", "symbol", "side", "size", "opened", "entry", "closed", "exit", "exit kind",
    "pnl", "fees", "funding", "net", "return", "held",
)  # fmt: skip


def _held(ms: int) -> str:
    hours = ms / 3_600_000
    return f"{hours / 24:.1f}d" if hours >= 48 else f"{hours:.1f}h"


def _trades_table(rows: Sequence[TradeRow]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in TRADE_COLUMNS)
    parts = []
    for n, r in enumerate(rows, 1):
        t = r.trade
        notional = t.entry_price * t.size
        ret = float(t.net / notional) if notional else 0.0
        parts.append(
            "<tr>"
            + _cell(str(n), n)
            + _cell(r.slot)
            + _cell(t.symbol)
            + _cell("long" if t.side.value == "buy" else "short")
            + _cell(f"{t.size:f}", t.size)
            + _cell(_iso(t.opened_ms), t.opened_ms)
            + _cell(f"{t.entry_price:.8g}", t.entry_price)
            + _cell(_iso(t.closed_ms), t.closed_ms)
            + _cell(f"{t.exit_price:.8g}", t.exit_price)
            + _cell(r.exit_kind)
            + _cell(f"{t.pnl:,.2f}", t.pnl, _signed(float(t.pnl)))
            + _cell(f"{t.fees:,.2f}", t.fees)
            + _cell(f"{t.funding:,.2f}", t.funding)
            + _cell(f"{t.net:,.2f}", t.net, _signed(float(t.net)))
            + _cell(f"{ret * 100:.2f}%", ret, _signed(ret))
            + _cell(_held(t.closed_ms - t.opened_ms), t.closed_ms - t.opened_ms)
            + "</tr>"
        )
    return (
        '<div class="trades"><table class="sortable grid" id="trades">'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(parts)}</tbody></table></div>"
    )


def _monthly_table(curve: EquityCurve, initial: float) -> str:
    by_year = monthly_returns(curve.timestamps_ms, curve.equity, initial)
    head = "<th>year</th>" + "".join(f"<th>{m}</th>" for m in MONTHS) + "<th>year</th>"
    body = ""
    for year, months in sorted(by_year.items()):
        cells = "".join(
            _cell(f"{months[m] * 100:.2f}%", months[m], _signed(months[m])) if m in months
            else "<td></td>"
            for m in range(1, 13)
        )  # fmt: skip
        total = yearly(months)
        body += (
            f"<tr><th>{year}</th>{cells}{_cell(f'{total * 100:.2f}%', total, _signed(total))}</tr>"
        )
    return f'<table class="grid" id="monthly"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def script_json(value: object) -> str:
    # Inside <script>: "</" would end the element early.
    return json.dumps(value, separators=(",", ":")).replace("</", "<\\/")


def render(
    title: str,
    summary: Sequence[tuple[str, str]],
    feed: ReplayFeed,
    slots: Sequence[ReportSlot],
    curve: EquityCurve,
    trades: Sequence[ClosedTrade],
    rows: Sequence[TradeRow],
    initial: float,
    start_ms: int,
    end_ms: int,
) -> str:
    slot_by_symbol = {s: slot for slot in slots for s in slot.symbols}
    symbols = list(feed.series)
    data = {"symbols": [symbol_data(feed, s, slot_by_symbol.get(s), rows) for s in symbols]}
    charts = "".join(
        f"<h3>{html.escape(s)} <span class='level' id='level-{i}'></span></h3>"
        f"<div class='chart' id='chart-{i}'></div>"
        for i, s in enumerate(symbols)
    )
    x = curve.timestamps_ms.astype(np.float64)
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>"
        f"<h1>{html.escape(title)}</h1>{_table(summary)}"
        "<h2>Price and trades</h2><p class='level'>Scroll or pinch to zoom, drag to pan: finer "
        "candles appear as you zoom in. Arrows mark each entry (long up, short down) and exit "
        f"(named by its kind); lines are the strategy's indicators.</p>{charts}"
        + chart("Equity", x, curve.equity, "#1f6feb", False, "{:,.0f}")
        + chart("Drawdown", x, -curve.drawdown * 100, "#d1242f", True, "{:.1f}%")
        + "<h2>Slots</h2>"
        + _slots_table(slot_rows(slots, trades, start_ms, end_ms))
        + f"<h2>Trades ({len(rows)})</h2>"
        + _trades_table(rows)
        + "<h2>Monthly returns</h2>"
        + _monthly_table(curve, initial)
        + f"<script type='application/json' id='report-data'>{script_json(data)}</script>"
        + f"<script>{library()}</script><script>{script()}</script>"
        + "</body></html>\n"
    )


def report_page(
    run: BacktestRun, title: str, summary: Sequence[tuple[str, str]], metrics: Metrics,
    curve: EquityCurve, trades: Sequence[ClosedTrade],
) -> str:  # fmt: skip
    """The page of a finished run (what `perps-bot backtest --report-dir` writes)."""
    slots = slots_of(run.config, list(run.feed.series))
    slot_of = {s: slot.label for slot in slots for s in slot.symbols}
    rows = trade_rows(trades, run.broker.exchange.state.fills, run.store.events, slot_of)
    return render(
        title, summary, run.feed, slots, curve, trades, rows,
        float(metrics.initial_equity), metrics.start_ms, metrics.end_ms,
    )  # fmt: skip
