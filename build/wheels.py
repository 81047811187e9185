"""The wheels `sondage build` installs with micropip inside the pinned Pyodide: micropip
itself, and the browser's own dependencies (jinja2, markupsafe) at exactly the versions
installed here (pinned in pyproject.toml: the build compiles the runtime's templates with
this jinja2, so the browser's must be the same).

They live in ``.cache/wheels`` of a checkout (``make install`` runs ``python -m
build.wheels``), else in Sondage's cache folder (``$SONDAGE_CACHE_DIR``, or
``~/.cache/sondage``, beside the Pyodide the build fetches), or in ``$SONDAGE_WHEELS``. One
that is missing is fetched from the package index pip is configured with, once.
markupsafe publishes no pure-Python wheel: one is built from its sdist with the C compiler
turned off (``CC=false``), and markupsafe falls back to its own pure-Python implementation,
the one Pyodide needs.
"""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from .pyodide_dist import cache_dir

PROJECT = Path(__file__).resolve().parent.parent


def _default_folder() -> Path:
    if os.environ.get("SONDAGE_WHEELS"):
        return Path(os.environ["SONDAGE_WHEELS"])
    if (PROJECT / "pyproject.toml").is_file() and (PROJECT / "build" / "wheels.py").is_file():
        return PROJECT / ".cache" / "wheels"        # a checkout
    return cache_dir() / "wheels"                   # installed from the wheel


WHEELS = _default_folder()
MICROPIP_VERSION = "0.11.1"
MICROPIP = f"micropip-{MICROPIP_VERSION}-py3-none-any.whl"
BROWSER_DEPENDENCIES = ("jinja2", "markupsafe")


class WheelError(RuntimeError):
    pass


def browser_wheel(name: str) -> str:
    """The file name of a browser dependency's pure-Python wheel, at the version installed here."""
    try:
        version = importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        raise WheelError(f"the build needs the Python package {name!r} installed (pip install sondage)") from None
    return f"{name}-{version}-py3-none-any.whl"


def wanted() -> list[str]:
    return [MICROPIP, *(browser_wheel(n) for n in BROWSER_DEPENDENCIES)]


def need(name: str) -> Path:
    """One of the wheels, fetched first if it is missing (once); or the error that says why
    it could not be."""
    path = WHEELS / name
    if not path.is_file():
        print(f"sondage build: fetching {name} from the package index into {WHEELS} (once)", file=sys.stderr)
        try:
            fetch(WHEELS, [name])
        except WheelError as e:
            raise WheelError(f"{path}: missing, and fetching it from the package index failed: {e}") from None
    return path


def _pip(*args: str, env: dict[str, str] | None = None) -> None:
    proc = subprocess.run([sys.executable, "-m", "pip", *args], capture_output=True, text=True, timeout=600,
                          env={**os.environ, **(env or {})})
    if proc.returncode != 0:
        raise WheelError(f"pip {' '.join(args)} failed:\n{(proc.stderr or proc.stdout)[-2000:]}")


def fetch(folder: Path | None = None, names: list[str] | None = None) -> list[Path]:
    """Fetch what is missing: the pure wheels from PyPI, markupsafe's built from its sdist."""
    folder = folder or WHEELS
    folder.mkdir(parents=True, exist_ok=True)
    for name in names or wanted():
        if (folder / name).is_file():
            continue
        dist, version = name.split("-")[:2]
        if dist == "markupsafe":
            with tempfile.TemporaryDirectory(prefix="sondage-sdist-") as tmp:
                _pip("download", "-q", "--no-deps", "--no-binary", ":all:", "-d", tmp, f"{dist}=={version}")
                [sdist] = Path(tmp).glob("*.tar.gz")
                # No C compiler: its setup.py falls back to the pure-Python package.
                _pip("wheel", "-q", "--no-deps", "--no-build-isolation", "--no-index", "-w", str(folder), str(sdist),
                     env={"CC": "false"})
        else:
            _pip("download", "-q", "--no-deps", "--only-binary=:all:", "--platform", "any", "--python-version",
                 "3.14", "-d", str(folder), f"{dist}=={version}")
        if not (folder / name).is_file():      # the name pip wrote must be the pure wheel's
            raise WheelError(f"pip did not write {name} (got: {', '.join(p.name for p in folder.glob('*.whl'))})")
    return [folder / n for n in names or wanted()]


if __name__ == "__main__":
    for path in fetch():
        print(path)
