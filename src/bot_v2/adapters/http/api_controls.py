"""POST /api/v1/control/<action>: the operator's controls. Each is queued for the runtime, which
applies it between two cycles; the answer waits up to `wait_s` for the outcome: 200 applied or
unchanged (controls are idempotent), 409 refused (the detail says why), 202 still queued."""

from __future__ import annotations

import asyncio
import json
import time
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse

from bot_v2.adapters.http.parts import ApiParts
from bot_v2.ports.control import ControlAction, ControlCommand

A = ControlAction
SIMPLE = {
    "pause": A.PAUSE,
    "resume": A.RESUME,
    "reduce_only/on": A.REDUCE_ONLY_ON,
    "reduce_only/off": A.REDUCE_ONLY_OFF,
    "kill": A.KILL,
}
# The longest a request waits for the next cycle; a live bot's cycle may be a minute away.
MAX_WAIT_S = 120.0


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        # Numbers as Decimal, exactly as the config file's loader reads them.
        doc = json.loads(raw, parse_float=Decimal)
    except ValueError:
        raise HTTPException(400, "the body is not JSON") from None
    if not isinstance(doc, dict):
        raise HTTPException(400, "the body must be a JSON object")
    return doc


def _symbol(doc: dict[str, Any]) -> str:
    symbol = doc.get("symbol", "")
    if not isinstance(symbol, str):
        raise HTTPException(400, "symbol: must be a string")
    return symbol


def controls_router(parts: ApiParts, operator: Any) -> APIRouter:
    """`operator` is the dependency that admits the operator role only; it returns the role."""
    router = APIRouter(prefix="/api/v1/control", tags=["control"])

    async def queue(command: ControlCommand, wait_s: float) -> JSONResponse:
        future = parts.controls.submit(command)
        try:
            result = await asyncio.wait_for(asyncio.wrap_future(future), min(wait_s, MAX_WAIT_S))
        except TimeoutError:
            doc = {"action": command.action.value, "status": "queued"}
            return JSONResponse(doc, status_code=202)
        code = 409 if result.status == "refused" else 200
        doc = {"action": result.action.value, "status": result.status, "detail": result.detail}
        return JSONResponse(doc, status_code=code)

    def command(action: ControlAction, role: str, **extra: Any) -> ControlCommand:
        return ControlCommand(action, role, int(time.time() * 1000), **extra)

    wait = Query(0.0, ge=0, le=MAX_WAIT_S, description="seconds to wait for the outcome")

    def switch(action: ControlAction) -> Any:
        async def endpoint(role: str = Depends(operator), wait_s: float = wait) -> Any:
            return await queue(command(action, role), wait_s)

        return endpoint

    for path, action in SIMPLE.items():
        router.add_api_route(
            f"/{path}", switch(action), methods=["POST"], name=f"control_{action.value}"
        )

    @router.post("/flatten")
    async def flatten(request: Request, role: str = Depends(operator), wait_s: float = wait) -> Any:
        """Close one symbol's position (body {"symbol": ...}) or every position (no body), with
        reduce-only market orders through the risk checks and committed intents."""
        symbol = _symbol(await _body(request))
        return await queue(command(A.FLATTEN, role, symbol=symbol), wait_s)

    @router.post("/cancel_orders")
    async def cancel_orders(
        request: Request, role: str = Depends(operator), wait_s: float = wait
    ) -> Any:
        symbol = _symbol(await _body(request))
        return await queue(command(A.CANCEL_ORDERS, role, symbol=symbol), wait_s)

    @router.post("/strategy_params")
    async def strategy_params(
        request: Request, role: str = Depends(operator), wait_s: float = wait
    ) -> Any:
        """Body {"params": {"short_window": 10, ...}}: [strategy]'s keys; with [[strategies]] slots
        {"slot": "btc-vote" or 0, "params": {"lookback": 96}}: that slot's params (its label or
        index as GET /api/v1/strategies lists them). Validated like the config file, applied at
        the next cycle."""
        doc = await _body(request)
        params = doc.get("params")
        if not isinstance(params, dict):
            raise HTTPException(400, "params: must be an object of [strategy] keys")
        slot = doc.get("slot")
        # JSON's true is a Python int: refused as the index it is not.
        if slot is not None and (isinstance(slot, bool) or not isinstance(slot, str | int)):
            raise HTTPException(400, "slot: must be a slot's label or its index")
        return await queue(command(A.STRATEGY_PARAMS, role, params=params, slot=slot), wait_s)

    return router
