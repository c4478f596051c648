"""GET /api/v1/strategies with [[strategies]] slots: each slot with its own results; POST
/api/v1/control/strategy_params hands the runtime the slot it names."""

from __future__ import annotations

from pathlib import Path

import httpx

from bot_v2.ports.control import ControlAction, RuntimeSnapshot
from tests.integration.operator_api._served import OPERATOR, VIEWER, served

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


def _post(address: str, body: object) -> httpx.Response:
    return httpx.post(
        f"{address}/api/v1/control/strategy_params",
        json=body,
        headers={"Authorization": f"Bearer {OPERATOR}"},
        timeout=10,
    )


def test_a_slots_params_reach_the_runtime_with_the_slot(tmp_path: Path) -> None:
    with served(tmp_path) as (address, queue, _):
        by_label = _post(address, {"slot": "btc-vote", "params": {"lookback": 96}})
        by_index = _post(address, {"slot": 1, "params": {"momentum": {"lookback": 12}}})
        plain = _post(address, {"params": {"position_fraction": "0.1"}})
        taken = [command for command, _ in queue.take()]
    # Nothing applied them (no runtime here): each waits queued.
    assert [r.status_code for r in (by_label, by_index, plain)] == [202, 202, 202]
    assert [(c.action, c.slot, dict(c.params)) for c in taken] == [
        (ControlAction.STRATEGY_PARAMS, "btc-vote", {"lookback": 96}),
        (ControlAction.STRATEGY_PARAMS, 1, {"momentum": {"lookback": 12}}),
        (ControlAction.STRATEGY_PARAMS, None, {"position_fraction": "0.1"}),
    ]


def test_a_slot_that_is_neither_a_label_nor_an_index_is_refused_with_400(tmp_path: Path) -> None:
    with served(tmp_path) as (address, queue, _):
        answers = [
            _post(address, {"slot": slot, "params": {"lookback": 3}})
            for slot in (True, 1.5, ["a"], {"label": "a"})
        ]
        assert queue.take() == []
    for answer in answers:
        assert answer.status_code == 400
        assert answer.json()["detail"] == "slot: must be a slot's label or its index"
