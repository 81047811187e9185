"""The studio's pages and actions at ``/studio``, each behind the session (``session``).

Pages are rendered here in Python (Jinja, autoescaped); the browser's script
(``studio.js``) only posts the editor's form as the person types and puts the errors this
server names next to their fields.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

import jinja2
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from build import STATIC
from build.bundle import site_files_of
from build.survey_files import SurveyFile, SurveyFileError, check_question_types, read_folder, read_site_settings
from runtime import survey_format
from runtime.extensions import BUILTIN_NAMES
from runtime.placement import POSITIONS, THEMES
from runtime.schema import FormatError, json_schema
from runtime.vendors import registry

from ..catalogue import Catalogue
from ..collector.cors import Origins
from ..collector.pages import PAGE_CSP, stage_page, targeting_words
from ..collector.replies import error as error_reply
from ..collector.routes import STATIC_CORS, bundle_file
from ..collector.state import collector
from ..links import NONE, email_html, survey_link
from ..snippet import snippet
from ..survey_pages import embed_html
from . import form as forms
from . import integrations as vendors
from . import preview as previews
from . import session as sessions
from .integrations import default_file as integrations_file
from .publish import PublishError, publish
from .roundtrip import Document, plain
from .starters import STARTERS
from .workspace import Conflict, StudioError, Workspace

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
SCRIPT = Path(__file__).resolve().parent / "studio.js"
WIDGET_CSS = STATIC / "widget.css"      # the runtime's own styles, for the live preview
MAX_FORM = 2_000_000
RUNTIME_PREVIEW = "studio-preview."       # the site key prefix of a survey tried in the runtime
# The admin pages' policy, and the editor's checks as the person types (to this server only).
CSP = PAGE_CSP + "; connect-src 'self'"
_ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                          undefined=jinja2.StrictUndefined)


@dataclass
class Studio:
    """What the studio's routes share: the surveys folder and the bundle it publishes to."""

    workspace: Workspace
    bundle: Path | None
    integrations: Path = field(default_factory=integrations_file)
    publishing: threading.Lock = field(default_factory=threading.Lock)
    attempts: sessions.Attempts = field(default_factory=sessions.Attempts)    # wrong tokens per client
    # Surveys tried in the runtime from the editor, by preview site key: that site's files.
    runtime_previews: dict[str, dict[str, bytes]] = field(default_factory=dict)


def studio(request: Request) -> Studio:
    found: Studio = request.app.state.studio
    return found


def schema() -> dict[str, Any]:
    """The survey format's JSON Schema: the editor's one source of fields."""
    return survey_format.survey_json_schema()


def page(template: str, request: Request, status: int = 200, **values: Any) -> Response:
    values.setdefault("active", "")       # the navigation's current item (templates/_nav.html)
    html = _ENV.get_template(f"studio/{template}").render(
        csrf=getattr(request.state, "csrf", ""), signed_in=hasattr(request.state, "session"), **values)
    return Response(html, status_code=status, media_type="text/html; charset=utf-8", headers={
        "Cache-Control": "no-store", "Referrer-Policy": "same-origin", "Content-Security-Policy": CSP,
        "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY"})


Handler = Callable[[Request], Awaitable[Response]]


async def read_form(request: Request, max_fields: int) -> FormData:
    """A posted form (application/x-www-form-urlencoded: what the studio's forms and script send)."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM:
            raise ValueError(f"the form is larger than {MAX_FORM} bytes")
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=max_fields)
    except (UnicodeDecodeError, ValueError) as e:
        raise ValueError(f"not a form: {e}") from None
    return FormData([(k, v) for k, v in pairs])


def guarded(handler: Handler) -> Handler:
    """The route only with a session; a POST only with its CSRF token, from the studio's own pages."""
    async def run(request: Request) -> Response:
        token = collector(request).config.admin_token
        if not token:
            return page("signin.html", request, 403, error="The studio needs an admin token: start the server "
                        "with SONDAGE_ADMIN_TOKEN or --admin-token-file.", next="")
        found = sessions.read_cookie(token, request.cookies.get(sessions.COOKIE, ""))
        if found is None:
            if request.method == "GET":
                return page("signin.html", request, 401, error="", next=request.url.path)
            return JSONResponse({"error": "sign in to the studio first"}, status_code=401)
        if request.method == "POST":
            declared = request.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > MAX_FORM:
                return JSONResponse({"error": f"the form is larger than {MAX_FORM} bytes"}, status_code=413)
            why = sessions.same_origin(request.headers, request.headers.get("host", ""))
            try:
                posted = await read_form(request, 50_000)
            except ValueError as e:
                return JSONResponse({"error": str(e)}, status_code=400)
            given = str(posted.get("csrf") or request.headers.get("x-csrf-token", ""))
            if why or not sessions.csrf_ok(token, found, given):
                return JSONResponse({"error": f"refused: {why or 'the CSRF token is missing or wrong'}"},
                                    status_code=403)
            request.state.form = posted
        request.state.session = found
        request.state.csrf = sessions.csrf_token(token, found)
        return await handler(request)
    return run


# -- signing in ---------------------------------------------------------------------------
async def signin_page(request: Request) -> Response:
    return page("signin.html", request, error="", next=request.query_params.get("next", ""))


async def signin(request: Request) -> Response:
    token = collector(request).config.admin_token
    why = sessions.same_origin(request.headers, request.headers.get("host", ""))
    if why:
        return JSONResponse({"error": f"refused: {why}"}, status_code=403)
    client = request.client.host if request.client else "?"
    attempts = studio(request).attempts
    wait = attempts.wait(client)
    if wait:
        return JSONResponse({"error": f"too many wrong tokens: try again in {wait:.0f} s"}, status_code=429,
                            headers={"Retry-After": str(int(wait) + 1)})
    try:
        posted = await read_form(request, 10)
    except ValueError as e:
        return JSONResponse({"error": str(e)}, status_code=400)
    next_path = str(posted.get("next") or "/studio")
    if not next_path.startswith("/studio"):
        next_path = "/studio"
    if not token or not sessions.token_matches(token, str(posted.get("token", ""))):
        attempts.failed(client)
        return page("signin.html", request, 401, next=next_path,
                    error="That is not the admin token." if token else "The studio needs an admin token.")
    reply = RedirectResponse(next_path, status_code=303)
    secure = sessions.is_https(request.headers, request.url.scheme)
    reply.headers["Set-Cookie"] = sessions.cookie_header(sessions.new_cookie(token), secure=secure)
    return reply


async def signout(request: Request) -> Response:
    reply = RedirectResponse("/studio/signin", status_code=303)
    reply.headers["Set-Cookie"] = sessions.cookie_header("", secure=sessions.is_https(
        request.headers, request.url.scheme), max_age=0)
    return reply


async def script(request: Request) -> Response:
    return Response(await run_in_threadpool(SCRIPT.read_bytes), media_type="text/javascript; charset=utf-8",
                    headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"})


# -- the surveys ----------------------------------------------------------------------------
def _sites_known(s: Studio) -> list[str]:
    return sorted({e.survey.site for e in s.workspace.entries() if e.survey})


async def home(request: Request) -> Response:
    s, c = studio(request), collector(request)

    def gather() -> dict[str, Any]:
        entries = s.workspace.entries()
        by_site: dict[str, list[Any]] = {}
        for e in entries:
            by_site.setdefault(e.survey.site if e.survey else "(not readable)", []).append(e)
        counts: dict[str, dict[str, tuple[int, int]]] = {}
        for site, listed in by_site.items():
            ids = [e.survey.id for e in listed if e.survey]
            counts[site] = c.store.showings_answered(site, ids) if ids else {}
        served = c.config.catalogue.sites if c.config.catalogue else {}
        rows = {site: [{"e": e, "responses": counts[site].get(e.survey.id, (0, 0))[0] if e.survey else 0,
                        "changed": time.strftime("%Y-%m-%d %H:%M", time.localtime(e.modified)),
                        "live": bool(e.survey and site in served and any(
                            x.id == e.survey.id for x in served[site].surveys))}
                       for e in sorted(listed, key=lambda e: (e.archived, e.name))]
                for site, listed in sorted(by_site.items())}
        return {"rows": rows}

    found = await run_in_threadpool(gather)
    return page("home.html", request, **found, starters=STARTERS, sites=_sites_known(s),
                message=request.query_params.get("message", ""), error=request.query_params.get("error", ""))


def _back(error: str = "", message: str = "") -> Response:
    return RedirectResponse("/studio?" + urlencode({"error": error} if error else {"message": message}),
                            status_code=303)


async def create(request: Request) -> Response:
    f: FormData = request.state.form
    try:
        name = await run_in_threadpool(studio(request).workspace.create, str(f.get("template", "")),
                                       str(f.get("id", "")).strip(), str(f.get("site", "")).strip(),
                                       str(f.get("name", "")))
    except StudioError as e:
        return _back(error=str(e))
    return RedirectResponse(f"/studio/edit/{quote(name)}", status_code=303)


async def duplicate(request: Request) -> Response:
    f: FormData = request.state.form
    try:
        name = await run_in_threadpool(studio(request).workspace.duplicate, str(f.get("file", "")),
                                       str(f.get("id", "")).strip(), schema())
    except (StudioError, SurveyFileError) as e:
        return _back(error=str(e))
    return RedirectResponse(f"/studio/edit/{quote(name)}", status_code=303)


async def archive(request: Request) -> Response:
    f: FormData = request.state.form
    name = str(f.get("file", ""))
    try:
        if f.get("restore"):
            await run_in_threadpool(studio(request).workspace.restore, name)
        else:
            await run_in_threadpool(studio(request).workspace.archive, name)
    except StudioError as e:
        return _back(error=str(e))
    return _back(message=f"{name}: {'restored' if f.get('restore') else 'archived (publish to take it off the site)'}")


# -- the editor -----------------------------------------------------------------------------
@dataclass
class Checked:
    tree: forms.Field
    problem: str            # `sondage check`'s words, or ""
    problem_path: str


def _has_extensions(s: Studio, site: str) -> bool:
    """Whether ``site`` has extensions in sites.yaml (their question types are the build's to check)."""
    try:
        settings = read_site_settings(s.workspace.folder)
    except SurveyFileError:
        return False
    return bool(settings.get(site) and settings[site].extensions)


def served_types(request: Request, data: dict[str, Any]) -> list[str]:
    """The question types the served bundle's extensions of the survey's site provide."""
    catalogue = collector(request).config.catalogue
    site = catalogue.sites.get(str(data.get("site", ""))) if catalogue else None
    return [t for ref in (site.extensions if site else []) for t in ref.types]


def check(name: str, data: dict[str, Any], s: Studio, types: list[str] | None = None) -> Checked:
    """The form's tree for ``data`` with the first problem `sondage check` would find on its field."""
    the_schema = schema()
    tree = forms.fields(the_schema, data)
    site = str(data.get("site", ""))
    has_extensions = _has_extensions(s, site)
    for f in tree.all():
        if f.path.endswith(".type") and f.path.startswith("questions["):
            f.options = [*BUILTIN_NAMES, *(types or [])]
    problem, where = "", ""
    try:
        survey = survey_format.load_survey(data)
        if not has_extensions:      # as `sondage check`: an extension's types are checked by the build
            check_question_types([SurveyFile(s.workspace.path(name), survey)], {})
    except FormatError as e:
        problem, where = f"{name}: {e}", e.path
        forms.place_error(tree, e.path, e.message)
    except SurveyFileError as e:
        message = str(e).split(": ", 1)[1]
        where, _, said = message.partition(": ")
        problem = f"{name}: {message}"
        forms.place_error(tree, where, said)
    return Checked(tree, problem, where)


def _posted_data(f: FormData) -> dict[str, Any]:
    data = forms.read(schema(), f)
    return data if isinstance(data, dict) else {}


def _editor(request: Request, name: str, data: dict[str, Any], version: str, *, status: int = 200,
            message: str = "", conflict: Conflict | None = None) -> Response:
    s = studio(request)
    checked = check(name, data, s, served_types(request, data))
    survey = None
    try:
        survey = survey_format.load_survey(data)
    except FormatError:
        pass
    choice = previews.Choice()
    return page("edit.html", request, status, name=name, tree=checked.tree, version=version,
                problem=checked.problem, message=message, conflict=conflict,
                words=targeting_words(survey) if survey else [], survey=survey,
                steps=previews.steps(survey) if survey else [], looks=previews.looks(), choice=choice,
                widths=previews.WIDTHS, languages=[survey.language, *survey.translations] if survey else [])


async def _saved(request: Request, name: str) -> tuple[dict[str, Any], str] | Response:
    """A survey file as saved (its data and version), or the 404 page naming why not."""
    try:
        text, version = await run_in_threadpool(studio(request).workspace.read, name)
    except StudioError as e:
        return page("error.html", request, 404, error=str(e))
    data = plain(Document(text).data)
    return (data if isinstance(data, dict) else {}), version


async def edit_page(request: Request) -> Response:
    name = request.path_params["name"]
    saved = await _saved(request, name)
    if isinstance(saved, Response):
        return saved
    return _editor(request, name, saved[0], saved[1], message=request.query_params.get("message", ""))


async def edit_post(request: Request) -> Response:
    """The editor's form: a button (add, remove, up, on, off), or save."""
    name = request.path_params["name"]
    f: FormData = request.state.form
    data = _posted_data(f)
    version = str(f.get("version", ""))
    what = str(f.get("__op", "save"))
    if what != "save":
        forms.op(schema(), data, what)
        return _editor(request, name, data, version)
    checked = check(name, data, studio(request))
    if checked.problem:
        return _editor(request, name, data, version, status=400)
    try:
        new_version = await run_in_threadpool(studio(request).workspace.save, name, data, version, schema())
    except Conflict as conflict:
        return _editor(request, name, data, version, status=409, conflict=conflict)
    except StudioError as e:
        return page("error.html", request, 400, error=str(e))
    return RedirectResponse(f"/studio/edit/{quote(name)}?" + urlencode(
        {"message": f"Saved {name}" if new_version != version else "No change to save"}), status_code=303)


async def edit_check(request: Request) -> Response:
    """While the person types: the problem `sondage check` would report, by field."""
    name = request.path_params["name"]
    data = _posted_data(request.state.form)
    checked = check(name, data, studio(request), served_types(request, data))
    errors = {f.name or "": f.error for f in checked.tree.all() if f.error}
    survey = None
    if not checked.problem:
        survey = survey_format.load_survey(data)
    return JSONResponse({"problem": checked.problem, "errors": errors,
                         "words": targeting_words(survey) if survey else []}, headers={"Cache-Control": "no-store"})


# -- the site settings (sites.yaml) ---------------------------------------------------------
def site_schema() -> dict[str, Any]:
    """A site's settings in the format's JSON Schema (the editor's fields)."""
    return json_schema(survey_format.SiteSettings, title="Sondage site settings")


def sites_file_schema() -> dict[str, Any]:
    """sites.yaml as a whole: a mapping from site key to its settings."""
    one = site_schema()
    body = {k: v for k, v in one.items() if k not in ("$schema", "$defs", "title")}
    return {"type": "object", "additionalProperties": {"$ref": "#/$defs/SiteSettings"},
            "$defs": {**one.get("$defs", {}), "SiteSettings": body}}


def _site_editor(request: Request, site: str, data: dict[str, Any], version: str, *, status: int = 200,
                 message: str = "", conflict: Conflict | None = None) -> Response:
    tree = forms.fields(site_schema(), data)
    problem = ""
    try:
        survey_format.load_site_settings({site: data})
    except FormatError as e:
        where = e.path.removeprefix(site).lstrip(".")
        problem = f"sites.yaml: {e}"
        forms.place_error(tree, where, e.message)
    return page("site.html", request, status, site=site, tree=tree, version=version, problem=problem,
                message=message, conflict=conflict, active="surveys")


async def site_page(request: Request) -> Response:
    site = request.path_params["site"]
    s = studio(request)
    if site not in _sites_known(s):
        return page("error.html", request, 404, error=f"no survey is for site {site!r}: create one first")
    text, version = await run_in_threadpool(s.workspace.read_sites)
    data = plain(Document(text).data) if text.strip() else {}
    mine = data.get(site) if isinstance(data, dict) else None
    return _site_editor(request, site, mine if isinstance(mine, dict) else {}, version,
                        message=request.query_params.get("message", ""))


async def site_post(request: Request) -> Response:
    site = request.path_params["site"]
    s = studio(request)
    f: FormData = request.state.form
    data = forms.read(site_schema(), f)
    data = data if isinstance(data, dict) else {}
    version = str(f.get("version", ""))
    what = str(f.get("__op", "save"))
    if what != "save":
        forms.op(site_schema(), data, what)
        return _site_editor(request, site, data, version)
    try:
        survey_format.load_site_settings({site: data})
    except FormatError:
        return _site_editor(request, site, data, version, status=400)
    try:
        await run_in_threadpool(s.workspace.save_site, site, data, version, sites_file_schema())
    except Conflict as conflict:
        return _site_editor(request, site, data, version, status=409, conflict=conflict)
    except StudioError as e:
        return page("error.html", request, 400, error=str(e))
    return RedirectResponse(f"/studio/site/{quote(site)}?" + urlencode({"message": f"Saved {site} in sites.yaml"}),
                            status_code=303)


async def site_check(request: Request) -> Response:
    site = request.path_params["site"]
    data = forms.read(site_schema(), request.state.form)
    tree = forms.fields(site_schema(), data)
    problem = ""
    try:
        survey_format.load_site_settings({site: data})
    except FormatError as e:
        problem = f"sites.yaml: {e}"
        forms.place_error(tree, e.path.removeprefix(site).lstrip("."), e.message)
    return JSONResponse({"problem": problem, "errors": {x.name or "": x.error for x in tree.all() if x.error},
                         "words": []}, headers={"Cache-Control": "no-store"})


# -- the live preview -----------------------------------------------------------------------
def _preview_reply(request: Request, name: str, data: dict[str, Any], choice: previews.Choice) -> Response:
    try:
        survey = survey_format.load_survey(data)
    except FormatError as e:
        position, html, problem = "bottom-right", None, f"{name}: {e}"
    else:
        position, html = previews.card(survey, choice)
        problem = ""
    page_html = _ENV.get_template("studio/preview.html").render(position=position, card=html, problem=problem)
    return Response(page_html, media_type="text/html; charset=utf-8", headers={
        "Cache-Control": "no-store", "Content-Security-Policy": previews.CSP, "X-Frame-Options": "SAMEORIGIN",
        "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"})


def _choice(values: Any) -> previews.Choice:
    return previews.Choice.of({k.removeprefix("__preview."): str(v) for k, v in values.items()
                               if k.startswith("__preview.") or k in ("step", "look", "language", "width")})


async def preview_saved(request: Request) -> Response:
    name = request.path_params["name"]
    saved = await _saved(request, name)
    if isinstance(saved, Response):
        return saved
    return _preview_reply(request, name, saved[0], _choice(request.query_params))


async def preview_posted(request: Request) -> Response:
    f: FormData = request.state.form
    return _preview_reply(request, request.path_params["name"], _posted_data(f), _choice(f))


async def widget_css(request: Request) -> Response:
    return Response(await run_in_threadpool(WIDGET_CSS.read_bytes), media_type="text/css; charset=utf-8",
                    headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"})


# -- integrations ---------------------------------------------------------------------------
def _integration_rows(s: Studio) -> list[dict[str, Any]]:
    saved = vendors.load(s.integrations)
    rows = []
    for site in sorted(set(_sites_known(s)) | set(saved)):
        for vendor, fields in vendors.FIELDS.items():
            have = saved.get(site, {}).get(vendor, {})
            rows.append({"site": site, "vendor": vendor, "label": registry.VENDORS[vendor].label,
                         "fields": [{"name": n, "words": w, "secret": sec,
                                     "value": vendors.masked(have.get(n, "")) if sec else have.get(n, "")}
                                    for n, w, sec in fields], "set": any(have.values())})
    return rows


async def integrations_page(request: Request) -> Response:
    s = studio(request)
    try:
        rows = await run_in_threadpool(_integration_rows, s)
    except vendors.IntegrationError as e:
        return page("error.html", request, 500, error=str(e))
    return page("integrations.html", request, rows=rows, message=request.query_params.get("message", ""),
                error=request.query_params.get("error", ""), file=str(s.integrations), reply=None, active="settings")


async def integrations_save(request: Request) -> Response:
    s, c = studio(request), collector(request)
    f: FormData = request.state.form
    site, vendor = str(f.get("site", "")), str(f.get("vendor", ""))
    back = "/studio/integrations?"
    if vendor not in vendors.FIELDS or not site:
        return RedirectResponse(back + urlencode({"error": "site and vendor: which integration"}), status_code=303)

    def run() -> str:
        with s.publishing:
            saved = vendors.load(s.integrations)
            old = saved.get(site, {}).get(vendor, {})
            new = {}
            for name, _, secret in vendors.FIELDS[vendor]:
                given = str(f.get(name, "")).strip()
                new[name] = old.get(name, "") if secret and (not given or given == vendors.masked(old.get(name, ""))) \
                    else given
            if f.get("remove"):
                saved.get(site, {}).pop(vendor, None)
            else:
                vendors.relay(site, vendor, new)       # checked by the vendor's module before it is kept
                saved.setdefault(site, {})[vendor] = new
            vendors.save(s.integrations, saved)
            c.config.relays.update(vendors.relays(saved))
            if f.get("remove"):
                c.config.relays.get(site, {}).pop(vendor, None)
            c.queue.relays = c.config.relays
            return "removed" if f.get("remove") else "saved"

    try:
        done = await run_in_threadpool(run)
    except vendors.IntegrationError as e:
        return RedirectResponse(back + urlencode({"error": str(e)}), status_code=303)
    return RedirectResponse(back + urlencode({"message": f"{registry.VENDORS[vendor].label} for {site}: {done}"}),
                            status_code=303)


async def integrations_test(request: Request) -> Response:
    s = studio(request)
    f: FormData = request.state.form
    site, vendor = str(f.get("site", "")), str(f.get("vendor", ""))
    saved = await run_in_threadpool(vendors.load, s.integrations)
    fields = saved.get(site, {}).get(vendor)
    if vendor not in vendors.FIELDS or not fields:
        return page("error.html", request, 400, error=f"{site}: no {vendor} settings saved to test")
    try:
        reply = await run_in_threadpool(vendors.send_test, site, vendor, fields)
    except vendors.IntegrationError as e:
        return page("error.html", request, 400, error=str(e))
    rows = await run_in_threadpool(_integration_rows, s)
    return page("integrations.html", request, rows=rows, message="", error="", file=str(s.integrations),
                reply={"site": site, "vendor": registry.VENDORS[vendor].label, "status": reply.status,
                       "body": reply.body, "url": reply.url}, active="settings")


# -- trying the unsaved survey in the real runtime ------------------------------------------
def runtime_preview_key(request: Request, name: str) -> str:
    """The preview site of this session's editor of ``name``: a key no one else can guess."""
    digest = hmac.new(str(request.state.csrf).encode(), name.encode(), hashlib.sha256).hexdigest()[:20]
    return f"{RUNTIME_PREVIEW}{digest}"


def _runtime_preview_files(s: Studio, key: str, survey: survey_format.Survey) -> dict[str, bytes]:
    """What `sondage build` would write for a site holding only this survey (its manifest and
    data, with the real site's settings and extensions), served from memory under ``key``."""
    if s.bundle is None:
        raise PublishError("trying a survey in the runtime needs the bundle: start the server with --bundle")
    manifests = sorted((s.bundle / "manifests").glob("*.json"))
    if not manifests:
        raise PublishError(f"{s.bundle}: no built runtime here yet: run `sondage build` once")
    real = s.bundle / "manifests" / f"{survey.site}.json"
    model = json.loads((real if real.is_file() else manifests[0]).read_text())
    refs: list[dict[str, Any]] = []
    if real.is_file():
        refs = list(json.loads((s.bundle / str(model["surveys"])).read_text()).get("extensions") or [])
    try:
        settings = read_site_settings(s.workspace.folder).get(survey.site) or survey_format.SiteSettings()
    except SurveyFileError:
        settings = survey_format.SiteSettings()
    files = site_files_of(key, [dataclasses.replace(survey, site=key)], settings, refs, frame=str(model["frame"]),
                          collector=None, base_url="")      # no collector: a try-out's answers are not kept
    return {name: body for name, body in files.items() if name.startswith(("manifests/", "sites/"))}


async def try_in_runtime(request: Request) -> Response:
    """The form's survey (saved or not) on a stage page, run by the real runtime (Pyodide)."""
    name = request.path_params["name"]
    s = studio(request)
    f: FormData = request.state.form
    data = _posted_data(f)
    try:
        survey = survey_format.load_survey(data)
    except FormatError as e:
        return page("error.html", request, 400, error=f"{name}: {e}")
    key = runtime_preview_key(request, name)
    try:
        files = await run_in_threadpool(_runtime_preview_files, s, key, survey)
    except PublishError as e:
        return page("error.html", request, 400, error=str(e))
    with s.publishing:
        s.runtime_previews[key] = files
        while len(s.runtime_previews) > 200:
            s.runtime_previews.pop(next(iter(s.runtime_previews)))
    look = str(f.get("__preview.look", "")) or f"{survey.appearance.position}.{survey.appearance.theme}"
    return RedirectResponse(f"/studio/stage/{key}.html?" + urlencode({"iterate_preview": survey.id,
                                                                       "iterate_look": look}), status_code=303)


async def runtime_stage(request: Request) -> Response:
    key = request.path_params["key"]
    if key not in studio(request).runtime_previews:
        return error_reply(404, "this try-out is over: press \"Try it in the runtime\" again")
    return Response(stage_page(key, str(request.base_url)), media_type="text/html; charset=utf-8",
                    headers={"Cache-Control": "no-store", "X-Frame-Options": "SAMEORIGIN"})


async def runtime_preview_file(request: Request) -> Response:
    """A try-out's manifest or data (public like the bundle's: its key is its secret); any
    other file of manifests/ and sites/ is the bundle's."""
    path = request.url.path.lstrip("/")
    if not request.path_params["file"].startswith(RUNTIME_PREVIEW):
        return await bundle_file(request)
    for files in list(studio(request).runtime_previews.values()):
        if path in files:
            return Response(files[path], media_type="application/json; charset=utf-8",
                            headers={**STATIC_CORS, "Cache-Control": "no-store"})
    return error_reply(404, "not found")


# -- who sees it? ---------------------------------------------------------------------------
def _pairs(text: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for line in text.splitlines():
        if line.strip():
            key, _, value = line.partition(":")
            out[key.strip()] = forms._scalar(value)
    return out


async def who(request: Request) -> Response:
    """The runtime's own decision (runtime/targeting.py, as ?iterate_debug=1 prints it) for the
    saved survey and a visitor described in the form."""
    from runtime.targeting import Context, History, Occurrence, decide

    name = request.path_params["name"]
    f: FormData = request.state.form
    s = studio(request)
    try:
        folder = await run_in_threadpool(read_folder, s.workspace.folder)
    except SurveyFileError as e:
        return JSONResponse({"error": str(e)}, status_code=400)
    found = next((x.survey for x in folder.files if x.path.name == name), None)
    if found is None:
        return JSONResponse({"error": f"no survey file {name!r}"}, status_code=404)
    now = time.time()
    history = History()
    hours = str(f.get("shown_hours_ago", "")).strip()
    try:
        if hours:
            history.shown[found.id] = now - float(hours) * 3600
        if f.get("answered") == "true" or f.get("dismissed") == "true":       # either way it was shown
            history.shown.setdefault(found.id, now - 60)
        if f.get("answered") == "true":
            history.responded[found.id] = history.shown[found.id]
    except ValueError:
        return JSONResponse({"error": "shown_hours_ago: a number of hours"}, status_code=400)
    event = str(f.get("event", "")).strip()
    what = Occurrence("event", event, properties=_pairs(str(f.get("properties", "")))) if event \
        else Occurrence("page_view")
    ctx = Context(url=str(f.get("url", "")), traits=_pairs(str(f.get("traits", ""))), now=now,
                  device=str(f.get("device", "desktop")), language=str(f.get("language", "")),
                  visitor_id="studio-who")
    decision = decide(found, what, ctx, history, folder.settings_of(found.site))
    return JSONResponse({"show": decision.show, "verdict": decision.verdict, "reason": decision.reason,
                         "stage": decision.stage})


# -- publishing ----------------------------------------------------------------------------
def refresh_catalogue(request: Request, bundle: Path) -> None:
    """The collector takes the new surveys at once: checks answers against them, allows their origins."""
    c = collector(request)
    c.config.catalogue = Catalogue.from_bundle(bundle)
    c.config.site_origins = c.config.catalogue.origins()
    Origins.__init__(c.origins, c.config, c.origins.serves_bundle)


async def publish_all(request: Request) -> Response:
    s = studio(request)
    back = str(request.state.form.get("back", "")) or "/studio"
    if not back.startswith("/studio"):
        back = "/studio"
    if s.bundle is None:
        return page("error.html", request, 400, error="This server serves no bundle to publish to: start it "
                    "with --bundle (sondage serve does)")

    def run() -> Any:
        with s.publishing:
            done = publish(s.workspace.folder, s.bundle)    # type: ignore[arg-type]
            refresh_catalogue(request, s.bundle)            # type: ignore[arg-type]
            return done

    try:
        done = await run_in_threadpool(run)
    except (PublishError, SurveyFileError) as e:
        return page("error.html", request, 400, error=f"Not published: {e}")
    said = (f"Published {sum(map(len, done.sites.values()))} survey(s) of {', '.join(done.sites)} "
            f"in {done.seconds * 1000:.0f} ms ({len(done.files)} files)")
    sep = "&" if "?" in back else "?"
    return RedirectResponse(f"{back}{sep}{urlencode({'message': said})}", status_code=303)


async def publish_tab(request: Request) -> Response:
    """Every way to put the survey in front of people, each to copy."""
    name = request.path_params["name"]
    s = studio(request)
    try:
        folder = await run_in_threadpool(read_folder, s.workspace.folder)
    except SurveyFileError as e:
        return page("error.html", request, 400, error=str(e))
    found = next((f.survey for f in folder.files if f.path.name == name), None)
    if found is None:
        return page("error.html", request, 404, error=f"no survey file {name!r} (archived?)")
    base_url = str(request.base_url)
    catalogue = collector(request).config.catalogue
    live = catalogue is not None and found.site in catalogue.sites and any(
        x.id == found.id for x in catalogue.sites[found.site].surveys)
    codes = embed_codes(found, base_url, folder.settings_of(found.site))
    stage = (f"/_sondage/stage/{quote(found.site, safe='')}.html?" + urlencode(
        {"iterate_preview": found.id, "iterate_look": f"{found.appearance.position}.{found.appearance.theme}"})
        if live else "")
    origins = [o for o in (catalogue.sites[found.site].settings.origins if live and catalogue else [])]
    preview = f"{origins[0].rstrip('/')}/?iterate_preview={quote(found.id)}" if origins else ""
    _, version = await run_in_threadpool(s.workspace.read, name)
    return page("publish.html", request, name=name, survey=found, codes=codes, live=live, stage=stage, version=version,
                preview=preview, message=request.query_params.get("message", ""), positions=POSITIONS,
                themes=THEMES, properties=[(q.attribute_name, q) for q in found.questions])


async def labels_save(request: Request) -> Response:
    """The names the answers take on the vendors' profiles ("Customize user properties", custom
    attributes): each question's label, saved into the survey's file."""
    name = request.path_params["name"]
    s = studio(request)
    f: FormData = request.state.form
    try:
        text, _ = await run_in_threadpool(s.workspace.read, name)
    except StudioError as e:
        return page("error.html", request, 404, error=str(e))
    data = plain(Document(text).data)
    if not isinstance(data, dict) or not isinstance(data.get("questions"), list):
        return page("error.html", request, 400, error=f"{name}: no questions")
    for i, q in enumerate(data["questions"]):
        given = f.get(f"label.{i}")
        if isinstance(q, dict) and given is not None:
            q["label"] = str(given).strip() or None
    checked = check(name, data, s)
    back = f"/studio/publish/{quote(name)}?"
    if checked.problem:
        return RedirectResponse(back + urlencode({"message": f"Not saved: {checked.problem}"}), status_code=303)
    try:
        await run_in_threadpool(s.workspace.save, name, data, str(f.get("version", "")), schema())
    except Conflict:
        return RedirectResponse(back + urlencode({"message": f"Not saved: {name} changed on disk since this page "
                                                             "was opened; here it is as it is now"}), status_code=303)
    return RedirectResponse(back + urlencode({"message": "Saved the user property names (publish to use them)"}),
                            status_code=303)


def embed_codes(survey: survey_format.Survey, base_url: str,
                settings: survey_format.SiteSettings | None = None) -> list[tuple[str, str]]:
    """The gallery's codes for one survey: the page snippet, install, each vendor's embed (its
    in-app messages' answer plans with the site's ``settings``), links."""
    return [("Page snippet (once per page)", snippet(survey.site, base_url)),
            ("Show it from the page", f"<script>Iterate('install', {json.dumps(survey.id)});</script>"),
            *((e.title, embed_html(e.channel, survey.site, base_url, survey.id, survey.name, survey=survey,
                                   settings=settings))
              for e in registry.embeds()),
            *((f"Link for emails ({v.label}, with its merge tags)", survey_link(base_url, survey, v.name))
              for v in registry.link_vendors()),
            ("Link (no email service)", survey_link(base_url, survey, NONE)),
            *((f"Email HTML ({v.label}): the first question, each answer a link", email_html(base_url, survey, v.name))
              for v in registry.link_vendors()),
            ("Email HTML (any email service)", email_html(base_url, survey, NONE))]


def routes() -> list[BaseRoute]:
    return [
        Route("/studio", guarded(home), methods=["GET"]),
        Route("/studio/signin", signin_page, methods=["GET"]),
        Route("/studio/signin", signin, methods=["POST"]),
        Route("/studio/signout", guarded(signout), methods=["POST"]),
        Route("/studio/studio.js", script, methods=["GET"]),
        Route("/studio/new", guarded(create), methods=["POST"]),
        Route("/studio/duplicate", guarded(duplicate), methods=["POST"]),
        Route("/studio/archive", guarded(archive), methods=["POST"]),
        Route("/studio/publish", guarded(publish_all), methods=["POST"]),
        Route("/studio/edit/{name}", guarded(edit_page), methods=["GET"]),
        Route("/studio/edit/{name}", guarded(edit_post), methods=["POST"]),
        Route("/studio/edit/{name}/check", guarded(edit_check), methods=["POST"]),
        Route("/studio/publish/{name}", guarded(publish_tab), methods=["GET"]),
        Route("/studio/who/{name}", guarded(who), methods=["POST"]),
        Route("/studio/publish/{name}/labels", guarded(labels_save), methods=["POST"]),
        Route("/studio/site/{site}", guarded(site_page), methods=["GET"]),
        Route("/studio/site/{site}", guarded(site_post), methods=["POST"]),
        Route("/studio/site/{site}/check", guarded(site_check), methods=["POST"]),
        Route("/studio/try/{name}", guarded(try_in_runtime), methods=["POST"]),
        Route("/studio/stage/{key}.html", guarded(runtime_stage), methods=["GET"]),
        Route("/manifests/{file}", runtime_preview_file, methods=["GET", "HEAD"]),
        Route("/sites/{file}", runtime_preview_file, methods=["GET", "HEAD"]),
        Route("/studio/integrations", guarded(integrations_page), methods=["GET"]),
        Route("/studio/integrations", guarded(integrations_save), methods=["POST"]),
        Route("/studio/integrations/test", guarded(integrations_test), methods=["POST"]),
        Route("/studio/preview/{name}", guarded(preview_saved), methods=["GET"]),
        Route("/studio/preview/{name}", guarded(preview_posted), methods=["POST"]),
        Route("/studio/widget.css", widget_css, methods=["GET"]),
    ]
