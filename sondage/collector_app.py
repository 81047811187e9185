"""The runtime origin as an ASGI application (Starlette), served by uvicorn.

- ``POST /collect``: answers from visitors' browsers. Anyone may post; each record is
  stored or refused on its own (``{"stored": [ids], "duplicates": [ids], "rejected":
  [{index, id, reason}]}``); per-client rate limiting answers 429 with ``Retry-After``;
  CORS only for the origins of the sites this collector serves and the bundle's own (its
  survey frame and survey pages post from there); an answer from another origin is refused
  with ``retry`` (a configuration to fix: the browser keeps it and sends it again).
- ``GET /responses`` (a page), ``/responses.json`` and ``/export``: reading answers needs
  the admin token (``Authorization: Bearer <token>``, or ``?token=`` for a browser).
- ``GET /health``.
- Everything else, when a bundle folder is given: its files, served as a CDN would.

The app holds no state that matters between requests (the rate limiter's buckets aside):
several processes may serve one PostgreSQL database.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import export, pages, results
from .catalogue import Catalogue
from .collector import MAX_BODY, CollectorError, check_body
from .files import Files, cache_control
from .relay import Relays
from .runtime.records import is_view
from .store import Added, Store
from .webhooks import Webhook, WebhookQueue

RESPONSES_PAGE = jinja2.Environment(autoescape=True).from_string("""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sondage responses</title>
<style>body{font:15px system-ui,sans-serif;margin:2rem;color:#1f2330}
table{border-collapse:collapse}td,th{border:1px solid #ccd;padding:4px 8px;text-align:left}
th{background:#f3f4f6}.preview{color:#9a3412}</style></head>
<body><h1>Responses</h1>
<p>{{ records|length }} answer{{ '' if records|length == 1 else 's' }} stored in
<code>{{ db }}</code>. Download: <a href="export?format=csv&amp;token={{ token }}">CSV</a>,
<a href="responses.json?token={{ token }}">JSON</a>.</p>
<table id="responses"><thead><tr><th>answered at</th><th>site</th><th>survey</th>
<th>question</th><th>response</th><th>user</th><th></th></tr></thead><tbody>
{% for r in records %}<tr data-survey="{{ r.survey_id }}" data-question="{{ r.question_id }}">
<td>{{ r.answered_at }}</td><td>{{ r.site }}</td><td>{{ r.survey_name }}</td>
<td>{{ r.question }}</td><td class="response">{{ r.response }}</td>
<td>{{ r.user.external_id if r.user.external_id is defined else '' }}</td>
<td>{% if r.preview %}<span class="preview">preview</span>{% endif %}</td></tr>
{% endfor %}</tbody></table></body></html>
""")
STATIC_CORS = {"Access-Control-Allow-Origin": "*", "Cross-Origin-Resource-Policy": "cross-origin"}


@dataclass
class CollectorConfig:
    admin_token: str | None = None
    # Page origins allowed to POST answers, per site (from the sites' `origins`), and for all.
    site_origins: dict[str, set[str]] = field(default_factory=dict)
    allow_origins: set[str] = field(default_factory=set)
    rate_burst: int = 120                 # requests a client may send at once ...
    rate_per_second: float = 2.0          # ... and then this many a second; 0 turns it off
    webhooks: dict[str, list[Webhook]] = field(default_factory=dict)
    relays: dict[str, Relays] = field(default_factory=dict)   # per site: Braze / CleverTap REST
    catalogue: Catalogue | None = None    # the surveys served (from the bundle): records are checked
    webhook_interval: float = 1.0         # how often the queue is worked, seconds
    webhook_base_delay: float = 10.0      # the first retry's wait; it doubles each time

    def origins(self) -> set[str]:
        return set(self.allow_origins).union(*self.site_origins.values()) if self.site_origins \
            else set(self.allow_origins)


class RateLimiter:
    """A token bucket per client address."""

    def __init__(self, burst: int, per_second: float) -> None:
        self.burst, self.per_second = burst, per_second
        self.buckets: dict[str, tuple[float, float]] = {}

    def wait(self, client: str, now: float) -> float:
        """0 if the client may send now (a token is taken), else the seconds until it may."""
        if self.per_second <= 0:
            return 0.0
        tokens, last = self.buckets.get(client, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * self.per_second)
        if tokens >= 1:
            self.buckets[client] = (tokens - 1, now)
            return 0.0
        self.buckets[client] = (tokens, now)
        if len(self.buckets) > 100_000:      # bounded memory: forget the oldest clients
            for key in sorted(self.buckets, key=lambda k: self.buckets[k][1])[:50_000]:
                del self.buckets[key]
        return (1 - tokens) / self.per_second


def create_app(store: Store, config: CollectorConfig, bundle: Path | None = None) -> Starlette:
    limiter = RateLimiter(config.rate_burst, config.rate_per_second)
    files = Files(bundle) if bundle is not None else None
    allowed = config.origins()
    bundle_origins = config.catalogue.bundle_origins() if config.catalogue else set()
    # Sites that name no origins: their pages may be anywhere, so CORS lets every page post
    # (a preflight does not say the site), and `collect` checks the origin of each record of
    # a site that names them. One site's `origins` never shut out another site's pages.
    open_sites = sorted(set(config.catalogue.sites) - set(config.site_origins)) if config.catalogue else []
    queue = WebhookQueue(store, config.webhooks, config.webhook_base_delay, config.relays)

    def bundle_origin(request: Request, origin: str | None) -> bool:
        """Is ``origin`` the bundle's own? Its pages post answers from there: the survey frame
        (whatever page it is on) and each survey's own page (links and emails). That is this
        collector's own origin when it serves the bundle (as the browser reached it: Host, or
        a proxy's X-Forwarded-Host), and the origin of the URL the bundle was built for
        (``sondage build --base-url``, a CDN)."""
        if not origin or origin == "null":
            return False
        if origin.rstrip("/") in bundle_origins:
            return True
        if files is None:
            return False
        hosts = [request.headers.get("host", ""), *request.headers.get("x-forwarded-host", "").split(",")]
        return urlsplit(origin).netloc.lower() in {h.strip().lower() for h in hosts if h.strip()}

    def cors(request: Request) -> dict[str, str]:
        origin = request.headers.get("origin")
        if not allowed or open_sites:         # a site that names no origins takes answers from any page
            return {"Access-Control-Allow-Origin": "*"}
        if origin in allowed or bundle_origin(request, origin):
            return {"Access-Control-Allow-Origin": str(origin), "Vary": "Origin"}
        return {"Vary": "Origin"}

    def error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
        return JSONResponse({"error": message}, status_code=status, headers=headers)

    async def collect(request: Request) -> Response:
        headers = cors(request)
        client = request.client.host if request.client else "?"
        wait = limiter.wait(client, time.monotonic())
        if wait > 0:
            return error(429, "too many requests; try again later",
                         {**headers, "Retry-After": str(max(1, math.ceil(wait)))})
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > MAX_BODY:
            return error(413, f"body is larger than {MAX_BODY} bytes", headers)
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY:
                return error(413, f"body is larger than {MAX_BODY} bytes", headers)
        try:
            checked = await run_in_threadpool(check_body, body, config.catalogue)
        except CollectorError as e:
            return error(400, str(e), headers)
        origin = request.headers.get("origin")
        records, rejected = [], list(checked.rejected)
        ours = bundle_origin(request, origin)
        for i, record in enumerate(checked.records):
            site_origins = config.site_origins.get(record["site"])
            if site_origins and not ours and origin not in site_origins and origin not in config.allow_origins:
                # Where the answer comes from, not what it is: the page keeps it and sends it
                # again later (`retry`), so answers wait for the site's `origins` to be fixed.
                rejected.append({"index": i, "id": record["id"], "retry": True,
                                 "reason": f"site {record['site']!r} takes answers from {sorted(site_origins)} "
                                           f"(its origins in sites.yaml) and from the bundle's own pages, not from "
                                           f"{origin!r}"})
            else:
                records.append(record)
        added = await run_in_threadpool(store.add_records, records) if records else Added()
        if added.stored and (config.webhooks or config.relays):
            # Views are for completion rates only: no webhook hears of them.
            fresh = set(added.stored)
            await run_in_threadpool(queue.enqueue, [r for r in records if r["id"] in fresh and not is_view(r)],
                                    added.replaced)
        return JSONResponse({"stored": added.stored, "duplicates": added.duplicates, "rejected": rejected},
                            headers=headers)

    async def preflight(request: Request) -> Response:
        return Response(status_code=204, headers={
            **cors(request), "Access-Control-Allow-Methods": "POST", "Access-Control-Allow-Headers": "content-type",
            "Access-Control-Max-Age": "86400"})

    def admin(handler: Callable[[Request], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
        async def guarded(request: Request) -> Response:
            if not config.admin_token:
                return error(403, "reading answers needs an admin token: start the collector with "
                                  "SONDAGE_ADMIN_TOKEN (or --admin-token-file)")
            given = request.headers.get("authorization", "").removeprefix("Bearer ").strip() \
                or request.query_params.get("token", "")
            if not hmac.compare_digest(given.encode(), config.admin_token.encode()):
                return error(401, "admin token missing or wrong (Authorization: Bearer <token>, or ?token=)",
                             {"WWW-Authenticate": "Bearer"})
            return await handler(request)
        return guarded

    async def responses_json(request: Request) -> Response:
        try:
            limit = int(request.query_params.get("limit", "200"))
        except ValueError:
            return error(400, "limit: must be a whole number")
        records = await run_in_threadpool(lambda: store.list(site=request.query_params.get("site"), limit=limit))
        return JSONResponse({"records": records}, headers={"Cache-Control": "no-store"})

    async def responses_page(request: Request) -> Response:
        records = await run_in_threadpool(lambda: store.list(limit=500))
        page = RESPONSES_PAGE.render(records=records, db=store.path, token=request.query_params.get("token", ""))
        return Response(page, media_type="text/html; charset=utf-8",
                        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})

    async def export_answers(request: Request) -> Response:
        q = request.query_params
        try:
            since = export.parse_since(q.get("since"))
            fmt = q.get("format", "csv")
            records = await run_in_threadpool(lambda: store.export(site=q.get("site"), survey=q.get("survey"),
                                                                   since=since))
            body, ctype = export.render(fmt, records)
        except export.ExportError as e:
            return error(400, str(e))
        name = f"sondage-answers.{fmt}"
        return Response(body, media_type=ctype, headers={
            "Cache-Control": "no-store", "Content-Disposition": f'attachment; filename="{name}"'})

    def html(page: str, status: int = 200) -> Response:
        return Response(page, status_code=status, media_type="text/html; charset=utf-8", headers={
            "Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "Content-Security-Policy": pages.PAGE_CSP,
            "X-Content-Type-Options": "nosniff"})

    def site_keys() -> list[str]:
        return sorted(config.catalogue.sites) if config.catalogue else store.sites()

    async def dashboard(request: Request) -> Response:
        token = request.query_params.get("token", "")
        known = await run_in_threadpool(site_keys)
        try:
            f = results.Filter.from_query(request.query_params, default_site=known[0] if known else None)
            error = ""
        except results.FilterError as e:
            f, error = results.Filter(request.query_params.get("site") or (known[0] if known else "?")), str(e)
        figures = await run_in_threadpool(results.compute, store, f, config.catalogue)
        return html(pages.dashboard_page(figures, sites=sorted(set(known) | {f.site}), token=token, error=error),
                    400 if error else 200)

    async def dashboard_csv(request: Request) -> Response:
        try:
            f = results.Filter.from_query(request.query_params)
        except results.FilterError as e:
            return error(400, str(e))
        where = results.answer_conditions(f)
        records = await run_in_threadpool(store.export_where, where)
        return Response(export.to_csv(records), media_type="text/csv; charset=utf-8", headers={
            "Cache-Control": "no-store",
            "Content-Disposition": f'attachment; filename="sondage-{f.site}-answers.csv"'})

    async def gallery(request: Request) -> Response:
        if config.catalogue is None or not config.catalogue.sites:
            return error(404, "the gallery shows the surveys of a bundle: start the collector with one "
                              "(sondage serve, or --bundle)")
        site = request.query_params.get("site") or sorted(config.catalogue.sites)[0]
        if site not in config.catalogue.sites:
            known = ", ".join(sorted(config.catalogue.sites))
            return error(404, f"site: no site {site!r} in this bundle (known: {known})")
        token = request.query_params.get("token", "")
        return html(pages.gallery_page(config.catalogue, site, base_url=str(request.base_url), token=token))

    async def stage(request: Request) -> Response:
        site = request.path_params["site"]
        if config.catalogue is None or site not in config.catalogue.sites:
            return error(404, f"no site {site!r} in this collector's bundle")
        return Response(pages.stage_page(site, str(request.base_url)), media_type="text/html; charset=utf-8",
                        headers={"Cache-Control": "no-store"})

    async def vendor(request: Request) -> Response:
        path = pages.vendor_file(request.path_params["name"])
        if path is None:
            return error(404, f"not found: {request.path_params['name']} (run `make build` to install the "
                              "charting library from npm)")
        return Response(await run_in_threadpool(path.read_bytes), media_type="text/javascript; charset=utf-8",
                        headers={"Cache-Control": "public, max-age=3600"})

    async def health(request: Request) -> Response:
        return JSONResponse({"ok": True})

    async def bundle_file(request: Request) -> Response:
        if files is None:
            return error(404, "not found")
        path = request.url.path
        reply = await run_in_threadpool(
            files.reply, path, accept_encoding=request.headers.get("accept-encoding", ""),
            if_none_match=request.headers.get("if-none-match"), extra=STATIC_CORS, cache=cache_control(path))
        if request.method == "HEAD":
            return Response(b"", status_code=reply.status, headers={
                **reply.headers, "Content-Length": str(len(reply.body))})
        return Response(reply.body, status_code=reply.status, headers=reply.headers)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        task = asyncio.create_task(queue.run(config.webhook_interval)) if config.webhooks or config.relays else None
        yield
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    routes = [
        Route("/collect", collect, methods=["POST"]),
        Route("/collect", preflight, methods=["OPTIONS"]),
        Route("/responses", admin(responses_page), methods=["GET"]),
        Route("/responses.json", admin(responses_json), methods=["GET"]),
        Route("/export", admin(export_answers), methods=["GET"]),
        Route("/dashboard", admin(dashboard), methods=["GET"]),
        Route("/dashboard/export.csv", admin(dashboard_csv), methods=["GET"]),
        Route("/gallery", admin(gallery), methods=["GET"]),
        Route("/_sondage/stage/{site}.html", stage, methods=["GET"]),
        Route("/_sondage/{name}", vendor, methods=["GET"]),
        Route("/health", health, methods=["GET"]),
        Route("/{path:path}", bundle_file, methods=["GET", "HEAD"]),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.webhooks = queue
    app.state.listeners = []
    app.add_middleware(_Traffic, listeners=app.state.listeners)
    return app


class _Traffic:
    """Calls each listener with (path, status, body bytes) of every response (the benchmark
    counts the bytes a page view costs this way)."""

    def __init__(self, app: Any, listeners: list[Callable[[str, int, int], None]]) -> None:
        self.app = app
        self.listeners = listeners

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not self.listeners:
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
                    for listener in self.listeners:
                        listener(path, seen["status"], seen["size"])
            await send(message)

        await self.app(scope, receive, counting)

