"""report.html's equity curve and drawdown as inline SVG: drawn by the page itself, so they show
even where scripts are off (the page is page/render.py)."""

from __future__ import annotations

import html
import itertools
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt

WIDTH = 960
HEIGHT = 260
PAD = 48
# Charts keep at most this many columns; each keeps its bucket's low and high, so spikes survive.
BUCKETS = 1200


def _when(ts_ms: float) -> str:
    return datetime.fromtimestamp(ts_ms / 1000, UTC).strftime("%Y-%m-%d")


def _envelope(
    x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]
) -> tuple[list[float], list[float]]:
    """Down-sample to BUCKETS columns, keeping each column's min and max in time order."""
    n = len(x)
    if n <= 2 * BUCKETS:
        return x.tolist(), y.tolist()
    edges = np.linspace(0, n, BUCKETS + 1).astype(int)
    xs: list[float] = []
    ys: list[float] = []
    for lo, hi in itertools.pairwise(edges.tolist()):
        if hi <= lo:
            continue
        seg = y[lo:hi]
        a, b = int(np.argmin(seg)), int(np.argmax(seg))
        for i in sorted({a, b}):
            xs.append(float(x[lo + i]))
            ys.append(float(seg[i]))
    return xs, ys


def chart(
    title: str,
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    color: str,
    fill: bool,
    label: str,
) -> str:
    if len(x) == 0:
        return f"<h2>{html.escape(title)}</h2><p>no data</p>"
    xs, ys = _envelope(x, y)
    x0, x1 = min(xs), max(xs)
    y0, y1 = min(ys), max(ys)
    if y1 == y0:
        y0, y1 = y0 - 1, y1 + 1
    if x1 == x0:
        x1 = x0 + 1
    w, h = WIDTH - 2 * PAD, HEIGHT - 2 * PAD

    def px(v: float) -> float:
        return PAD + (v - x0) / (x1 - x0) * w

    def py(v: float) -> float:
        return PAD + (1 - (v - y0) / (y1 - y0)) * h

    points = " ".join(f"{px(a):.1f},{py(b):.1f}" for a, b in zip(xs, ys, strict=True))
    shape = (
        f'<polygon points="{px(xs[0]):.1f},{py(y1):.1f} {points} {px(xs[-1]):.1f},{py(y1):.1f}" '
        f'fill="{color}" fill-opacity="0.35" stroke="{color}" stroke-width="1"/>'
        if fill
        else f'<polyline points="{points}" fill="none" stroke="{color}" stroke-width="1.5"/>'
    )
    ticks = []
    for k in range(5):
        value = y0 + (y1 - y0) * k / 4
        ticks.append(
            f'<text x="{PAD - 6}" y="{py(value) + 4:.1f}" text-anchor="end">{label.format(value)}'
            f'</text><line x1="{PAD}" x2="{WIDTH - PAD}" y1="{py(value):.1f}" '
            f'y2="{py(value):.1f}" stroke="#ddd"/>'
        )
    for k in range(5):
        t = x0 + (x1 - x0) * k / 4
        ticks.append(
            f'<text x="{px(t):.1f}" y="{HEIGHT - PAD + 18}" text-anchor="middle">{_when(t)}</text>'
        )
    return (
        f"<h2>{html.escape(title)}</h2>"
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="11">'
        f"{''.join(ticks)}{shape}</svg>"
    )
