"""`sondage serve`: the bundle and the collector on one origin, the demo site on another.

Bundle files are served as a CDN should serve them: the right MIME types (``.wasm`` as
``application/wasm``), CORS, compression (brotli or gzip, by Accept-Encoding), long
immutable caching for hashed names and a short, revalidated one for the loader and the
manifests.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import mimetypes
import re
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jinja2

from .collector import CollectorError, parse_body
from .snippet import snippet
from .store import Store

try:
    import brotli  # type: ignore[import-untyped]
except ImportError:  # optional: gzip only
    brotli = None

TYPES = {".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8",
         ".wasm": "application/wasm", ".zip": "application/zip",
         ".json": "application/json; charset=utf-8", ".html": "text/html; charset=utf-8",
         ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}
COMPRESSIBLE = {".js", ".mjs", ".wasm", ".zip", ".json", ".html", ".css", ".svg", ".txt"}
HASHED = re.compile(r"-[0-9a-f]{12}(?:\.[a-z]+$|/)")
IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=60, must-revalidate"
SNIPPET_MARK = re.compile(r"<!-- sondage:snippet(?: key=([A-Za-z0-9._-]+))? -->")

RESPONSES_PAGE = jinja2.Environment(autoescape=True).from_string("""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sondage responses</title>
<style>body{font:15px system-ui,sans-serif;margin:2rem;color:#1f2330}
table{border-collapse:collapse}td,th{border:1px solid #ccd;padding:4px 8px;text-align:left}
th{background:#f3f4f6}.preview{color:#9a3412}</style></head>
<body><h1>Responses</h1>
<p>{{ records|length }} answer{{ '' if records|length == 1 else 's' }} stored in
<code>{{ db }}</code>. JSON: <a href="responses.json">responses.json</a></p>
<table id="responses"><thead><tr><th>answered at</th><th>site</th><th>survey</th>
<th>question</th><th>response</th><th>user</th><th></th></tr></thead><tbody>
{% for r in records %}<tr data-survey="{{ r.survey_id }}" data-question="{{ r.question_id }}">
<td>{{ r.answered_at }}</td><td>{{ r.site }}</td><td>{{ r.survey_name }}</td>
<td>{{ r.question }}</td><td class="response">{{ r.response }}</td>
<td>{{ r.user.external_id if r.user.external_id is defined else '' }}</td>
<td>{% if r.preview %}<span class="preview">preview</span>{% endif %}</td></tr>
{% endfor %}</tbody></table></body></html>
""")


@dataclass
class _Cached:
    body: bytes
    etag: str


class _Files:
    """Files of a folder with their compressed forms, computed once per file version."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._cache: dict[tuple[str, int, int, str], _Cached] = {}
        self._lock = threading.Lock()

    def find(self, url_path: str) -> Path | None:
        rel = url_path.lstrip("/") or "index.html"
        path = (self.root / rel).resolve()
        if not path.is_relative_to(self.root):
            return None
        if path.is_dir():
            path = path / "index.html"
        return path if path.is_file() else None

    def get(self, path: Path, encoding: str, transform: Any = None) -> _Cached:
        if encoding and transform is None:
            sibling = path.with_name(f"{path.name}.{'br' if encoding == 'br' else 'gz'}")
            if sibling.is_file():          # precompressed by `sondage build`
                return self._read(sibling, encoding, path)
        st = path.stat()
        key = (str(path), st.st_mtime_ns, st.st_size, encoding)
        with self._lock:
            hit = self._cache.get(key)
        if hit is not None:
            return hit
        data = path.read_bytes()
        if transform is not None:
            data = transform(data)
        tag = hashlib.sha256(data).hexdigest()[:20]
        if encoding == "br":
            data = brotli.compress(data, quality=11 if len(data) < 512 * 1024 else 5)
        elif encoding == "gzip":
            data = gzip.compress(data, compresslevel=6, mtime=0)
        entry = _Cached(data, f'"{tag}-{encoding or "id"}"')
        with self._lock:
            self._cache[key] = entry
        return entry


    def _read(self, sibling: Path, encoding: str, original: Path) -> _Cached:
        st = sibling.stat()
        key = (str(sibling), st.st_mtime_ns, st.st_size, encoding)
        with self._lock:
            hit = self._cache.get(key)
        if hit is None:
            tag = hashlib.sha256(original.read_bytes()).hexdigest()[:20]
            hit = _Cached(sibling.read_bytes(), f'"{tag}-{encoding}"')
            with self._lock:
                self._cache[key] = hit
        return hit


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)

    # -- plumbing ------------------------------------------------------------------
    def _send(self, status: int, body: bytes, content_type: str,
              headers: dict[str, str] | None = None) -> None:
        self.server.note(self.path, status, len(body))
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(data).encode(), "application/json; charset=utf-8", headers)

    def _encoding(self, suffix: str) -> str:
        if suffix not in COMPRESSIBLE:
            return ""
        accepted = {p.split(";")[0].strip() for p in self.headers.get("Accept-Encoding", "").split(",")}
        if brotli is not None and "br" in accepted:
            return "br"
        return "gzip" if "gzip" in accepted else ""

    def _file(self, files: _Files, url_path: str, extra: dict[str, str],
              cache: str, transform: Any = None) -> None:
        path = files.find(url_path)
        if path is None:
            self._send(404, b"not found\n", "text/plain; charset=utf-8", extra)
            return
        encoding = self._encoding(path.suffix)
        entry = files.get(path, encoding, transform)
        headers = {**extra, "Cache-Control": cache, "ETag": entry.etag, "Vary": "Accept-Encoding"}
        if encoding:
            headers["Content-Encoding"] = encoding
        if self.headers.get("If-None-Match") == entry.etag:
            self.server.note(self.path, 304, 0)
            self.send_response(304)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        ctype = TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        self._send(200, entry.body, ctype, headers)

    # -- methods -------------------------------------------------------------------
    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        self.server.app.get(self)

    def do_POST(self) -> None:
        self.server.app.post(self)

    def do_OPTIONS(self) -> None:
        self._send(204, b"", "text/plain", {
            "Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "POST, GET",
            "Access-Control-Allow-Headers": "content-type", "Access-Control-Max-Age": "86400"})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], app: Any, verbose: bool) -> None:
        self.app = app
        self.verbose = verbose
        self.listeners: list[Any] = []   # called with (path, status, body bytes) per response
        super().__init__(address, _Handler)

    def note(self, path: str, status: int, size: int) -> None:
        for listener in self.listeners:
            listener(path, status, size)


CORS = {"Access-Control-Allow-Origin": "*", "Cross-Origin-Resource-Policy": "cross-origin"}


class RuntimeApp:
    """The runtime origin: bundle files and the collector."""

    def __init__(self, bundle: Path, store: Store) -> None:
        if not (bundle / "loader.js").is_file():
            raise FileNotFoundError(f"{bundle}: no Sondage bundle here (run `sondage build`)")
        self.files = _Files(bundle)
        self.store = store

    def get(self, h: _Handler) -> None:
        url = urlsplit(h.path)
        if url.path == "/responses.json":
            query = parse_qs(url.query)
            try:
                limit = int(query.get("limit", ["200"])[0])
            except ValueError:
                h._json(400, {"error": "limit: must be a whole number"}, CORS)
                return
            records = self.store.list(site=query.get("site", [None])[0], limit=limit)
            h._json(200, {"records": records}, {**CORS, "Cache-Control": "no-store"})
        elif url.path == "/responses":
            page = RESPONSES_PAGE.render(records=self.store.list(limit=500), db=self.store.path)
            h._send(200, page.encode(), "text/html; charset=utf-8", {"Cache-Control": "no-store"})
        else:
            cache = IMMUTABLE if HASHED.search(url.path) else SHORT
            h._file(self.files, url.path, CORS, cache)

    def post(self, h: _Handler) -> None:
        if urlsplit(h.path).path != "/collect":
            h._json(404, {"error": "not found"}, CORS)
            return
        try:
            length = int(h.headers.get("Content-Length", "-1"))
        except ValueError:
            length = -1
        if length < 0:
            h._json(411, {"error": "Content-Length is required"}, CORS)
            return
        if length > 256 * 1024:
            h._json(413, {"error": "body is too large"}, {**CORS, "Connection": "close"})
            return
        try:
            records = parse_body(h.rfile.read(length))
        except CollectorError as e:
            h._json(400, {"error": str(e)}, CORS)
            return
        stored, duplicates = self.store.add(records)
        h._json(200, {"stored": stored, "duplicates": duplicates}, CORS)


class SiteApp:
    """The host origin of the demo: a shop page with the snippet pasted in."""

    def __init__(self, site: Path, api_key: str, runtime_url: str) -> None:
        self.files = _Files(site)
        self.api_key = api_key
        self.runtime_url = runtime_url

    def _inject(self, data: bytes) -> bytes:
        """Paste the snippet where a page says ``<!-- sondage:snippet [key=K] -->``."""
        text = SNIPPET_MARK.sub(lambda m: snippet(m.group(1) or self.api_key, self.runtime_url),
                                data.decode("utf-8"))
        return text.replace("%%RUNTIME_URL%%", self.runtime_url).encode("utf-8")

    def get(self, h: _Handler) -> None:
        path = urlsplit(h.path).path
        transform = self._inject if path.endswith((".html", "/")) else None
        h._file(self.files, path, {}, "no-cache", transform)

    def post(self, h: _Handler) -> None:
        h._json(405, {"error": "the demo site takes no POST"})


def serve_site(folder: Path, api_key: str, runtime_url: str, *, host: str = "127.0.0.1",
               port: int = 8000, verbose: bool = False) -> tuple[_Server, str]:
    """Serve a host site (a folder of pages with the snippet pasted in) in a background thread."""
    server = _Server((host, port), SiteApp(folder, api_key, runtime_url), verbose)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://{host}:{server.server_address[1]}/"


@dataclass
class Running:
    runtime_url: str
    site_url: str | None
    servers: list[_Server]
    store: Store

    def stop(self) -> None:
        for s in self.servers:
            s.shutdown()
            s.server_close()
        self.store.close()


def start(bundle: Path, *, host: str = "127.0.0.1", port: int = 8001, db: Path | str = "sondage.db",
          demo: Path | None = None, demo_port: int = 8000, demo_api_key: str = "demo-site-key",
          runtime_host: str = "localhost", verbose: bool = False) -> Running:
    """Start serving in background threads (port 0 picks a free port)."""
    store = Store(db)
    runtime = _Server((host, port), RuntimeApp(bundle, store), verbose)
    threading.Thread(target=runtime.serve_forever, daemon=True).start()
    runtime_url = f"http://{runtime_host}:{runtime.server_address[1]}/"
    servers = [runtime]
    site_url = None
    if demo is not None:
        site, site_url = serve_site(demo, demo_api_key, runtime_url, host=host, port=demo_port,
                                    verbose=verbose)
        servers.append(site)
    return Running(runtime_url, site_url, servers, store)
