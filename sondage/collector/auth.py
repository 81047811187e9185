"""The admin token (a middleware): reading answers (the responses, exports, the dashboard and
the gallery) needs ``Authorization: Bearer <token>``, or ``?token=`` for a browser. With no
token configured, those pages are refused (403) rather than open. A browser signed in to the
studio (its session cookie, ``sondage.studio.session``) may GET them too."""

from __future__ import annotations

import hmac

from starlette.datastructures import Headers, QueryParams
from starlette.types import ASGIApp, Receive, Scope, Send

from .config import CollectorConfig
from .replies import error


class AdminToken:
    """ASGI middleware: the request goes on only with the admin token of ``config`` (or, for
    ``metrics``, its metrics token: what a Prometheus server is given, which reads no answers)."""

    def __init__(self, app: ASGIApp, config: CollectorConfig, metrics: bool = False) -> None:
        self.app = app
        self.config = config
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        tokens = [t for t in (self.config.admin_token, self.config.metrics_token if self.metrics else None) if t]
        if not tokens:
            await error(403, "metrics need the admin token or a metrics token: start the collector with "
                             "SONDAGE_ADMIN_TOKEN or SONDAGE_METRICS_TOKEN" if self.metrics else
                        "reading answers needs an admin token: start the collector with "
                        "SONDAGE_ADMIN_TOKEN (or --admin-token-file)")(scope, receive, send)
            return
        given = Headers(scope=scope).get("authorization", "").removeprefix("Bearer ").strip() \
            or QueryParams(scope["query_string"]).get("token", "")
        if not given and not self.metrics and scope.get("method") in ("GET", "HEAD") \
                and self.config.admin_token and self._studio_session(scope):
            await self.app(scope, receive, send)     # signed in to the studio: the same person
            return
        if not any(hmac.compare_digest(given.encode(), token.encode()) for token in tokens):
            await error(401, "admin token missing or wrong (Authorization: Bearer <token>, or ?token=)",
                        {"WWW-Authenticate": "Bearer"})(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _studio_session(self, scope: Scope) -> bool:
        from ..studio import session

        cookies = Headers(scope=scope).get("cookie", "")
        for part in cookies.split(";"):
            name, _, value = part.strip().partition("=")
            if name == session.COOKIE and session.read_cookie(self.config.admin_token, value) is not None:
                return True
        return False
