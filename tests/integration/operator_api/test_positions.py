"""GET /api/v1/positions over a real SQLite store: the protective orders protection stored for a
position (written by its own keeper) and the liquidation estimate of the portfolio protections."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import httpx

from bot_v2.adapters.storage.sqlite.store import SqliteStateStore
from bot_v2.domain.orders import Side
from bot_v2.features.live_trade.exits.values import ExitKind
from bot_v2.features.live_trade.protection.keeper import ProtectionKeeper
from bot_v2.features.live_trade.protection.values import Held, ProtectiveRecord, RecordStatus
from bot_v2.features.live_trade.risk.liquidation import liquidation_distance
from bot_v2.ports.control import PositionView, RuntimeSnapshot
from tests.integration.operator_api._served import VIEWER, served

BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"


def _records(store: SqliteStateStore) -> None:
    stop = ProtectiveRecord(
        "pb-stop-1", BTC, ExitKind.STOP_LOSS, None, Side.SELL, Decimal("0.5"),
        Decimal(38000), 1_704_067_200_000, RecordStatus.PLACED,
    )  # fmt: skip
    take = ProtectiveRecord(
        "pb-tp-1", BTC, ExitKind.TAKE_PROFIT, 0, Side.SELL, Decimal("0.25"),
        Decimal(44000), 1_704_067_200_000, RecordStatus.PENDING,
    )  # fmt: skip
    ProtectionKeeper(store).put(Held(BTC, None, (stop, take)), sequence=2)


def _snapshot() -> RuntimeSnapshot:
    return RuntimeSnapshot(
        state="running",
        cycle=3,
        equity=Decimal(10000),
        positions=(
            PositionView(BTC, Decimal("0.5"), Decimal(40000), Decimal(41000), Decimal(500)),
            PositionView(ETH, Decimal(-2), Decimal(2000), Decimal(1900), Decimal(200)),
        ),
    )


def test_positions_carry_their_protective_orders_and_the_liquidation_estimate(
    tmp_path: Path,
) -> None:
    with served(tmp_path, prepare=_records) as (address, _queue, board):
        board.publish(_snapshot())
        answer = httpx.get(
            f"{address}/api/v1/positions", headers={"Authorization": f"Bearer {VIEWER}"}
        )
    assert answer.status_code == 200
    rows = {row["symbol"]: row for row in answer.json()["positions"]}

    assert rows[BTC]["protective_orders"] == [
        {
            "client_order_id": "pb-stop-1",
            "role": "stop",
            "rung": None,
            "kind": "stop_loss",
            "side": "sell",
            "trigger_price": "38000",
            "size": "0.5",
            "status": "placed",
        },
        {
            "client_order_id": "pb-tp-1",
            "role": "take_profit",
            "rung": 0,
            "kind": "take_profit",
            "side": "sell",
            "trigger_price": "44000",
            "size": "0.25",
            "status": "pending",
        },
    ]
    # Nothing stored for ETH: an empty list (known unprotected), not null (unknown).
    assert rows[ETH]["protective_orders"] == []

    # The guard's own figure: 10000 / (0.5 * 41000 + 2 * 1900) - 0.005 (the default rate).
    distance = liquidation_distance(Decimal(10000), Decimal(24300), Decimal("0.005"))
    assert distance is not None
    assert Decimal(rows[BTC]["liquidation_distance"]) == distance
    assert Decimal(rows[ETH]["liquidation_distance"]) == distance
    # Against the long is down from its mark, against the short is up.
    assert Decimal(rows[BTC]["liquidation_price"]) == Decimal(41000) * (1 - distance)
    assert Decimal(rows[ETH]["liquidation_price"]) == Decimal(1900) * (1 + distance)


def test_an_unreadable_protection_document_shows_unknown_and_keeps_the_rest(tmp_path: Path) -> None:
    def broken(store: SqliteStateStore) -> None:
        store.set_meta("protection", "{not json")

    with served(tmp_path, prepare=broken) as (address, _queue, board):
        board.publish(_snapshot())
        answer = httpx.get(
            f"{address}/api/v1/positions", headers={"Authorization": f"Bearer {VIEWER}"}
        )
    assert answer.status_code == 200
    rows = answer.json()["positions"]
    assert all(row["protective_orders"] is None for row in rows)
    # The liquidation estimate does not depend on protection's document.
    assert all(row["liquidation_price"] is not None for row in rows)
