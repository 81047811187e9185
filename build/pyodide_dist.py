"""Where the build finds the pinned Pyodide (the npm package ``pyodide``).

In order: ``--pyodide DIR``; ``$SONDAGE_PYODIDE_DIR``; ``node_modules/pyodide`` of a Sondage
checkout (``npm ci``) or of the current folder; else the user's cache, filled once by
``npm pack pyodide@<version>`` from the npm registry, with a message saying so. The build
runs Pyodide under Node anyway, so Node and npm are what it needs, never a CDN.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PYODIDE_VERSION = "314.0.7"
CHECKOUT_ROOT = Path(__file__).resolve().parent.parent


class PyodideNotFound(RuntimeError):
    pass


def cache_dir() -> Path:
    base = os.environ.get("SONDAGE_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache"), "sondage")
    return Path(base)


def candidates() -> list[Path]:
    found = [Path(p) for p in [os.environ.get("SONDAGE_PYODIDE_DIR")] if p]
    found += [CHECKOUT_ROOT / "node_modules" / "pyodide", Path.cwd() / "node_modules" / "pyodide",
              cache_dir() / f"pyodide-{PYODIDE_VERSION}"]
    return found


def _version_of(folder: Path) -> str | None:
    import json

    try:
        return str(json.loads((folder / "package.json").read_text())["version"])
    except (OSError, ValueError, KeyError):
        return None


def locate(explicit: Path | None = None, *, fetch: bool = True) -> Path:
    if explicit is not None:
        return explicit
    for folder in candidates():
        if _version_of(folder) == PYODIDE_VERSION:
            return folder
    if not fetch:
        raise PyodideNotFound(f"Pyodide {PYODIDE_VERSION} was not found in {', '.join(map(str, candidates()))}")
    return fetch_into_cache()


def fetch_into_cache() -> Path:
    """``npm pack pyodide@<version>`` into the cache, unpacked (once per machine)."""
    target = cache_dir() / f"pyodide-{PYODIDE_VERSION}"
    npm = shutil.which("npm")
    if npm is None:
        raise PyodideNotFound(
            f"the build needs Pyodide {PYODIDE_VERSION} (npm package pyodide) and Node.js with npm to "
            f"fetch and run it: install Node.js and npm, or pass --pyodide DIR")
    print(f"sondage build: fetching Pyodide {PYODIDE_VERSION} from the npm registry "
          f"(npm pack pyodide@{PYODIDE_VERSION}) into {target} (once)", file=sys.stderr)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".pyodide-") as tmp:
        proc = subprocess.run([npm, "pack", f"pyodide@{PYODIDE_VERSION}", "--pack-destination", tmp,
                               "--loglevel=error"], capture_output=True, text=True, timeout=600)
        tarballs = list(Path(tmp).glob("pyodide-*.tgz"))
        if proc.returncode != 0 or not tarballs:
            raise PyodideNotFound(f"npm pack pyodide@{PYODIDE_VERSION} failed: "
                                  f"{(proc.stderr or proc.stdout).strip()[-500:]}")
        with tarfile.open(tarballs[0]) as tar:
            tar.extractall(tmp, filter="data")
        unpacked = Path(tmp) / "package"
        if _version_of(unpacked) != PYODIDE_VERSION:
            raise PyodideNotFound(f"npm pack pyodide@{PYODIDE_VERSION} gave something else")
        if target.exists():
            shutil.rmtree(target)
        os.replace(unpacked, target)
    return target
