"""`sondage serve` and `sondage collector`: the runtime origin (the bundle and the collector,
an ASGI app under uvicorn) and, for the demo, a host site on another origin (``demo_site``).
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette

from ..catalogue import Catalogue
from ..demo_site import serve_site
from .app import create_app
from .config import CollectorConfig, admin_token_from
from .database import Store


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


def collector_app(bundle: Path | None, config: CollectorConfig, db: Path | str,
                  surveys: Path | None = None, integrations: Path | None = None) -> tuple[Starlette, Store]:
    """The collector's app on the database ``db``, serving ``bundle`` (its surveys checked and
    its sites' origins allowed) if given; and its store, to close when done."""
    if bundle is not None and not (bundle / "loader.js").is_file():
        raise FileNotFoundError(f"{bundle}: no Sondage bundle here (run `sondage build`)")
    if bundle is not None:
        config.catalogue = Catalogue.from_bundle(bundle)
        config.site_origins = {**config.catalogue.origins(), **config.site_origins}
    store = Store(db)
    return create_app(store, config, bundle, surveys, integrations), store


def start(bundle: Path | None, *, host: str = "127.0.0.1", port: int = 8001, db: Path | str = "sondage.db",
          demo: Path | None = None, demo_port: int = 8000, demo_api_key: str = "demo-site-key",
          runtime_host: str = "localhost", verbose: bool = False, config: CollectorConfig | None = None,
          demo_token: bool = False, surveys: Path | None = None, integrations: Path | None = None) -> Running:
    """Start serving in background threads (port 0 picks a free port). With ``demo_token``
    and no admin token configured, one is made for this run."""
    config = config or CollectorConfig(admin_token=admin_token_from())
    if demo_token and not config.admin_token:
        config.admin_token = secrets.token_urlsafe(18)
    app, store = collector_app(bundle, config, db, surveys, integrations)
    runtime = Uvicorn(app, host, port, verbose)
    runtime_url = f"http://{runtime_host}:{runtime.port}/"
    servers: list[Any] = [runtime]
    site_url = None
    if demo is not None:
        site, site_url = serve_site(demo, demo_api_key, runtime_url, host=host, port=demo_port, verbose=verbose)
        servers.append(site)
    return Running(runtime_url, site_url, servers, store, config.admin_token)
