"""When the database is away: a retryable reply, never a 500 or a dropped connection, and the
probes a load balancer asks.

A database that is down, restarting, out of connections or locked (SQLite's ``database is
locked``) raises one of ``database.AWAY`` in a route; ``DatabaseErrors`` (a middleware inside
CORS, so the browser can read the reply) turns it into ``503`` with ``Retry-After`` and
a JSON ``{"error": ...}``. Nothing was acknowledged, so the browser keeps the answers
and sends them again (runtime/delivery.py; the loader's plan, runtime/delivery_plan.py). The
engine's pool checks a PostgreSQL connection before lending it (``pool_pre_ping``), so once the
database is back the next request finds it: the collector recovers by itself.

``GET /healthz``: the process is up (200). ``GET /readyz``: it can reach its database now
(200), else 503 with ``Retry-After``.
"""

from __future__ import annotations

import sqlalchemy as sa
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .database import away
from .replies import error
from .state import collector

RETRY_AFTER = 2          # seconds a client waits before sending again while the database is away


def unavailable(exc: BaseException | None = None) -> JSONResponse:
    """503 with ``Retry-After`` and a JSON error saying what happened and that it is retryable."""
    what = f" ({type(exc.orig if isinstance(exc, sa.exc.DBAPIError) else exc).__name__})" if exc else ""
    return error(503, f"the collector's database is not available now{what}; nothing was stored: "
                      f"send again in {RETRY_AFTER} s", {"Retry-After": str(RETRY_AFTER)})


class DatabaseErrors:
    """ASGI middleware: a route that finds the database away answers 503 with Retry-After
    (if it has not started its reply; else the reply is cut, as any server's would be)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            if started or not away(exc):
                raise
            await unavailable(exc)(scope, receive, send)


async def healthz(request: Request) -> Response:
    """The process is up and serving (liveness)."""
    return JSONResponse({"ok": True})


async def readyz(request: Request) -> Response:
    """The collector can reach its database now (readiness): else 503 with Retry-After."""
    store = collector(request).store

    def check() -> None:
        with store.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))

    try:
        await run_in_threadpool(check)
    except Exception as exc:
        if not away(exc):
            raise
        return unavailable(exc)
    return JSONResponse({"ready": True})
