"""GET /api/v1/positions over a real SQLite store: the protective orders protection holds for a
position (stored by its own keeper, published as the runtime's desk does) and the liquidation
estimate of the portfolio protections."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path

import attrs
import httpx

from bot_v2.adapters.storage.sqlite.store import SqliteStateStore
from bot_v2.domain.orders import Side
from bot_v2.features.live_trade.exits.values import ExitKind
from bot_v2.features.live_trade.protection.keeper import ProtectionKeeper
from bot_v2.features.live_trade.protection.values import Held, ProtectiveRecord, RecordStatus
from bot_v2.features.live_trade.risk.liquidation import liquidation_distance
from bot_v2.orchestration.runtime.protective_views import ProtectiveViews
from bot_v2.ports.control import PositionView, RuntimeSnapshot
from tests.integration.operator_api._served import VIEWER, served

BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"


def _held() -> Held:
    stop = ProtectiveRecord(
        "pb-stop-1", BTC, ExitKind.STOP_LOSS, None, Side.SELL, Decimal("0.5"),
        Decimal(38000), 1_704_067_200_000, RecordStatus.PLACED,
    )  # fmt: skip
    take = ProtectiveRecord(
        "pb-tp-1", BTC, ExitKind.TAKE_PROFIT, 0, Side.SELL, Decimal("0.25"),
        Decimal(44000), 1_704_067_200_000, RecordStatus.PENDING,
    )  # fmt: skip
    return Held(BTC, None, (stop, take))


def _snapshot(protection: Mapping[str, Held] | None) -> RuntimeSnapshot:
    views = ProtectiveViews()

    def view(symbol: str, size: int | str, entry: int, mark: int, upnl: int) -> PositionView:
        held = None if protection is None else views.of(symbol, protection.get(symbol))
        return PositionView(
            symbol, Decimal(size), Decimal(entry), Decimal(mark), Decimal(upnl), held
        )

    return RuntimeSnapshot(
        state="running",
        cycle=3,
        equity=Decimal(10000),
        positions=(view(BTC, "0.5", 40000, 41000, 500), view(ETH, -2, 2000, 1900, 200)),
    )


def test_positions_carry_their_protective_orders_and_the_liquidation_estimate(
    tmp_path: Path,
) -> None:
    def stored(store: SqliteStateStore) -> None:
        ProtectionKeeper(store).put(_held(), sequence=2)
        # What ProtectionService.held hands the desk: the keeper's table, read back.
        board_input.update(ProtectionKeeper(store).held)

    board_input: dict[str, Held] = {}
    with served(tmp_path, prepare=stored) as (address, _queue, board):
        board.publish(_snapshot(board_input))
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


def test_a_snapshot_without_protection_shows_unknown_and_keeps_the_rest(tmp_path: Path) -> None:
    with served(tmp_path) as (address, _queue, board):
        board.publish(_snapshot(None))
        answer = httpx.get(
            f"{address}/api/v1/positions", headers={"Authorization": f"Bearer {VIEWER}"}
        )
    assert answer.status_code == 200
    rows = answer.json()["positions"]
    assert all(row["protective_orders"] is None for row in rows)
    # The liquidation estimate does not depend on protection.
    assert all(row["liquidation_price"] is not None for row in rows)


def test_views_are_rebuilt_only_when_the_records_change() -> None:
    views = ProtectiveViews()
    held = _held()
    first = views.of(BTC, held)
    assert views.of(BTC, held) is first
    # A change beside the records (its exit state, its failures) keeps the records and views.
    assert views.of(BTC, attrs.evolve(held, failures=1)) is first
    moved = Held(BTC, None, (attrs.evolve(held.records[0], status=RecordStatus.CANCELLING),))
    again = views.of(BTC, moved)
    assert [v.status for v in again] == ["cancelling"] and again is not first
    assert views.of(BTC, None) == ()


def test_a_new_snapshot_gets_new_rows(tmp_path: Path) -> None:
    """The rows are kept per snapshot: the next published one is never answered with the last's."""
    auth = {"Authorization": f"Bearer {VIEWER}"}
    with served(tmp_path) as (address, _queue, board):
        first = _snapshot(None)
        board.publish(first)
        before = [httpx.get(f"{address}/api/v1/positions", headers=auth).json() for _ in "ab"]
        board.publish(attrs.evolve(first, cycle=4, positions=first.positions[:1]))
        after = httpx.get(f"{address}/api/v1/positions", headers=auth).json()
    assert before[0] == before[1]
    assert [row["symbol"] for row in before[0]["positions"]] == [BTC, ETH]
    assert [row["symbol"] for row in after["positions"]] == [BTC]
