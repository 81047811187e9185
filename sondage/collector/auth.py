"""The admin token (a middleware): reading answers (the responses, exports, the dashboard and
the gallery) needs ``Authorization: Bearer <token>``, or ``?token=`` for a browser. With no
token configured, those pages are refused (403) rather than open."""

from __future__ import annotations

import hmac

from starlette.datastructures import Headers, QueryParams
from starlette.types import ASGIApp, Receive, Scope, Send

from .config import CollectorConfig
from .replies import error


class AdminToken:
    """ASGI middleware: the request goes on only with the admin token of ``config``."""

    def __init__(self, app: ASGIApp, config: CollectorConfig) -> None:
        self.app = app
        self.config = config

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = self.config.admin_token
        if not token:
            await error(403, "reading answers needs an admin token: start the collector with "
                             "SONDAGE_ADMIN_TOKEN (or --admin-token-file)")(scope, receive, send)
            return
        given = Headers(scope=scope).get("authorization", "").removeprefix("Bearer ").strip() \
            or QueryParams(scope["query_string"]).get("token", "")
        if not hmac.compare_digest(given.encode(), token.encode()):
            await error(401, "admin token missing or wrong (Authorization: Bearer <token>, or ?token=)",
                        {"WWW-Authenticate": "Bearer"})(scope, receive, send)
            return
        await self.app(scope, receive, send)
