"""The collector's routes for reading answers, behind the admin token (``auth``): the
responses (a page and JSON), the exports, the results dashboard with each response on its
own, and the survey gallery."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from . import exports, pages, respondents, results
from .replies import error, html_page
from .state import collector


async def responses_json(request: Request) -> Response:
    store = collector(request).store
    try:
        limit = int(request.query_params.get("limit", "200"))
    except ValueError:
        return error(400, "limit: must be a whole number")
    records = await run_in_threadpool(lambda: store.list(site=request.query_params.get("site"), limit=limit))
    return JSONResponse({"records": records}, headers={"Cache-Control": "no-store"})


async def responses_page(request: Request) -> Response:
    store = collector(request).store
    records = await run_in_threadpool(lambda: store.list(limit=500))
    page = pages.responses_page(records, db=store.path, token=request.query_params.get("token", ""))
    return Response(page, media_type="text/html; charset=utf-8",
                    headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})


async def export_answers(request: Request) -> Response:
    store = collector(request).store
    q = request.query_params
    try:
        since = exports.parse_since(q.get("since"))
        fmt = q.get("format", "csv")
        records = await run_in_threadpool(lambda: store.export(site=q.get("site"), survey=q.get("survey"),
                                                               since=since))
        body, ctype = exports.render(fmt, records)
    except exports.ExportError as e:
        return error(400, str(e))
    name = f"sondage-answers.{fmt}"
    return Response(body, media_type=ctype, headers={
        "Cache-Control": "no-store", "Content-Disposition": f'attachment; filename="{name}"'})


async def dashboard(request: Request) -> Response:
    c = collector(request)
    token = request.query_params.get("token", "")
    known = await run_in_threadpool(
        lambda: sorted(c.config.catalogue.sites) if c.config.catalogue else c.store.sites())
    try:
        f = results.Filter.from_query(request.query_params, default_site=known[0] if known else None)
        problem = ""
    except results.FilterError as e:
        f, problem = results.Filter(request.query_params.get("site") or (known[0] if known else "?")), str(e)
    figures = await run_in_threadpool(results.compute, c.store, f, c.config.catalogue)
    return html_page(pages.dashboard_page(figures, sites=sorted(set(known) | {f.site}), token=token, error=problem),
                     400 if problem else 200)


async def dashboard_csv(request: Request) -> Response:
    try:
        f = results.Filter.from_query(request.query_params)
    except results.FilterError as e:
        return error(400, str(e))
    where = results.answer_conditions(f)
    records = await run_in_threadpool(collector(request).store.export_where, where)
    return Response(exports.to_csv(records), media_type="text/csv; charset=utf-8", headers={
        "Cache-Control": "no-store",
        "Content-Disposition": f'attachment; filename="sondage-{f.site}-answers.csv"'})


async def responses_list(request: Request) -> Response:
    """The responses of the dashboard's filter, newest first, each a link to the whole of it."""
    store, token = collector(request).store, request.query_params.get("token", "")
    try:
        f = results.Filter.from_query(request.query_params)
    except results.FilterError as e:
        site = request.query_params.get("site") or "?"
        return html_page(pages.respondents_page([], 0, results.Filter(site), token=token, error=str(e)), 400)
    rows = await run_in_threadpool(respondents.listed, store, f)
    total = len(rows) if len(rows) < respondents.LISTED else await run_in_threadpool(respondents.counted, store, f)
    return html_page(pages.respondents_page(rows, total, f, token=token))


async def response_one(request: Request) -> Response:
    """One response: all its answers, the visitor's traits, its page, time and vendor ids."""
    store, token = collector(request).store, request.query_params.get("token", "")
    try:
        f = results.Filter.from_query(request.query_params)
    except results.FilterError as e:
        return error(400, str(e))
    key = request.query_params.get("id", "")
    if not key:
        return error(400, "id: which response (?id=<response id>)")
    found = await run_in_threadpool(respondents.one, store, f.site, key)
    if found is None:
        return error(404, f"id: no response {key[:80]!r} on site {f.site!r}")
    return html_page(pages.response_page(found, f, token=token))


async def responses_csv(request: Request) -> Response:
    """The dashboard's filter as a CSV with one row per response, one column per question."""
    c = collector(request)
    try:
        f = results.Filter.from_query(request.query_params)
    except results.FilterError as e:
        return error(400, str(e))
    records = await run_in_threadpool(c.store.export_where, results.answer_conditions(f))
    site = c.config.catalogue.sites.get(f.site) if c.config.catalogue else None
    surveys = {s.id: s for s in site.surveys} if site else {}
    return Response(respondents.per_response_csv(records, surveys), media_type="text/csv; charset=utf-8", headers={
        "Cache-Control": "no-store",
        "Content-Disposition": f'attachment; filename="sondage-{f.site}-responses.csv"'})


async def gallery(request: Request) -> Response:
    catalogue = collector(request).config.catalogue
    if catalogue is None or not catalogue.sites:
        return error(404, "the gallery shows the surveys of a bundle: start the collector with one "
                          "(sondage serve, or --bundle)")
    site = request.query_params.get("site") or sorted(catalogue.sites)[0]
    if site not in catalogue.sites:
        known = ", ".join(sorted(catalogue.sites))
        return error(404, f"site: no site {site!r} in this bundle (known: {known})")
    token = request.query_params.get("token", "")
    return html_page(pages.gallery_page(catalogue, site, base_url=str(request.base_url), token=token))
