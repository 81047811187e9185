"""`sondage serve` and `sondage collector`: the runtime origin (the bundle and the collector,
an ASGI app under uvicorn) and, for the demo, a host site on another origin.
"""

from __future__ import annotations

import os
import re
import secrets
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import uvicorn

from .catalogue import Catalogue
from .collector_app import CollectorConfig, create_app
from .files import Files
from .snippet import snippet
from .store import Store

SNIPPET_MARK = re.compile(r"<!-- sondage:snippet(?: key=([A-Za-z0-9._-]+))? -->")


class _SiteHandler(BaseHTTPRequestHandler):
    """The host origin of the demo: a shop page with the snippet pasted in."""

    server: _SiteServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)

    def _inject(self, data: bytes) -> bytes:
        """Paste the snippet where a page says ``<!-- sondage:snippet [key=K] -->``."""
        site = self.server
        text = SNIPPET_MARK.sub(lambda m: snippet(m.group(1) or site.api_key, site.runtime_url),
                                data.decode("utf-8"))
        return text.replace("%%RUNTIME_URL%%", site.runtime_url).encode("utf-8")

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        transform = self._inject if path.endswith((".html", "/")) else None
        reply = self.server.files.reply(path, accept_encoding=self.headers.get("Accept-Encoding", ""),
                                        if_none_match=self.headers.get("If-None-Match"), extra={},
                                        cache="no-cache", transform=transform)
        for listener in self.server.listeners:
            listener(self.path, reply.status, len(reply.body))
        self.send_response(reply.status)
        for k, v in reply.headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)

    def do_HEAD(self) -> None:
        self.do_GET()


class _SiteServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], folder: Path, api_key: str, runtime_url: str,
                 verbose: bool) -> None:
        self.files = Files(folder)
        self.api_key = api_key
        self.runtime_url = runtime_url
        self.verbose = verbose
        self.listeners: list[Any] = []   # called with (path, status, body bytes) per response
        super().__init__(address, _SiteHandler)


def serve_site(folder: Path, api_key: str, runtime_url: str, *, host: str = "127.0.0.1",
               port: int = 8000, verbose: bool = False) -> tuple[_SiteServer, str]:
    """Serve a host site (a folder of pages with the snippet pasted in) in a background thread."""
    server = _SiteServer((host, port), folder, api_key, runtime_url, verbose)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://{host}:{server.server_address[1]}/"


class Uvicorn:
    """An ASGI app served by uvicorn in a background thread."""

    def __init__(self, app: Any, host: str, port: int, verbose: bool = False) -> None:
        config = uvicorn.Config(app, host=host, port=port, log_level="info" if verbose else "warning",
                                access_log=verbose, lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise OSError(f"the server did not start on {host}:{port}")
            time.sleep(0.01)   # polling for uvicorn's own started flag, bounded by the deadline
        self.port = int(self.server.servers[0].sockets[0].getsockname()[1])
        # (path, status, body bytes) per response, when the app offers them (the benchmark).
        self.listeners: list[Any] = getattr(getattr(app, "state", None), "listeners", [])

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@dataclass
class Running:
    runtime_url: str
    site_url: str | None
    servers: list[Any]
    store: Store
    admin_token: str | None = None

    def stop(self) -> None:
        for s in self.servers:
            if isinstance(s, Uvicorn):
                s.stop()
            else:
                s.shutdown()
                s.server_close()
        self.store.close()

    def wait(self) -> None:
        """Serve until Ctrl-C, then stop."""
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            self.stop()


def admin_token_from(env: str | None = None, file: str | Path | None = None) -> str | None:
    """The admin token: from a file (its first line), else the environment."""
    if file:
        text = Path(file).read_text().strip()
        if not text:
            raise OSError(f"{file}: the admin token file is empty")
        return text.splitlines()[0].strip()
    return os.environ.get(env or "SONDAGE_ADMIN_TOKEN") or None


def start(bundle: Path | None, *, host: str = "127.0.0.1", port: int = 8001, db: Path | str = "sondage.db",
          demo: Path | None = None, demo_port: int = 8000, demo_api_key: str = "demo-site-key",
          runtime_host: str = "localhost", verbose: bool = False, config: CollectorConfig | None = None,
          demo_token: bool = False) -> Running:
    """Start serving in background threads (port 0 picks a free port). With ``demo_token``
    and no admin token configured, one is made for this run."""
    config = config or CollectorConfig(admin_token=admin_token_from())
    if demo_token and not config.admin_token:
        config.admin_token = secrets.token_urlsafe(18)
    if bundle is not None and not (bundle / "loader.js").is_file():
        raise FileNotFoundError(f"{bundle}: no Sondage bundle here (run `sondage build`)")
    if bundle is not None:
        config.catalogue = Catalogue.from_bundle(bundle)
        config.site_origins = {**config.catalogue.origins(), **config.site_origins}
    store = Store(db)
    runtime = Uvicorn(create_app(store, config, bundle), host, port, verbose)
    runtime_url = f"http://{runtime_host}:{runtime.port}/"
    servers: list[Any] = [runtime]
    site_url = None
    if demo is not None:
        site, site_url = serve_site(demo, demo_api_key, runtime_url, host=host, port=demo_port, verbose=verbose)
        servers.append(site)
    return Running(runtime_url, site_url, servers, store, config.admin_token)
