"""What the benchmark measures on the wire: the bytes of every response of the runtime origin
(the collector, wrapped in an ASGI middleware here) and of the host site (its request
handler, subclassed here). The product has no hook for it: the benchmark wraps the app and
the demo site's handler itself."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sondage.collector.config import CollectorConfig, admin_token_from
from sondage.collector.server import Running, Uvicorn, collector_app
from sondage.demo_site import SiteHandler, SiteServer

Listener = Callable[[str, int, int], None]      # (path, status, body bytes) of one response


class Traffic:
    """Responses seen by the servers: (origin, path, status, bytes)."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, str, int, int]] = []
        self.lock = threading.Lock()

    def listener(self, origin: str) -> Listener:
        def note(path: str, status: int, size: int) -> None:
            with self.lock:
                self.rows.append((origin, path, status, size))
        return note

    def take(self) -> list[tuple[str, str, int, int]]:
        with self.lock:
            rows, self.rows = self.rows, []
        return rows


class Counting:
    """ASGI middleware: calls ``listener`` with (path, status, body bytes) of every response."""

    def __init__(self, app: Any, listener: Listener) -> None:
        self.app = app
        self.listener = listener

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query = scope.get("query_string", b"").decode("latin-1")
        path = scope["path"] + (f"?{query}" if query else "")
        seen = {"status": 0, "size": 0}

        async def counting(message: Any) -> None:
            if message["type"] == "http.response.start":
                seen["status"] = message["status"]
            elif message["type"] == "http.response.body":
                seen["size"] += len(message.get("body", b""))
                if not message.get("more_body"):
                    self.listener(path, seen["status"], seen["size"])
            await send(message)

        await self.app(scope, receive, counting)


def start_counted(bundle: Path, db: Path, listener: Listener) -> Running:
    """The collector serving ``bundle``, as ``sondage.collector.server.start`` starts it
    (127.0.0.1, a free port, reached as localhost), each response counted."""
    app, store = collector_app(bundle, CollectorConfig(admin_token=admin_token_from()), db)
    runtime = Uvicorn(Counting(app, listener), "127.0.0.1", 0)
    return Running(f"http://localhost:{runtime.port}/", None, [runtime], store)


def count_site(site: SiteServer, listener: Listener) -> None:
    """Each response of the host site from now on counted: (path, status, Content-Length)."""

    class CountingHandler(SiteHandler):
        status = 0

        def send_response(self, code: int, message: str | None = None) -> None:
            self.status = code
            super().send_response(code, message)

        def send_header(self, keyword: str, value: str) -> None:
            if keyword == "Content-Length":
                listener(self.path, self.status, int(value))
            super().send_header(keyword, value)

    site.RequestHandlerClass = CountingHandler
