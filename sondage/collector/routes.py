"""The collector's public routes: answers in (``POST /collect`` and its preflight), the
status of surveys with a response limit, the gallery's stage page, the charting library,
``/health``, and the bundle's files.

CORS and rate limiting are middlewares (``cors``, ``rate_limit``) around ``/collect``;
checking the records is ``intake``'s.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from runtime.protocol import STATUS_MAX_AGE_S

from ..files import cache_control
from . import pages
from .database import Added
from .intake import MAX_BODY, CollectorError, check_body
from .replies import error
from .state import collector

STATIC_CORS = {"Access-Control-Allow-Origin": "*", "Cross-Origin-Resource-Policy": "cross-origin"}


async def collect(request: Request) -> Response:
    """Answers from visitors' browsers: each record stored or refused on its own."""
    c = collector(request)
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY:
        return error(413, f"body is larger than {MAX_BODY} bytes")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            return error(413, f"body is larger than {MAX_BODY} bytes")
    try:
        checked = await run_in_threadpool(check_body, body, c.config.catalogue)
    except CollectorError as e:
        return error(400, str(e))
    records, refused = c.origins.split(checked.records, request.headers)
    # Stored and queued for the webhooks and the relay in one transaction.
    queued = c.queue.enqueue_stored(records) if c.config.webhooks or c.config.relays else None
    added = await run_in_threadpool(c.store.add_records, records, queued) if records else Added()
    request.app.state.metrics.answered(added, len(checked.rejected) + len(refused))
    return JSONResponse({"stored": added.stored, "duplicates": added.duplicates,
                         "rejected": [*checked.rejected, *refused]})


async def site_status(request: Request) -> Response:
    """Which of the site's surveys with a response limit have reached it (protocol.SiteStatus),
    for any page's worker: public, and short-cached."""
    c = collector(request)
    site = request.path_params["site"]
    catalogue = c.config.catalogue
    if catalogue is None or site not in catalogue.sites:
        return error(404, f"no site {site!r} in this collector's bundle (start it with --bundle to count "
                          "response limits)")
    status = await run_in_threadpool(c.limits.status, site, catalogue.sites[site].surveys)
    return JSONResponse(status, headers={**STATIC_CORS, "Cache-Control": f"public, max-age={STATUS_MAX_AGE_S}"})


async def preflight(request: Request) -> Response:
    """CORS's preflight for ``POST /collect`` (the origin's headers are the middleware's)."""
    return Response(status_code=204, headers={
        "Access-Control-Allow-Methods": "POST", "Access-Control-Allow-Headers": "content-type",
        "Access-Control-Max-Age": "86400"})


async def stage(request: Request) -> Response:
    """The gallery's stage: a host page of this origin with the site's snippet."""
    catalogue = collector(request).config.catalogue
    site = request.path_params["site"]
    if catalogue is None or site not in catalogue.sites:
        return error(404, f"no site {site!r} in this collector's bundle")
    return Response(pages.stage_page(site, str(request.base_url)), media_type="text/html; charset=utf-8",
                    headers={"Cache-Control": "no-store"})


async def vendor(request: Request) -> Response:
    """The dashboard's charting library and charts.js, from the package."""
    path = pages.vendor_file(request.path_params["name"])
    if path is None:
        return error(404, f"not found: {request.path_params['name']} (run `make build` to install the "
                          "charting library from npm)")
    return Response(await run_in_threadpool(path.read_bytes), media_type="text/javascript; charset=utf-8",
                    headers={"Cache-Control": "public, max-age=3600"})


async def no_studio(request: Request) -> Response:
    """/studio on a server started without a surveys folder: what to do."""
    return error(404, "the studio edits a surveys folder: start the server with --surveys DIR "
                      "(sondage serve --surveys surveys)")


async def health(request: Request) -> Response:
    return JSONResponse({"ok": True})


async def bundle_file(request: Request) -> Response:
    """A file of the bundle, served as a CDN would (compressed, cached, ETag)."""
    files = collector(request).files
    if files is None:
        return error(404, "not found")
    path = request.url.path
    # The studio publishes into the bundle while it is served: a manifest is then revalidated
    # on every page view (a 304 when unchanged), so a visitor's next page sees what was published.
    live = path.startswith("/manifests/") and getattr(request.app.state, "studio", None) is not None
    reply = await run_in_threadpool(
        files.reply, path, accept_encoding=request.headers.get("accept-encoding", ""),
        if_none_match=request.headers.get("if-none-match"), extra=STATIC_CORS,
        cache="no-cache" if live else cache_control(path))
    if request.method == "HEAD":
        return Response(b"", status_code=reply.status, headers={
            **reply.headers, "Content-Length": str(len(reply.body))})
    return Response(reply.body, status_code=reply.status, headers=reply.headers)
