"""GET /api/v1/stream: server-sent events for the console. One `status` event whenever the runtime
published a new snapshot (checked every half second), so an open page is pushed each cycle's state
instead of reloading; a comment line keeps a quiet connection alive."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse

from bot_v2.adapters.http.api_reads import status_doc
from bot_v2.adapters.http.parts import ApiParts
from bot_v2.ports.status import IStatusSource

POLL_S = 0.5
KEEP_ALIVE_S = 15.0


def stream_router(parts: ApiParts, status: IStatusSource, reader: Any) -> APIRouter:
    router = APIRouter(prefix="/api/v1", dependencies=[Depends(reader)], tags=["read"])

    async def events() -> AsyncIterator[str]:
        shown = None
        quiet = 0.0
        while True:
            snapshot = parts.view.snapshot()
            if snapshot is not shown:
                shown, quiet = snapshot, 0.0
                yield f"event: status\ndata: {json.dumps(status_doc(snapshot, status))}\n\n"
            elif quiet >= KEEP_ALIVE_S:
                quiet = 0.0
                yield ": still here\n\n"
            await asyncio.sleep(POLL_S)
            quiet += POLL_S

    @router.get("/stream")
    def stream() -> StreamingResponse:
        headers = {"Cache-Control": "no-store"}
        return StreamingResponse(events(), media_type="text/event-stream", headers=headers)

    return router
