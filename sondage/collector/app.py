"""The collector as an ASGI application (Starlette), served by uvicorn.

- ``POST /collect``: answers from visitors' browsers. Anyone may post; each record is
  stored or refused on its own (``{"stored": [ids], "duplicates": [ids], "rejected":
  [{index, id, reason}]}``); per-client rate limiting answers 429 with ``Retry-After``;
  CORS only for the origins of the sites this collector serves and the bundle's own (its
  survey frame and survey pages post from there); an answer from another origin is refused
  with ``retry`` (a configuration to fix: the browser keeps it and sends it again).
- ``GET /responses`` (a page), ``/responses.json`` and ``/export``, ``/dashboard``,
  ``/dashboard/export.csv`` and ``/gallery``: reading answers needs the admin token
  (``Authorization: Bearer <token>``, or ``?token=`` for a browser).
- ``GET /health`` and ``/healthz`` (the process is up), ``GET /readyz`` (it can reach its
  database now; else 503). A database that is away gives 503 with ``Retry-After`` and a JSON
  error (``availability``), never a 500.
- ``GET /metrics``: Prometheus's text format (``metrics``), behind the admin token or the
  metrics token.
- ``/studio`` (``sondage.studio``), when a surveys folder is given: the marketer's web app that
  edits the survey files and publishes them into the bundle, behind a session opened with the
  admin token.
- Everything else, when a bundle folder is given: its files, served as a CDN would (a
  manifest with ``no-cache`` when the studio may publish: the next page view sees it).

Each route is a small function (``routes``, ``admin_routes``); CORS, rate limiting and the
admin token are middlewares (``cors``, ``rate_limit``, ``auth``) on the routes they guard.
The app holds no state that matters between requests (the rate limiter's buckets aside):
several processes may serve one PostgreSQL database.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route

from ..files import Files
from ..studio.integrations import default_file as default_integrations
from ..studio.integrations import load as load_integrations
from ..studio.integrations import relays as studio_relays
from ..studio.routes import Studio
from ..studio.routes import routes as studio_routes
from ..studio.workspace import Workspace
from . import admin_routes, availability, metrics, routes
from .auth import AdminToken
from .config import CollectorConfig
from .cors import Cors, Origins
from .database import Store
from .rate_limit import RateLimit, RateLimiter
from .state import Collector
from .webhooks import WebhookQueue


def create_app(store: Store, config: CollectorConfig, bundle: Path | None = None,
               surveys: Path | None = None, integrations: Path | None = None) -> Starlette:
    """The collector on ``store``, configured by ``config``; serving ``bundle``'s files if given;
    with the studio at ``/studio`` for the survey files of ``surveys`` if given (and its vendors'
    settings in ``integrations``, which feed the relay)."""
    studio = Studio(Workspace(surveys), bundle, integrations or default_integrations()) \
        if surveys is not None else None
    if studio is not None:
        config.relays.update(studio_relays(load_integrations(studio.integrations)))
    shared = Collector(store, config, Files(bundle) if bundle is not None else None,
                       Origins(config, serves_bundle=bundle is not None),
                       WebhookQueue(store, config.webhooks, config.webhook_base_delay, config.relays,
                                    relay_when=config.relay_when))
    figures = metrics.Metrics()
    shared.queue.observe = figures.delivered
    cors = Middleware(Cors, origins=shared.origins)
    database_errors = Middleware(availability.DatabaseErrors)    # inside CORS: the browser reads its 503
    rate_limit = Middleware(RateLimit, limiter=RateLimiter(config.rate_burst, config.rate_per_second))
    admin = [Middleware(AdminToken, config=config)]
    scrape = [Middleware(AdminToken, config=config, metrics=True)]    # the admin token or the metrics token

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # With the studio, a relay may be set while the server runs: the queue is worked from the start.
        task = asyncio.create_task(shared.queue.run(config.webhook_interval)) \
            if config.webhooks or config.relays or studio is not None else None
        yield
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app = Starlette(lifespan=lifespan, middleware=[Middleware(metrics.Timing, metrics=figures), database_errors],
                    routes=[
        Route("/collect", routes.collect, methods=["POST"], middleware=[cors, rate_limit, database_errors]),
        Route("/collect", routes.preflight, methods=["OPTIONS"], middleware=[cors]),
        Route("/responses", admin_routes.responses_page, methods=["GET"], middleware=admin),
        Route("/responses.json", admin_routes.responses_json, methods=["GET"], middleware=admin),
        Route("/export", admin_routes.export_answers, methods=["GET"], middleware=admin),
        Route("/dashboard", admin_routes.dashboard, methods=["GET"], middleware=admin),
        Route("/dashboard/export.csv", admin_routes.dashboard_csv, methods=["GET"], middleware=admin),
        Route("/dashboard/responses", admin_routes.responses_list, methods=["GET"], middleware=admin),
        Route("/dashboard/response", admin_routes.response_one, methods=["GET"], middleware=admin),
        Route("/dashboard/responses.csv", admin_routes.responses_csv, methods=["GET"], middleware=admin),
        Route("/gallery", admin_routes.gallery, methods=["GET"], middleware=admin),
        Route("/_sondage/stage/{site}.html", routes.stage, methods=["GET"]),
        Route("/_sondage/{name}", routes.vendor, methods=["GET"]),
        Route("/health", routes.health, methods=["GET"]),
        Route("/healthz", availability.healthz, methods=["GET"]),
        Route("/readyz", availability.readyz, methods=["GET"]),
        Route("/metrics", metrics.metrics, methods=["GET"], middleware=scrape),
        Route("/status/{site}.json", routes.site_status, methods=["GET"]),
        *(studio_routes() if surveys is not None else [Route("/studio", routes.no_studio, methods=["GET"])]),
        Route("/{path:path}", routes.bundle_file, methods=["GET", "HEAD"]),
    ])
    app.state.studio = studio
    app.state.collector = shared
    app.state.metrics = figures
    return app
