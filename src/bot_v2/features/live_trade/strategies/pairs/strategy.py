"""Pairs: statistical arbitrage between two symbols of one slot (symbols = [A, B]).

On each cycle time at which both legs have a closed candle, over the last `window` closes:
- the hedge ratio is the OLS beta of log(A) on log(B); the spread is log(A) - beta * log(B);
- z is the newest spread's distance from the window's mean spread, in standard deviations.
Rules:
- flat on both legs: z >= entry_z sells A and buys B (the spread is rich); z <= -entry_z buys A and
  sells B; never with beta <= 0 (the two do not move together);
- holding the spread: close both legs when z is back inside exit_z on the way to the mean (or when
  |z| passes stop_z, if set);
- one leg held without the other (an order refused, a leg stopped out): close what is held, so the
  legs are opened and closed together.
The legs are sized by the hedge ratio: B's notional is beta times A's (the larger leg at the size a
one-symbol entry would have on the slot's share of equity), so the pair is neutral to a common move.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

import numpy as np

from bot_v2.domain.orders import Side
from bot_v2.domain.positions import Position
from bot_v2.domain.signals import Action, Signal
from bot_v2.features.live_trade.strategies.pairs.params import PairsParams
from bot_v2.features.live_trade.strategies.plots import Plot, SpreadZ
from bot_v2.features.live_trade.strategies.portfolio.base import Leg
from bot_v2.features.live_trade.strategies.portfolio.view import HistoryView


def spread_z(a: Sequence[float], b: Sequence[float]) -> tuple[float, float] | None:
    """(beta, z) of log(a) on log(b) over the given closes; None when either is constant."""
    x, y = np.log(np.asarray(a)), np.log(np.asarray(b))
    y_dev = y - y.mean()
    var = float(np.dot(y_dev, y_dev))
    if var <= 0.0:
        return None
    beta = float(np.dot(x - x.mean(), y_dev)) / var
    spread = x - beta * y
    std = float(spread.std())
    if std <= 0.0:
        return None
    return beta, (float(spread[-1]) - float(spread.mean())) / std


def hedge_weights(beta: float) -> tuple[Decimal, Decimal]:
    """Each leg's share of the slot's usual size: B's notional is beta times A's (a move of log B
    moves log A by beta, so these notionals offset), the larger leg at the full size."""
    top = max(1.0, beta)
    return _weight(1.0 / top), _weight(beta / top)


def _weight(value: float) -> Decimal:
    # Six places: a float's noise must not make two runs size differently.
    return Decimal(repr(round(value, 6)))


class PairsStrategy:
    name = "pairs"
    params_type = PairsParams
    # A slot running pairs names exactly two symbols (config checks it).
    symbol_count = 2

    def __init__(self, params: PairsParams) -> None:
        self.params = params
        self._entry = float(params.entry_z)
        self._exit = float(params.exit_z)
        self._stop = float(params.stop_z)
        self.last: tuple[float, float] | None = None  # (beta, z) of the last decision, for reports

    def plots(self) -> tuple[Plot, ...]:
        """The spread's z-score the legs open at (+-entry_z) and close inside (+-exit_z)."""
        return (SpreadZ(self.params.window, self._entry, self._exit),)

    def warmup_candles(self) -> int:
        return self.params.window

    def decide(
        self, view: HistoryView, positions: Mapping[str, Position]
    ) -> Sequence[Signal | Leg]:
        if len(view.symbols) != 2 or len(view.fresh) != 2:
            return ()  # both legs decide together, at a time both have a closed candle
        a, b = view.symbols
        pa = positions.get(a) or Position(a)
        pb = positions.get(b) or Position(b)
        if pa.is_flat != pb.is_flat or (pa.side is not None and pa.side is pb.side):
            return _close_held((pa, pb), "pairs: broken pair")
        n = self.params.window
        if min(view.count(a), view.count(b)) < n:
            return ()
        found = spread_z(view.closes(a, n), view.closes(b, n))
        self.last = found
        if found is None:
            return ()
        beta, z = found
        if pa.is_flat:
            if beta <= 0.0:
                return ()
            wa, wb = hedge_weights(beta)
            if z >= self._entry:
                why = f"pairs: spread rich z={z:.2f} beta={beta:.2f}"
                return (
                    Leg(Signal(a, Action.OPEN_SHORT, why), wa),
                    Leg(Signal(b, Action.OPEN_LONG, why), wb),
                )
            if z <= -self._entry:
                why = f"pairs: spread cheap z={z:.2f} beta={beta:.2f}"
                return (
                    Leg(Signal(a, Action.OPEN_LONG, why), wa),
                    Leg(Signal(b, Action.OPEN_SHORT, why), wb),
                )
            return ()
        long_spread = pa.side is Side.BUY
        back = z >= -self._exit if long_spread else z <= self._exit
        if back:
            return _close_held((pa, pb), f"pairs: spread back z={z:.2f}")
        if self._stop and abs(z) >= self._stop:
            return _close_held((pa, pb), f"pairs: spread stop z={z:.2f}")
        return ()


def _close_held(positions: Sequence[Position], why: str) -> tuple[Signal, ...]:
    return tuple(Signal(p.symbol, Action.CLOSE, why) for p in positions if not p.is_flat)
