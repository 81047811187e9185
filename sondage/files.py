"""Serving a folder of files as a CDN should: the right MIME types (``.wasm`` as
``application/wasm``), compression by ``Accept-Encoding`` (the build's precompressed
``.br``/``.gz`` siblings when present), ETags, and long immutable caching for hashed names
with a short, revalidated one for the rest. Used by the runtime origin (ASGI) and the demo
site alike.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

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


@dataclass
class Cached:
    body: bytes
    etag: str


@dataclass
class Reply:
    status: int
    body: bytes
    headers: dict[str, str]


def content_type(path: Path) -> str:
    return TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def pick_encoding(suffix: str, accept_encoding: str) -> str:
    if suffix not in COMPRESSIBLE:
        return ""
    accepted = {p.split(";")[0].strip() for p in accept_encoding.split(",")}
    if brotli is not None and "br" in accepted:
        return "br"
    return "gzip" if "gzip" in accepted else ""


def cache_control(url_path: str) -> str:
    return IMMUTABLE if HASHED.search(url_path) else SHORT


class Files:
    """Files of a folder with their compressed forms, computed once per file version."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._cache: dict[tuple[str, int, int, str], Cached] = {}
        self._lock = threading.Lock()

    def find(self, url_path: str) -> Path | None:
        rel = url_path.lstrip("/") or "index.html"
        path = (self.root / rel).resolve()
        if not path.is_relative_to(self.root):
            return None
        if path.is_dir():
            path = path / "index.html"
        return path if path.is_file() else None

    def get(self, path: Path, encoding: str, transform: Callable[[bytes], bytes] | None = None) -> Cached:
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
        entry = Cached(data, f'"{tag}-{encoding or "id"}"')
        with self._lock:
            self._cache[key] = entry
        return entry

    def _read(self, sibling: Path, encoding: str, original: Path) -> Cached:
        st = sibling.stat()
        key = (str(sibling), st.st_mtime_ns, st.st_size, encoding)
        with self._lock:
            hit = self._cache.get(key)
        if hit is None:
            tag = hashlib.sha256(original.read_bytes()).hexdigest()[:20]
            hit = Cached(sibling.read_bytes(), f'"{tag}-{encoding}"')
            with self._lock:
                self._cache[key] = hit
        return hit

    def reply(self, url_path: str, *, accept_encoding: str, if_none_match: str | None, extra: dict[str, str],
              cache: str, transform: Callable[[bytes], bytes] | None = None) -> Reply:
        """The whole answer to a GET of ``url_path``: 200, 304 or 404, with its headers."""
        path = self.find(url_path)
        if path is None:
            return Reply(404, b"not found\n", {**extra, "Content-Type": "text/plain; charset=utf-8"})
        encoding = pick_encoding(path.suffix, accept_encoding)
        entry = self.get(path, encoding, transform)
        headers = {**extra, "Cache-Control": cache, "ETag": entry.etag, "Vary": "Accept-Encoding",
                   "X-Content-Type-Options": "nosniff"}
        if encoding:
            headers["Content-Encoding"] = encoding
        if if_none_match == entry.etag:
            return Reply(304, b"", headers)
        return Reply(200, entry.body, {**headers, "Content-Type": content_type(path)})
