"""The operator API as one FastAPI app: /health and /metrics for probes (unauthenticated, where they
always were), and, with ApiParts, /api/v1 (reads, controls, login) with its OpenAPI document at
/api/v1/openapi.json. FastAPI because it generates and serves that document from the routes.

Errors never echo what was sent: a validation error names the field, not the value (a token sent
in the wrong shape must not come back in a response or a log)."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response

from bot_v2.adapters.http.api_controls import controls_router
from bot_v2.adapters.http.api_reads import reads_router
from bot_v2.adapters.http.auth import COOKIE, OPERATOR
from bot_v2.adapters.http.parts import ApiParts
from bot_v2.adapters.http.stream import stream_router
from bot_v2.ports.status import IStatusSource

CHART_LIBRARY = "vendor/lightweight-charts/lightweight-charts.standalone.production.js"


@cache
def chart_script() -> bytes:
    """The vendored Lightweight Charts, read once per process."""
    return resources.files("bot_v2.resources").joinpath(CHART_LIBRARY).read_bytes()


def build_app(status: IStatusSource, parts: ApiParts | None) -> FastAPI:
    app = FastAPI(
        title="perps-bot operator API",
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/v1/openapi.json" if parts is not None else None,
    )

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        where = [".".join(str(p) for p in error.get("loc", ())) for error in exc.errors()]
        return JSONResponse({"detail": f"invalid request: {', '.join(where)}"}, status_code=422)

    @app.get("/health", include_in_schema=False)
    def health() -> JSONResponse:
        healthy, doc = status.health()
        return JSONResponse(doc, status_code=200 if healthy else 503)

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        body, content_type = status.metrics_text()
        return Response(body, media_type=content_type)

    if parts is not None:
        _mount_api(app, status, parts)
    return app


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


def _mount_api(app: FastAPI, status: IStatusSource, parts: ApiParts) -> None:
    auth = parts.auth

    async def reader(request: Request) -> str:
        role = auth.role_of(_bearer(request), request.cookies.get(COOKIE))
        if role is None:
            raise HTTPException(401, "log in: a viewer or operator token is needed")
        return role

    async def operator(role: str = Depends(reader)) -> str:
        if auth.read_only:
            raise HTTPException(403, "read-only: no PERPS_OPERATOR_TOKEN is set")
        if role != OPERATOR:
            raise HTTPException(403, "controls need the operator token")
        return role

    @app.post("/api/v1/login", tags=["auth"])
    async def login(request: Request) -> Any:
        """Body {"token": ...}: a session cookie (HttpOnly, SameSite=Strict) carrying the role."""
        client = request.client.host if request.client else "?"
        if auth.read_only:
            raise HTTPException(409, "no tokens are set: the API is read-only without a login")
        if auth.limiter.blocked(client):
            raise HTTPException(429, "too many failed logins; wait a minute")
        try:
            doc = await request.json()
        except ValueError:
            doc = None
        token = doc.get("token") if isinstance(doc, dict) else None
        role = auth.role_of_token(token) if isinstance(token, str) else None
        if role is None:
            auth.limiter.failed(client)
            raise HTTPException(401, "unknown token")
        response = JSONResponse({"role": role, "expires_in_s": auth.session_ttl_s})
        response.set_cookie(
            COOKIE,
            auth.issue_session(role),
            max_age=auth.session_ttl_s,
            httponly=True,
            samesite="strict",
            path="/",
        )
        return response

    @app.post("/api/v1/logout", tags=["auth"])
    def logout() -> Any:
        response = JSONResponse({"role": None})
        response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
        return response

    @app.get("/api/v1/whoami", tags=["auth"])
    async def whoami(role: str = Depends(reader)) -> dict[str, Any]:
        return {"role": role, "read_only": auth.read_only}

    app.include_router(reads_router(parts, status, reader))
    app.include_router(stream_router(parts, status, reader))

    @app.get("/", include_in_schema=False)
    def console() -> Response:
        # The page itself holds nothing secret: it asks for a login before it shows anything.
        page = resources.files("bot_v2.adapters.http").joinpath("static/index.html").read_bytes()
        return Response(page, media_type="text/html; charset=utf-8")

    @app.get("/assets/lightweight-charts.js", include_in_schema=False)
    def chart_library() -> Response:
        # Public, unchanged third-party code (resources/vendor/lightweight-charts/PROVENANCE.md),
        # served by the bot itself so the console draws its chart with no network.
        return Response(
            chart_script(),
            media_type="text/javascript; charset=utf-8",
            headers={"Cache-Control": "public, max-age=86400"},
        )

    app.include_router(controls_router(parts, operator))
