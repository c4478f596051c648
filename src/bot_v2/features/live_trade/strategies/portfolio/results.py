"""Each slot's results, apart: trades, wins and net PnL of its closed trades, and its exposure.
No symbol is in two slots, so a symbol's trades and positions are its slot's alone."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

import attrs

from bot_v2.domain.money import ZERO
from bot_v2.domain.positions import Position
from bot_v2.features.live_trade.accounting import ClosedTrade


@attrs.frozen
class SlotSpec:
    label: str
    strategy: str
    symbols: tuple[str, ...]
    allocation: Decimal


@attrs.frozen
class SlotResult:
    spec: SlotSpec
    trades: int = 0
    wins: int = 0
    # Closed trades' net: price PnL - fees + funding.
    net_pnl: Decimal = ZERO
    # The slot's open positions at the marks (live), or the share of the run's cycles it held any
    # position (a backtest, 0..1).
    exposure: Decimal = ZERO

    def document(self) -> dict[str, object]:
        """As /health, the operator API and summary.json show it."""
        spec = self.spec
        return {
            "label": spec.label,
            "strategy": spec.strategy,
            "symbols": list(spec.symbols),
            "allocation": str(spec.allocation),
            "trades": self.trades,
            "wins": self.wins,
            "net_pnl": str(self.net_pnl),
            "exposure": str(self.exposure),
        }


class SlotTally:
    """Closed-trade figures per slot, moved over the ledger's append-only closed trades as they
    grow, so a cycle costs only its new trades."""

    def __init__(self, specs: Sequence[SlotSpec]) -> None:
        self.specs = tuple(specs)
        self._slot_of = {symbol: i for i, s in enumerate(self.specs) for symbol in s.symbols}
        self._trades = [0] * len(self.specs)
        self._wins = [0] * len(self.specs)
        self._net = [ZERO] * len(self.specs)
        self._seen = 0

    def update(self, trades: Sequence[ClosedTrade]) -> None:
        for trade in trades[self._seen :]:
            i = self._slot_of.get(trade.symbol)
            if i is None:
                continue
            net = trade.net
            self._trades[i] += 1
            self._wins[i] += 1 if net > 0 else 0
            self._net[i] += net
        self._seen = len(trades)

    def results(
        self, positions: Mapping[str, Position], marks: Mapping[str, Decimal]
    ) -> tuple[SlotResult, ...]:
        """With each slot's exposure: the notional of its open positions at the marks."""
        out = []
        for i, spec in enumerate(self.specs):
            notional = ZERO
            for symbol in spec.symbols:
                position = positions.get(symbol)
                mark = marks.get(symbol)
                if position is not None and mark is not None:
                    notional += position.notional(mark)
            out.append(SlotResult(spec, self._trades[i], self._wins[i], self._net[i], notional))
        return tuple(out)
