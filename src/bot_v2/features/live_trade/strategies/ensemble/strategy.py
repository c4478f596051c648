"""Ensemble: a weighted vote of named per-candle strategies, per symbol.

Each member sees every candle with its own view of the position (what it would hold had it traded
alone: its last OPEN_LONG, OPEN_SHORT or CLOSE), so a member's HOLD keeps its opinion. On each
candle the vote is sum(weight * direction) / sum(weight), direction +1 long, -1 short, 0 flat; the
ensemble's target is long when the vote reaches `threshold`, short at -`threshold`, else flat, and
it answers what moves the real position there (HOLD when it is there already). Warm-up is the
longest member's. Each member runs with its own params table (ensemble/params.py), else its
defaults.
"""

from __future__ import annotations

from decimal import Decimal

from bot_v2.domain.market import Candle
from bot_v2.domain.positions import Position
from bot_v2.domain.signals import Action, Signal
from bot_v2.features.live_trade.strategies.base import Strategy
from bot_v2.features.live_trade.strategies.ensemble.members import MEMBERS
from bot_v2.features.live_trade.strategies.ensemble.params import (
    EnsembleParams,
    member_params,
    names,
    weights,
)
from bot_v2.features.live_trade.strategies.plots import Plot, plots_of

_DIRECTION = {Action.OPEN_LONG: 1, Action.OPEN_SHORT: -1, Action.CLOSE: 0}


class EnsembleStrategy:
    name = "ensemble"
    independent_symbols = True  # each symbol from its own state: fast mode probes it
    params_type = EnsembleParams

    def __init__(self, params: EnsembleParams) -> None:
        self.params = params
        chosen = names(params.members)
        self._members: list[Strategy] = [_member(params, n) for n in chosen]
        self._weights = [float(w) for w in weights(params.weights, len(chosen))]
        self._total = sum(self._weights)
        self._threshold = float(params.threshold)
        # Per symbol, each member's own position: (direction, entry close).
        self._opinions: dict[str, list[tuple[int, Decimal]]] = {}

    def plots(self) -> tuple[Plot, ...]:
        """What the members vote on: each member's declarations, in member order, once each."""
        return tuple(dict.fromkeys(p for m in self._members for p in plots_of(m)))

    def warmup_candles(self) -> int:
        return max(m.warmup_candles() for m in self._members)

    def on_candle(self, candle: Candle, position: Position) -> Signal:
        symbol = candle.symbol
        opinions = self._opinions.setdefault(symbol, [(0, Decimal(0))] * len(self._members))
        vote = 0.0
        for i, member in enumerate(self._members):
            direction, entry = opinions[i]
            own = Position(symbol, Decimal(direction), entry)
            action = member.on_candle(candle, own).action
            if action is not Action.HOLD:
                new = _DIRECTION[action]
                if new != direction:
                    opinions[i] = (new, candle.close if new else Decimal(0))
            vote += self._weights[i] * opinions[i][0]
        share = vote / self._total
        target = 1 if share >= self._threshold else -1 if share <= -self._threshold else 0
        held = 0 if position.is_flat else (1 if position.size > 0 else -1)
        if target == held:
            return Signal(symbol, Action.HOLD)
        why = f"ensemble vote {share:+.2f}"
        if target == 1:
            return Signal(symbol, Action.OPEN_LONG, why)
        if target == -1:
            return Signal(symbol, Action.OPEN_SHORT, why)
        return Signal(symbol, Action.CLOSE, why)


def _member(params: EnsembleParams, name: str) -> Strategy:
    cls = MEMBERS[name]
    given = member_params(params, name)
    member: Strategy = cls(cls.params_type() if given is None else given)  # type: ignore[attr-defined]
    return member
