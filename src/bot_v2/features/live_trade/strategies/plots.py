"""What a strategy draws over the price: its `plots()` answers a tuple of these declarations, and
the backtest report draws each over the candles it was computed from.

A declaration is a frozen value naming an indicator the strategy trades on (a moving average, a
band, a channel) with the same window the strategy uses, so the chart shows what the strategy saw.
`lines()` evaluates it over whole price columns at once (numpy), as the strategy's own running
indicator would have answered candle by candle: NaN where that indicator was not yet known.

    def plots(self) -> tuple[Plot, ...]:
        return (sma(self.params.short_window), sma(self.params.long_window))

`plots()` is optional: a strategy without it draws only candles and its trades.

A line on another scale than the price (a z-score) names `pane=1`: the page draws it in a pane
below the candles. `SpreadZ` (pairs) is such a declaration over two symbols: it draws nothing over
one symbol's price (`lines`) and its spread's z-score from both legs' closes (`pair_lines`).
"""

from __future__ import annotations

import attrs
import numpy as np
import numpy.typing as npt

from bot_v2.features.live_trade.indicators import rolling_variance

FloatArray = npt.NDArray[np.float64]


@attrs.frozen
class Line:
    """One drawn series: a name for the legend and a value per candle (NaN: not known yet)."""

    name: str
    values: FloatArray = attrs.field(eq=False)
    # 0: over the price; 1: the pane below it (another scale).
    pane: int = 0


def _window(window: int) -> int:
    if window < 1:
        raise ValueError(f"window must be >= 1, got {window}")
    return window


def _rolling_sum(x: FloatArray, window: int) -> FloatArray:
    """Sum of the last `window` values at each index (NaN until `window` values were seen)."""
    out = np.full(len(x), np.nan)
    if len(x) < window:
        return out
    cum = np.concatenate(([0.0], np.cumsum(x)))
    out[window - 1 :] = cum[window:] - cum[:-window]
    return out


def _rolling_extreme(x: FloatArray, window: int, high: bool) -> FloatArray:
    out = np.full(len(x), np.nan)
    if len(x) < window:
        return out
    view = np.lib.stride_tricks.sliding_window_view(x, window)
    out[window - 1 :] = view.max(axis=1) if high else view.min(axis=1)
    return out


def _shifted(x: FloatArray, by: int) -> FloatArray:
    """x moved `by` candles later: out[i] = x[i - by] (NaN for the first `by`)."""
    out = np.full(len(x), np.nan)
    if by < len(x):
        out[by:] = x[: len(x) - by]
    return out


@attrs.frozen
class Average:
    """Simple (`kind="sma"`) or exponential (`"ema"`, seeded with the first window's mean) moving
    average of the close over `window` candles."""

    window: int = attrs.field(converter=_window)
    kind: str = attrs.field(default="sma", validator=attrs.validators.in_(("sma", "ema")))
    label: str = ""

    def lines(self, high: FloatArray, low: FloatArray, close: FloatArray) -> tuple[Line, ...]:
        name = self.label or f"{self.kind.upper()} {self.window}"
        if self.kind == "sma":
            return (Line(name, _rolling_sum(close, self.window) / self.window),)
        out = np.full(len(close), np.nan)
        if len(close) >= self.window:
            alpha = 2.0 / (self.window + 1)
            value = float(close[: self.window].mean())
            out[self.window - 1] = value
            for i in range(self.window, len(close)):
                value += alpha * (float(close[i]) - value)
                out[i] = value
        return (Line(name, out),)


@attrs.frozen
class Bands:
    """Bollinger bands: the close's `window` mean and that mean +- `width` standard deviations
    (population, as a running variance computes it)."""

    window: int = attrs.field(converter=_window)
    width: float = 2.0
    label: str = ""

    def lines(self, high: FloatArray, low: FloatArray, close: FloatArray) -> tuple[Line, ...]:
        name = self.label or f"BB {self.window} x{self.width:g}"
        mean = _rolling_sum(close, self.window) / self.window
        # Each window's own deviations (two passes), not E[x^2] - E[x]^2 over running sums: that
        # cancels to noise when a window's prices sit far below the squares summed before it.
        std = np.sqrt(rolling_variance(close, self.window))
        return (
            Line(f"{name} upper", mean + self.width * std),
            Line(f"{name} mid", mean),
            Line(f"{name} lower", mean - self.width * std),
        )


@attrs.frozen
class Channel:
    """Donchian channel: the highest high and lowest low of `window` candles; with `prior` (a
    breakout's channel) of the `window` candles before this one, so a close can break it."""

    window: int = attrs.field(converter=_window)
    prior: bool = True
    label: str = ""

    def lines(self, high: FloatArray, low: FloatArray, close: FloatArray) -> tuple[Line, ...]:
        name = self.label or f"Channel {self.window}"
        upper = _rolling_extreme(high, self.window, high=True)
        lower = _rolling_extreme(low, self.window, high=False)
        if self.prior:
            upper, lower = _shifted(upper, 1), _shifted(lower, 1)
        return (Line(f"{name} upper", upper), Line(f"{name} lower", lower))


@attrs.frozen
class ChangeBand:
    """The closes a rate-of-change rule trips at: the close `lookback` candles ago times
    (1 +- `fraction`). A close above the upper line is a rate of change above `fraction`."""

    lookback: int = attrs.field(converter=_window)
    fraction: float = 0.0
    label: str = ""

    def lines(self, high: FloatArray, low: FloatArray, close: FloatArray) -> tuple[Line, ...]:
        name = self.label or f"ROC {self.lookback} {self.fraction:.2%}"
        base = _shifted(close, self.lookback)
        return (
            Line(f"{name} upper", base * (1 + self.fraction)),
            Line(f"{name} lower", base * (1 - self.fraction)),
        )


@attrs.frozen
class KeltnerBands:
    """Keltner channel: the close's EMA over `window` (seeded with the first window's mean) +-
    `width` x the average true range over `atr_window` (the simple mean of each candle's true
    range; the first candle's is its high - low). NaN until both are known."""

    window: int = attrs.field(converter=_window)
    atr_window: int = attrs.field(converter=_window)
    width: float = 1.5
    label: str = ""

    def lines(self, high: FloatArray, low: FloatArray, close: FloatArray) -> tuple[Line, ...]:
        name = self.label or f"KC {self.window}/{self.atr_window} x{self.width:g}"
        (mid,) = Average(self.window, "ema").lines(high, low, close)
        true_range = high - low
        if len(close) > 1:
            previous = close[:-1]
            true_range[1:] = np.maximum.reduce(
                [true_range[1:], np.abs(high[1:] - previous), np.abs(low[1:] - previous)]
            )
        # NaN (not yet known) wherever either the mean or the ATR is.
        spread = self.width * _rolling_sum(true_range, self.atr_window) / self.atr_window
        return (
            Line(f"{name} upper", mid.values + spread),
            Line(f"{name} mid", mid.values + spread * 0.0),
            Line(f"{name} lower", mid.values - spread),
        )


_BLOCK_ROWS = 4096


@attrs.frozen
class SpreadZ:
    """A pair's spread z-score, as the pairs strategy reads it over the last `window` closes of
    both legs [A, B]: the OLS beta of log(A) on log(B), the spread log(A) - beta x log(B), and the
    newest spread's distance from the window's mean in (population) standard deviations; NaN
    where either leg's window is constant. Drawn in the pane below the price with the entry
    (+-`entry_z`) and exit (+-`exit_z`) levels."""

    window: int = attrs.field(converter=_window)
    entry_z: float = 2.0
    exit_z: float = 0.5
    label: str = ""

    def lines(self, high: FloatArray, low: FloatArray, close: FloatArray) -> tuple[Line, ...]:
        return ()  # one leg's candles do not make a spread: see pair_lines

    def pair_lines(self, a: FloatArray, b: FloatArray) -> tuple[Line, ...]:
        """Over the closes of both legs at the same times (a[i] and b[i] one cycle)."""
        name = self.label or f"Spread z {self.window}"
        z = np.full(len(a), np.nan)
        if len(a) >= self.window:
            x_all = np.lib.stride_tricks.sliding_window_view(np.log(a), self.window)
            y_all = np.lib.stride_tricks.sliding_window_view(np.log(b), self.window)
            # Blocks of windows: each window's own two-pass moments (exact, as the strategy's),
            # in bounded memory (a year of minutes x window 168 at once would be ~0.7 GB a copy).
            for start in range(0, len(x_all), _BLOCK_ROWS):
                x, y = x_all[start : start + _BLOCK_ROWS], y_all[start : start + _BLOCK_ROWS]
                y_dev = y - y.mean(axis=1, keepdims=True)
                var = (y_dev * y_dev).sum(axis=1)
                with np.errstate(divide="ignore", invalid="ignore"):
                    beta = ((x - x.mean(axis=1, keepdims=True)) * y_dev).sum(axis=1) / var
                    spread = x - beta[:, None] * y
                    std = spread.std(axis=1)
                    value = (spread[:, -1] - spread.mean(axis=1)) / std
                # As the strategy: no reading when B's window or the spread is constant.
                at = self.window - 1 + start
                z[at : at + len(x)] = np.where((var > 0.0) & (std > 0.0), value, np.nan)
        known = np.where(np.isnan(z), np.nan, 1.0)
        return (
            Line(name, z, pane=1),
            Line(f"entry +{self.entry_z:g}", known * self.entry_z, pane=1),
            Line(f"exit +{self.exit_z:g}", known * self.exit_z, pane=1),
            Line(f"exit -{self.exit_z:g}", known * -self.exit_z, pane=1),
            Line(f"entry -{self.entry_z:g}", known * -self.entry_z, pane=1),
        )


Plot = Average | Bands | Channel | ChangeBand | KeltnerBands | SpreadZ


def sma(window: int, label: str = "") -> Average:
    return Average(window, "sma", label)


def ema(window: int, label: str = "") -> Average:
    return Average(window, "ema", label)


def bands(window: int, width: float = 2.0, label: str = "") -> Bands:
    return Bands(window, float(width), label)


def channel(window: int, prior: bool = True, label: str = "") -> Channel:
    return Channel(window, prior, label)


def change_band(lookback: int, fraction: float, label: str = "") -> ChangeBand:
    return ChangeBand(lookback, float(fraction), label)


def keltner(window: int, atr_window: int, width: float = 1.5, label: str = "") -> KeltnerBands:
    return KeltnerBands(window, atr_window, float(width), label)


def plots_of(strategy: object) -> tuple[Plot, ...]:
    """The strategy's declared plots; none for a strategy without `plots()`."""
    declare = getattr(strategy, "plots", None)
    if not callable(declare):
        return ()
    return tuple(declare())
