"""report.html: one self-contained page, no script and nothing fetched, its charts drawn here as
SVG: the stitched out-of-sample equity, the fold table (in sample against out of sample), how the
chosen parameters move between folds, parameter importance, and every trial against the objective."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np

from bot_v2.orchestration.optimize.runner import Outcome

W, H, PAD = 720, 240, 36
MAX_POINTS = 1500


def render_html(data: Mapping[str, Any], outcome: Outcome) -> str:
    e = html.escape
    folds_rows = "".join(
        "<tr>"
        f"<td>{f['fold']}</td><td>{f['trial']}</td><td>{e(_params(f['params']))}</td>"
        f"<td>{f['in_sample']['sharpe']:.2f}</td><td>{f['out_of_sample']['sharpe']:.2f}</td>"
        f"<td>{f['in_sample']['profit'] * 100:.2f}%</td>"
        f"<td>{f['out_of_sample']['profit'] * 100:.2f}%</td>"
        f"<td>{f['out_of_sample']['max_drawdown'] * 100:.2f}%</td>"
        "</tr>"
        for f in data["folds"]
    )
    drift_rows = "".join(
        f"<tr><td>{e(k)}</td><td>{v:.3f}</td></tr>" for k, v in data["parameter_drift"].items()
    )
    importance = data["parameter_importance"]
    complete = [r for r in outcome.trials if r.state == "complete"]
    oos = data["out_of_sample"]
    best = data["best"][0]
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>perps-bot optimize: {e(data["strategy"])}</title>
<style>
body{{font:14px system-ui,sans-serif;margin:2em;max-width:{W + 40}px;color:#222}}
table{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid #ccc;padding:3px 8px;text-align:right}}
.luck{{color:#b00;font-weight:bold}}.skill{{color:#070;font-weight:bold}}svg{{background:#fafafa}}
</style></head><body>
<h1>{e(data["strategy"])}: {e(", ".join(data["objectives"]))}</h1>
<p>Best trial {best["trial"]}: <code>{e(_params(best["params"]))}</code>
({data["trials"]["complete"]} complete, {data["trials"]["pruned"]} pruned).</p>
<p>Deflated Sharpe ratio of the best trial: <span class="{"skill" if data["verdict"] == "likely skill" else "luck"}">
{data["deflated_sharpe"]:.3f}, {e(data["verdict"])}</span> (the probability that its Sharpe ratio is
above zero once the number of trials tried is accounted for; below 0.95 it is labelled luck).</p>
<h2>Out-of-sample equity (test windows stitched)</h2>
<p>Sharpe {oos["sharpe"]:.2f}, return {oos["profit"] * 100:.2f}%, max drawdown {oos["max_drawdown"] * 100:.2f}%.</p>
{_line_svg(outcome.out_of_sample.timestamps_ms, outcome.out_of_sample.equity)}
<h2>Folds: in sample against out of sample</h2>
<table><tr><th>fold</th><th>trial</th><th>params</th><th>IS sharpe</th><th>OOS sharpe</th>
<th>IS return</th><th>OOS return</th><th>OOS max dd</th></tr>{folds_rows}</table>
<h2>How the chosen parameters move between folds</h2>
<p>Spread of each parameter's chosen values relative to their mean (categorical: share of folds
that differ from the most common choice). Near 0: every fold agrees.</p>
<table><tr><th>parameter</th><th>drift</th></tr>{drift_rows}</table>
<h2>Parameter importance</h2>
{_bars_svg(importance)}
<h2>Trials against the objective</h2>
{_scatter_svg([r.number for r in complete], [r.values[0] for r in complete])}
</body></html>
"""


def _params(params: Mapping[str, object]) -> str:
    return ", ".join(
        f"{k}={v:.6g}" if isinstance(v, float) else f"{k}={v}" for k, v in params.items()
    )


def _scale(values: Sequence[float], lo_px: float, hi_px: float) -> list[float]:
    lo, hi = min(values), max(values)
    span = (hi - lo) or 1.0
    return [lo_px + (v - lo) / span * (hi_px - lo_px) for v in values]


def _line_svg(times: Any, values: Any) -> str:
    if len(values) < 2:
        return "<p>(no out-of-sample equity)</p>"
    step = max(1, len(values) // MAX_POINTS)
    t = np.asarray(times[::step], dtype=float).tolist()
    v = np.asarray(values[::step], dtype=float).tolist()
    xs = _scale(t, PAD, W - PAD)
    ys = _scale(v, H - PAD, PAD)
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
    return (
        f'<svg width="{W}" height="{H}" viewBox="0 0 {W} {H}" role="img">'
        f'<polyline fill="none" stroke="#1565c0" stroke-width="1.5" points="{path}"/>'
        f'<text x="{PAD}" y="{H - 8}">{_day(t[0])}</text>'
        f'<text x="{W - PAD}" y="{H - 8}" text-anchor="end">{_day(t[-1])}</text>'
        f'<text x="4" y="{PAD}">{max(v):,.0f}</text><text x="4" y="{H - PAD}">{min(v):,.0f}</text>'
        "</svg>"
    )


def _bars_svg(values: Mapping[str, float]) -> str:
    if not values:
        return "<p>(too few trials to tell)</p>"
    rows = sorted(values.items(), key=lambda kv: -kv[1])
    height = 24 * len(rows) + 8
    bars = "".join(
        f'<text x="4" y="{24 * i + 20}">{html.escape(k)}</text>'
        f'<rect x="160" y="{24 * i + 6}" width="{max(1.0, v * (W - 220)):.1f}" height="16" fill="#6a1b9a"/>'
        f'<text x="{170 + v * (W - 220):.1f}" y="{24 * i + 20}">{v:.2f}</text>'
        for i, (k, v) in enumerate(rows)
    )
    return f'<svg width="{W}" height="{height}" role="img">{bars}</svg>'


def _scatter_svg(numbers: Sequence[int], values: Sequence[float]) -> str:
    if len(values) < 2:
        return "<p>(too few complete trials)</p>"
    xs = _scale([float(n) for n in numbers], PAD, W - PAD)
    ys = _scale(list(values), H - PAD, PAD)
    dots = "".join(
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#2e7d32"/>'
        for x, y in zip(xs, ys, strict=True)
    )
    return (
        f'<svg width="{W}" height="{H}" role="img">{dots}'
        f'<text x="{W // 2}" y="{H - 6}" text-anchor="middle">trial</text>'
        f'<text x="4" y="{PAD}">{max(values):.3g}</text><text x="4" y="{H - PAD}">{min(values):.3g}</text>'
        "</svg>"
    )


def _day(ms: float) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d")
