"""GET /api/v1/<name>: what the operator reads. Each answer comes from the snapshot the runtime
published after its last cycle, the health document, or the state database read-only; none calls
into the trading loop.

They are `async def`, run on the server's own loop, not on a worker thread: each is a bounded read
of a millisecond or so, and while a cycle runs every hop between threads waits for the
interpreter lock (up to its 5 ms switch interval), which at 1000 symbols was most of a read's
latency (scripts/bench_console.py)."""

from __future__ import annotations

from collections import deque
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

import attrs
from fastapi import APIRouter, Depends, Query

from bot_v2.adapters.http.parts import ApiParts
from bot_v2.adapters.http.positions_view import RowsMemo
from bot_v2.ports.control import RuntimeSnapshot
from bot_v2.ports.status import IStatusSource

RECONCILIATION_KINDS = ("reconciliation", "external_position", "unresolved_order")
LOG_TAIL_BYTES = 262_144


def _iso(ms: int) -> str | None:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat() if ms else None


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def status_doc(snapshot: RuntimeSnapshot, status: IStatusSource) -> dict[str, Any]:
    healthy, health = status.health()
    flags = attrs.asdict(snapshot.flags)
    return {
        "state": health.get("state", snapshot.state),
        "healthy": healthy,
        "cycle": snapshot.cycle,
        "clock": _iso(snapshot.clock_ms),
        "equity": _text(snapshot.equity),
        "cash": _text(snapshot.cash),
        "day_pnl": _text(snapshot.day_pnl),
        "flags": {name: bool(reason) for name, reason in flags.items()},
        "reasons": {name: reason for name, reason in flags.items() if reason},
        "open_positions": len(snapshot.positions),
        "open_orders": health.get("open_orders", 0),
    }


def reads_router(parts: ApiParts, status: IStatusSource, reader: Any) -> APIRouter:
    """`reader` is the dependency that lets a viewer (or anyone, without tokens) in."""
    router = APIRouter(prefix="/api/v1", dependencies=[Depends(reader)], tags=["read"])
    store = parts.store
    positions_memo = RowsMemo()

    @router.get("/status")
    async def status_() -> dict[str, Any]:
        return status_doc(parts.view.snapshot(), status)

    @router.get("/positions")
    async def positions() -> dict[str, Any]:
        snapshot = parts.view.snapshot()
        return {"positions": positions_memo.rows(snapshot, store, parts.maintenance_margin_rate)}

    @router.get("/orders")
    async def orders(
        all: bool = False, offset: int = Query(0, ge=0), limit: int = Query(100, ge=1, le=1000)
    ) -> dict[str, Any]:
        return {"orders": store.orders(not all, offset, limit), "offset": offset}

    @router.get("/fills")
    async def fills(
        offset: int = Query(0, ge=0), limit: int = Query(100, ge=1, le=1000)
    ) -> dict[str, Any]:
        return {"fills": store.fills(offset, limit), "offset": offset}

    @router.get("/equity")
    async def equity(
        since_ms: int = Query(0, ge=0), max_points: int = Query(500, ge=1, le=1000)
    ) -> dict[str, Any]:
        points, peak = [], None
        for at_ms, text in store.equity(since_ms, max_points):
            value = Decimal(text)
            peak = value if peak is None or value > peak else peak
            drawdown = (peak - value) / peak if peak > 0 else Decimal(0)
            points.append({"t": at_ms, "equity": text, "drawdown": f"{drawdown:.6f}"})
        return {"points": points}

    @router.get("/pnl/daily")
    async def pnl_daily(days: int = Query(30, ge=1, le=1000)) -> dict[str, Any]:
        closes = store.day_closes(days)
        start = store.meta("initial_balance")
        rows = []
        before = Decimal(start) if start is not None and len(closes) <= days else None
        for index, (day, text) in enumerate(closes):
            close = Decimal(text)
            if index > 0 or before is not None:
                previous = Decimal(closes[index - 1][1]) if index > 0 else before
                assert previous is not None
                date = datetime.fromtimestamp(day * 86_400, UTC).date().isoformat()
                rows.append({"day": date, "pnl": str(close - previous), "close": text})
        return {"days": rows[-days:]}

    @router.get("/risk")
    async def risk() -> dict[str, Any]:
        snapshot = parts.view.snapshot()
        _, health = status.health()
        return {
            "flags": attrs.asdict(snapshot.flags),
            "figures": dict(snapshot.risk),
            "day_pnl": _text(snapshot.day_pnl),
            "stale_symbols": health.get("stale_symbols", {}),
            "daily_loss": health.get("daily_loss", ""),
        }

    @router.get("/events")
    async def events(
        kind: Annotated[list[str] | None, Query()] = None,
        offset: int = Query(0, ge=0),
        limit: int = Query(100, ge=1, le=1000),
    ) -> dict[str, Any]:
        return {"events": store.events(tuple(kind or ()), offset, limit), "offset": offset}

    @router.get("/reconciliation")
    async def reconciliation(
        offset: int = Query(0, ge=0), limit: int = Query(50, ge=1, le=1000)
    ) -> dict[str, Any]:
        _, health = status.health()
        return {
            "last": health.get("reconciliation"),
            "unresolved_orders": health.get("unresolved_orders", []),
            "reports": store.events(RECONCILIATION_KINDS, offset, limit),
        }

    @router.get("/strategies")
    async def strategies() -> dict[str, Any]:
        snapshot = parts.view.snapshot()
        if snapshot.slots:
            # [[strategies]]: each slot with its own results; [strategy] keeps the shared keys.
            return {
                "strategies": [dict(slot) for slot in snapshot.slots],
                "shared": dict(snapshot.strategy_params),
            }
        return {
            "strategies": [{"name": snapshot.strategy, "params": dict(snapshot.strategy_params)}]
        }

    @router.get("/config")
    async def config() -> dict[str, Any]:
        return parts.effective_config()

    @router.get("/logs")
    async def logs(lines: int = Query(200, ge=1, le=5000)) -> dict[str, Any]:
        path = parts.log_file
        if path is None or not path.exists():
            return {"lines": [], "file": None}
        with path.open("rb") as handle:
            handle.seek(max(0, path.stat().st_size - LOG_TAIL_BYTES))
            tail = deque(handle.read().decode("utf-8", "replace").splitlines(), maxlen=lines)
        return {"lines": list(tail), "file": path.name}

    return router
