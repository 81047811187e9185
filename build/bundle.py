"""Assemble the static bundle that ``sondage build`` writes.

Layout of ``--out``::

    loader.js                  the snippet's script (short cache)
    inapp.js                   the script of an in-app message (short cache)
    manifests/<apiKey>.json    per site: the frame to load, its survey data, the hint (short cache)
    survey.schema.json         the survey format as JSON Schema
    frame-<hash>.html/.js      the runtime frame and its bridge         } hashed names:
    widget-<hash>.css          the widget's styles                      } cached for good
    worker-<hash>.mjs          boots Pyodide in a Web Worker            }
    python-<hash>.zip          runtime + jinja2 + markupsafe + stdlib subset, .pyc
    pyodide-<hash>/            pyodide.mjs, pyodide.asm.mjs, pyodide.asm.wasm (pinned npm)
    sites/<apiKey>-<hash>.json the site's validated surveys
    ext/<name>-<hash>.zip      a site's Python extension, as bytecode (imported when needed)
    python-lock.json           what micropip installed in Pyodide for the bundle (jinja2,
                               markupsafe, the sites' extensions): micropip.freeze()

Compressible files get precompressed ``.br`` (brotli-11) and ``.gz`` siblings.
The same inputs give the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from calmjs.parse import es5
from calmjs.parse.exceptions import ECMARegexSyntaxError, ECMASyntaxError
from calmjs.parse.unparsers.es5 import minify_print

from build import STATIC
from runtime import protocol
from runtime.hints import compact, event_ahead_file, hint
from runtime.survey_format import FORMAT_VERSION, SiteSettings, Survey, dump, load_site_data, survey_json_schema
from sondage.survey_pages import HOSTED_PATH, hosted_page

from . import pyodide_dist
from .compress import precompress
from .extensions import ExtensionBuildError, check_imports
from .extensions import resolve as resolve_extensions
from .pyodide_dist import PYODIDE_VERSION
from .python_bundle import LEFT_OUT, python_zip
from .survey_files import SITES_FILE, SurveyFile, read_folder

PYODIDE_FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm")
BOOT_TIMEOUT_MS = 20000


class BuildError(RuntimeError):
    pass


@dataclass
class BuildResult:
    out: Path
    sites: dict[str, list[str]] = field(default_factory=dict)   # site -> survey ids
    files: dict[str, int] = field(default_factory=dict)         # relative path -> bytes
    python_modules: int = 0


def default_pyodide_dir() -> Path:
    """The pinned Pyodide, found or fetched (see pyodide_dist.py)."""
    try:
        return pyodide_dist.locate()
    except pyodide_dist.PyodideNotFound as e:
        raise BuildError(str(e)) from None


def _hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:12]


def _json(data: Any) -> bytes:
    return (json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
            + "\n").encode("utf-8")


# Type annotations for `make lint` inside code lines: `/** @type {X} */ (value)`.
PLACEHOLDER = re.compile(r"__[A-Z][A-Z_]*[A-Z]__")


def _fill(template: str, values: dict[str, str], name: str) -> str:
    """Replace each placeholder ``__NAME__`` (valid JavaScript, typed in static/types.d.ts)
    with its text: a JSON value where it stands as an expression, raw text inside a string."""
    for key, value in values.items():
        template = template.replace(f"__{key}__", value)
    left = PLACEHOLDER.search(template)
    if left:
        raise BuildError(f"{name}: unfilled placeholder {left.group()!r}")
    return template


def protocol_js(only: tuple[str, ...] = ()) -> str:
    """runtime/protocol.py's for_javascript(), as the JSON the build writes in for
    ``__PROTOCOL__`` (frame, worker) and ``__LOADER_PROTOCOL__`` (loader, ``only`` FOR_LOADER);
    their types are static/contracts.d.ts (build/typescript.py)."""
    return json.dumps(protocol.for_javascript(only), sort_keys=True, separators=(",", ":"))


def inlined_js(name: str) -> str:
    """A static/ file holding one function expression (loader_logic.js for the loader,
    snapshot_pages.js for the worker, plan_fill.js for the frame and inapp.js), as that
    expression, for the file that inlines it."""
    source = (STATIC / name).read_text()
    return source[source.index("\n(") + 1:].rstrip().removesuffix(";")


def frame_csp(collector: str | None) -> str:
    """The survey frame's own Content-Security-Policy: scripts and styles only from its own
    files (no inline script, no style attribute), WebAssembly compiled for Pyodide, requests
    only to its origin and the collector's."""
    connect = ["'self'"]
    if collector and "://" in collector:
        parts = urlsplit(collector)
        connect.append(f"{parts.scheme}://{parts.netloc}")
    return "; ".join([
        "default-src 'none'", "script-src 'self' 'wasm-unsafe-eval'", "worker-src 'self'",
        f"connect-src {' '.join(connect)}", "style-src 'self'", "img-src 'self' data:", "font-src 'self'",
        "base-uri 'none'", "form-action 'none'"])


def minify_js(source: str, name: str = "loader.js") -> str:
    """The host page's loader, minified (its bytes are paid by every page view; the readable
    source stays in static/): local names shortened, comments and spaces gone. The loader is
    ES5, which calmjs.parse reads; its globals and property names are kept."""
    try:
        tree = es5(source)
    except (ECMASyntaxError, ECMARegexSyntaxError) as e:
        raise BuildError(f"{name}: not ES5 JavaScript the minifier can read: {e}") from e
    return str(minify_print(tree, obfuscate=True, obfuscate_globals=False)) + "\n"


def check_pyodide(pyodide_dir: Path) -> dict[str, Any]:
    package = pyodide_dir / "package.json"
    if not package.is_file():
        raise BuildError(f"{pyodide_dir}: no Pyodide here; run `npm ci` (package.json pins "
                         f"pyodide {PYODIDE_VERSION}) or pass --pyodide DIR")
    version = json.loads(package.read_text())["version"]
    if version != PYODIDE_VERSION:
        raise BuildError(f"{pyodide_dir}: Pyodide {version}, but this Sondage is built for "
                         f"{PYODIDE_VERSION}")
    for name in PYODIDE_FILES:
        if not (pyodide_dir / name).is_file():
            raise BuildError(f"{pyodide_dir}: {name} is missing")
    lock = json.loads((pyodide_dir / "pyodide-lock.json").read_text())
    return {"info": lock["info"], "packages": {}}


def site_files_of(site: str, surveys: list[Survey], settings: SiteSettings, refs: list[dict[str, Any]], *,
                  frame: str, collector: str | None, base_url: str) -> dict[str, bytes]:
    """The files of one site in the bundle, by name: its survey data, the steps shown ahead of
    an event, its manifest (naming ``frame``, the runtime's) and each survey's own page. Both
    `sondage build` and the studio's publish (which rebuilds only these) write them."""
    files: dict[str, bytes] = {}

    def hashed(stem: str, suffix: str, data: bytes) -> str:
        name = f"{stem}-{_hash(data)}{suffix}"
        files[name] = data
        return name

    # The collector's count of the site's surveys with a response limit: read by the worker
    # while Python starts, so only pages that start the runtime ask for it.
    status = urljoin(collector, protocol.status_path(site)) \
        if collector and any(s.limit is not None for s in surveys) else None
    site_data = {"format": FORMAT_VERSION, "site": site, "surveys": [dump(s) for s in surveys],
                 "settings": dump(settings), "extensions": refs, "status": status}
    data_name = hashed(f"sites/{site}", ".json", _json(site_data))
    # What showing a survey ahead to a new visitor changes, played by the runtime itself
    # (runtime/showing_plan.py): the frame carries it out if the visitor never engages.
    loaded = load_site_data(site_data)
    ahead = event_ahead_file(surveys, settings, loaded, data_name)
    ahead_name = hashed(f"ahead/{site}", ".json", _json(ahead)) if ahead else None
    files[f"manifests/{site}.json"] = _json({
        "format": FORMAT_VERSION, "site": site, "frame": frame, "surveys": data_name,
        "collector": collector, "hint": compact(hint(surveys, settings=settings, site=loaded, data_id=data_name)),
        "ahead": ahead_name,
        # Where the bundle is served from, if the build was told: the collector takes answers
        # from the bundle's own pages (the frame, each survey's page) for every site.
        "base": base_url or None,
    })
    for survey in surveys:        # each survey's own page, for links and emails
        files[HOSTED_PATH.format(site=site, survey=survey.id) + "index.html"] = \
            hosted_page(site, survey.id, survey.name).encode()
    return files


def _quiet(step: str) -> None:
    pass


def build(surveys_dir: Path, out: Path, *, pyodide_dir: Path | None = None,
          base_url: str = "", collector: str | None = "/collect",
          progress: Callable[[str], None] = _quiet) -> BuildResult:
    """The bundle in ``out``; ``progress`` is told each step as it starts."""
    pyodide_dir = pyodide_dir or default_pyodide_dir()
    progress(f"reading the surveys in {surveys_dir}")
    folder = read_folder(surveys_dir)               # fail early, before the slow part
    survey_files = folder.files
    lock = check_pyodide(pyodide_dir)
    if any(folder.settings_of(site).extensions for site in {f.survey.site for f in survey_files}):
        progress("installing and checking the sites' extensions in Pyodide")
    try:            # the sites' extensions first: a broken one fails the build in seconds
        extensions = resolve_extensions(folder, surveys_dir, pyodide_dir)
    except ExtensionBuildError as e:
        raise BuildError(str(e)) from None
    progress("the Python zip: checking whether the runtime, its dependencies or Pyodide changed")
    python = python_zip(pyodide_dir, on_build=lambda: progress(
        "the Python zip: building it in Pyodide (about 40 s; later builds reuse it until the runtime changes)"))
    python_zip_data, listing = python.data, python.listing
    progress("the Python zip: " + ("reused, nothing it is made of changed" if python.reused else "built and cached"))
    try:            # what the extensions import, against what the zip holds
        check_imports(extensions, listing["stdlib"] + listing["stage"], LEFT_OUT, surveys_dir / SITES_FILE)
    except ExtensionBuildError as e:
        raise BuildError(str(e)) from None

    files: dict[str, bytes] = {}

    def hashed(stem: str, suffix: str, data: bytes) -> str:
        name = f"{stem}-{_hash(data)}{suffix}"
        files[name] = data
        return name

    pyodide_data = {n: (pyodide_dir / n).read_bytes() for n in PYODIDE_FILES}
    pyodide_dir_name = "pyodide-" + _hash(b"".join(_hash(pyodide_data[n]).encode() for n in PYODIDE_FILES))
    python_name = hashed("python", ".zip", python_zip_data)
    css_name = hashed("widget", ".css", (STATIC / "widget.css").read_bytes())
    worker = _fill((STATIC / "worker.mjs").read_text(), {
        "PYODIDE_INDEX": f"./{pyodide_dir_name}/", "PYTHON_ZIP": json.dumps(f"./{python_name}"),
        "LOCK": json.dumps(lock, sort_keys=True), "BOOT_TIMEOUT_MS": str(BOOT_TIMEOUT_MS),
        "SNAPSHOT_PAGES": inlined_js("snapshot_pages.js"), "PROTOCOL": protocol_js(),
    }, "worker.mjs")
    worker_name = hashed("worker", ".mjs", worker.encode())
    frame_js = _fill((STATIC / "frame.js").read_text(), {
        "WORKER_JS": json.dumps(f"./{worker_name}"), "PROTOCOL": protocol_js(),
        "PLAN_FILL": inlined_js("plan_fill.js")}, "frame.js")
    frame_js_name = hashed("frame", ".js", frame_js.encode())
    frame_html = _fill((STATIC / "frame.html").read_text(), {
        "WIDGET_CSS": css_name, "FRAME_JS": frame_js_name, "CSP": frame_csp(collector)}, "frame.html")
    frame_name = hashed("frame", ".html", frame_html.encode())
    loader = _fill((STATIC / "loader.js").read_text(), {
        "BASE_URL": json.dumps(base_url), "BOOT_TIMEOUT_MS": str(BOOT_TIMEOUT_MS + 10000),
        "LOADER_PROTOCOL": protocol_js(protocol.FOR_LOADER), "LOADER_LOGIC": inlined_js("loader_logic.js"),
    }, "loader.js")
    files["loader.js"] = minify_js(loader).encode()
    # The script of an in-app message (sondage/survey_pages.py): the worker without a frame.
    inapp = _fill((STATIC / "inapp.js").read_text(), {
        "WORKER_JS": json.dumps(f"./{worker_name}"), "PROTOCOL": protocol_js(),
        "PLAN_FILL": inlined_js("plan_fill.js")}, "inapp.js")
    files["inapp.js"] = minify_js(inapp, "inapp.js").encode()
    files["survey.schema.json"] = _json(survey_json_schema())
    python_lock = dict(python.lock)                                  # micropip.freeze() in Pyodide
    python_lock["packages"] = {**python_lock["packages"], **extensions.lock.get("packages", {})}
    files["python-lock.json"] = _json(python_lock)

    result = BuildResult(out=out, python_modules=len(listing["stdlib"]) + len(listing["stage"]))
    by_site: dict[str, list[SurveyFile]] = {}
    for f in survey_files:
        by_site.setdefault(f.survey.site, []).append(f)
    for site, site_files in sorted(by_site.items()):
        refs = [{"name": e.name, "version": e.version, "zip": "../" + hashed(f"ext/{e.name}", ".zip", e.zip),
                 "register": e.register, "templates": e.templates, "types": e.types, "forwarders": e.forwarders}
                for e in extensions.of_site(site)]
        files.update(site_files_of(site, [f.survey for f in site_files], folder.settings_of(site), refs,
                                   frame=frame_name, collector=collector, base_url=base_url))
        result.sites[site] = [f.survey.id for f in site_files]

    if out.exists():
        if any(out.iterdir()) and not (out / "loader.js").is_file():
            raise BuildError(f"{out}: not empty and not a Sondage bundle; refusing to overwrite")
        shutil.rmtree(out)
    out.mkdir(parents=True)
    progress(f"writing {len(files) + len(pyodide_data)} files to {out}")
    for name, data in files.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_bytes(data)
    (out / pyodide_dir_name).mkdir()
    for name, data in pyodide_data.items():
        (out / pyodide_dir_name / name).write_bytes(data)
    progress("compressing (brotli and gzip siblings; unchanged files come from the cache)")
    precompress(out)
    result.files = {p.relative_to(out).as_posix(): p.stat().st_size
                    for p in sorted(out.rglob("*")) if p.is_file()}
    return result
