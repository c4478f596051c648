"""GET /api/v1/strategies with [[strategies]] slots: each slot with its own results."""

from __future__ import annotations

from pathlib import Path

import httpx

from bot_v2.ports.control import RuntimeSnapshot
from tests.integration.operator_api._served import VIEWER, served

SLOT = {
    "label": "btc-eth",
    "strategy": "pairs",
    "symbols": ["BTC/USDT:USDT", "ETH/USDT:USDT"],
    "allocation": "0.6",
    "trades": 4,
    "wins": 3,
    "net_pnl": "12.5",
    "exposure": "1500",
}


def _get(address: str) -> dict[str, object]:
    answer = httpx.get(
        f"{address}/api/v1/strategies", headers={"Authorization": f"Bearer {VIEWER}"}
    )
    assert answer.status_code == 200
    body: dict[str, object] = answer.json()
    return body


def test_slots_are_listed_with_their_results(tmp_path: Path) -> None:
    with served(tmp_path) as (address, _queue, board):
        board.publish(
            RuntimeSnapshot(strategy="baseline", strategy_params={"leverage": "2"}, slots=(SLOT,))
        )
        body = _get(address)
    assert body == {"strategies": [SLOT], "shared": {"leverage": "2"}}


def test_one_strategy_is_listed_with_its_params(tmp_path: Path) -> None:
    with served(tmp_path) as (address, _queue, board):
        board.publish(RuntimeSnapshot(strategy="momentum", strategy_params={"name": "momentum"}))
        body = _get(address)
    assert body == {"strategies": [{"name": "momentum", "params": {"name": "momentum"}}]}
