"""Funding carry: stand against a crowd that pays too much to hold its side.

Per symbol, on each closed candle, with `mean` the mean of the last `funding_window` funding rates
the view holds (the rates in force at its decision times, never one settled after) and `sma` the
simple moving average of the last `trend_window` closes:
- flat: mean >= upper opens a short (longs pay shorts that rate each settlement), unless the close
  is more than trend_band above the SMA (do not stand in front of a strong uptrend); mean <= lower
  opens a long, unless the close is more than trend_band below the SMA;
- short: close when mean <= exit_upper (funding normalised: the carry is gone);
- long: close when mean >= exit_lower.
No entry before `trend_window` closes and `funding_window` rates are held; an exit needs the rates
only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot_v2.domain.orders import Side
from bot_v2.domain.positions import Position
from bot_v2.domain.signals import Action, Signal
from bot_v2.features.live_trade.strategies.funding_carry.params import FundingCarryParams
from bot_v2.features.live_trade.strategies.plots import Plot, sma
from bot_v2.features.live_trade.strategies.portfolio.view import HistoryView


def decision(
    params: FundingCarryParams, mean: float, close: float, sma: float, held: Side | None
) -> Action:
    """The rule on one symbol's numbers (pure, so it is tested on its own)."""
    if held is Side.SELL:
        return Action.CLOSE if mean <= float(params.exit_upper) else Action.HOLD
    if held is Side.BUY:
        return Action.CLOSE if mean >= float(params.exit_lower) else Action.HOLD
    band = float(params.trend_band)
    if mean >= float(params.upper) and params.allow_shorts and close <= sma * (1.0 + band):
        return Action.OPEN_SHORT
    if mean <= float(params.lower) and close >= sma * (1.0 - band):
        return Action.OPEN_LONG
    return Action.HOLD


class FundingCarryStrategy:
    name = "funding_carry"
    params_type = FundingCarryParams

    def __init__(self, params: FundingCarryParams) -> None:
        self.params = params
        # (mean funding, SMA) of the last decision per symbol, for reports and plots.
        self.last: dict[str, tuple[float, float]] = {}

    def warmup_candles(self) -> int:
        return self.params.trend_window

    def funding_samples(self) -> int:
        return self.params.funding_window

    def plots(self) -> tuple[Plot, ...]:
        """The trend filter's SMA (the funding itself is not a price line)."""
        return (sma(self.params.trend_window, label=f"trend SMA {self.params.trend_window}"),)

    def decide(self, view: HistoryView, positions: Mapping[str, Position]) -> Sequence[Signal]:
        out = []
        n, k = self.params.trend_window, self.params.funding_window
        for symbol in view.fresh:
            position = positions.get(symbol) or Position(symbol)
            # An exit needs only the funding; an entry the trend's closes too.
            if view.funding_count(symbol) < k or (position.is_flat and view.count(symbol) < n):
                continue
            rates = view.funding_rates(symbol, k)
            closes = view.closes(symbol, n)
            mean = sum(rates) / len(rates)
            sma = sum(closes) / len(closes)
            self.last[symbol] = (mean, sma)
            action = decision(self.params, mean, closes[-1], sma, position.side)
            if action is not Action.HOLD:
                why = f"funding_carry: mean funding {mean * 1e4:.2f}bp, close/sma {closes[-1] / sma:.3f}"
                out.append(Signal(symbol, action, why))
        return out
