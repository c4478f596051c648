"""ProtectionService stores a pass's exit states in one write, and only the ones that changed:
an exit state equal in value but written differently (100.0 against 100.00) is a change, so the
stored document reads exactly as if every state had been stored."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from decimal import Decimal

import attrs

from bot_v2.domain.market import Candle
from bot_v2.domain.positions import Position
from bot_v2.features.live_trade.exits.values import ExitPlan, ExitState
from bot_v2.features.live_trade.protection import ProtectionService
from bot_v2.features.live_trade.protection.keeper import META_KEY, decode
from bot_v2.orchestration.backtest.memory_store import MemoryStateStore
from tests.unit.protection._support import BTC, ETH, MARKETS, NOW, SETTINGS, long


@attrs.define
class Planner:
    """Each pass moves the best price to the next of `bests` (no stop: nothing is placed)."""

    bests: list[str]

    def observe(self, candles: Sequence[Candle]) -> None:
        pass

    def open(self, position: Position, now_ms: int) -> ExitState:
        assert position.side is not None
        return ExitState(position.symbol, position.side, position.entry_price, now_ms, Decimal(0))

    def plan(
        self, position: Position, state: ExitState, mark: Decimal, now_ms: int
    ) -> tuple[ExitState, ExitPlan]:
        best = Decimal(self.bests[0])
        return attrs.evolve(state, best_price=best), ExitPlan(stop_price=None)


class CountingStore(MemoryStateStore):
    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    def set_meta(self, key: str, value: str) -> None:
        self.writes += key == META_KEY
        super().set_meta(key, value)


def test_a_pass_writes_its_changed_exit_states_once_each_as_written() -> None:
    store = CountingStore()
    planner = Planner(["100.0"])
    service = ProtectionService(None, store, MARKETS, SETTINGS, planner=planner)  # type: ignore[arg-type]
    positions = {BTC: long(), ETH: long(symbol=ETH)}

    def run(*bests: str) -> list[str]:
        planner.bests = list(bests)
        asyncio.run(service.run(NOW, positions, {}))
        text = store.get_meta(META_KEY)
        assert text is not None
        held = decode(text).held
        assert held == service.keeper.held
        return [str(h.exit_state.best_price) for h in held.values() if h.exit_state]

    assert run("100.0") == ["100.0", "100.0"] and store.writes == 1  # both symbols, one write
    assert run("100.0") == ["100.0", "100.0"] and store.writes == 1  # nothing changed
    assert run("100.00") == ["100.00", "100.00"] and store.writes == 2  # same value, other text
    assert str(service.keeper.held[BTC].exit_state.best_price) == "100.00"  # type: ignore[union-attr]
