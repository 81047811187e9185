"""Precompressed siblings (``x.br``, ``x.gz``) for a bundle's text and binary files.

Static hosts and CDNs serve these as they are (nginx ``brotli_static``/``gzip_static``,
``sondage serve``), so visitors get brotli-11 without the host compressing on the fly.
Brotli-11 of Pyodide's wasm takes a while, so results are cached by content hash.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

try:
    import brotli  # type: ignore[import-untyped]
except ImportError:  # gzip only
    brotli = None

COMPRESSIBLE = (".js", ".mjs", ".wasm", ".zip", ".json", ".html", ".css")
MIN_SIZE = 256


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "sondage" / "compressed"


def _decompress(data: bytes, kind: str) -> bytes:
    return brotli.decompress(data) if kind == "br" else gzip.decompress(data)


def _compressed(data: bytes, kind: str) -> bytes:
    key = hashlib.sha256(data).hexdigest()
    cached = cache_dir() / f"{key}.{kind}"
    if cached.is_file():
        hit = cached.read_bytes()
        try:
            if _decompress(hit, kind) == data:   # a damaged cache entry is never shipped
                return hit
        except Exception:  # any decoding error: compress again
            pass
    if kind == "br":
        out: bytes = brotli.compress(data, quality=11)
    else:
        out = gzip.compress(data, compresslevel=9, mtime=0)
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        # A temporary file of its own: threads and builds may compress the same bytes at once.
        with tempfile.NamedTemporaryFile(dir=cached.parent, prefix=f".{key}.", delete=False) as tmp:
            tmp.write(out)
        os.replace(tmp.name, cached)
    except OSError:
        pass   # no cache: still correct, only slower next time
    return out


def precompress(out: Path) -> None:
    """Write x.br and x.gz next to every compressible file of ``out`` worth it."""
    jobs = []
    for path in sorted(out.rglob("*")):
        if path.is_file() and path.suffix in COMPRESSIBLE and path.stat().st_size >= MIN_SIZE:
            data = path.read_bytes()
            for kind in (("br", "gz") if brotli is not None else ("gz",)):
                jobs.append((path, data, kind))

    def run(job: tuple[Path, bytes, str]) -> None:
        path, data, kind = job
        compressed = _compressed(data, kind)
        if len(compressed) < len(data):
            Path(f"{path}.{kind}").write_bytes(compressed)

    with ThreadPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1))) as pool:
        list(pool.map(run, jobs))
