"""The wheels `sondage build` installs with micropip inside the pinned Pyodide: micropip
itself, and the browser's own dependencies (jinja2, markupsafe) at exactly the versions
installed here (pinned in pyproject.toml: the build compiles the runtime's templates with
this jinja2, so the browser's must be the same).

``python -m sondage.build.wheels`` fetches them from PyPI into ``.cache/wheels`` (``make
install`` runs it). markupsafe publishes no pure-Python wheel: one is built from its sdist
with the C compiler turned off (``CC=false``), and markupsafe falls back to its own
pure-Python implementation, the one Pyodide needs.
"""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
import tempfile
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
WHEELS = Path(os.environ.get("SONDAGE_WHEELS", PROJECT / ".cache" / "wheels"))
MICROPIP_VERSION = "0.11.1"
MICROPIP = f"micropip-{MICROPIP_VERSION}-py3-none-any.whl"
BROWSER_DEPENDENCIES = ("jinja2", "markupsafe")
FETCH = "make install (python -m sondage.build.wheels)"


class WheelError(RuntimeError):
    pass


def browser_wheel(name: str) -> str:
    """The file name of a browser dependency's pure-Python wheel, at the version installed here."""
    try:
        version = importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        raise WheelError(f"the build needs the Python package {name!r} installed ({FETCH})") from None
    return f"{name}-{version}-py3-none-any.whl"


def wanted() -> list[str]:
    return [MICROPIP, *(browser_wheel(n) for n in BROWSER_DEPENDENCIES)]


def need(name: str, folder: Path | None = None) -> Path:
    """A wheel of ``.cache/wheels``, or the error that says how to fetch it."""
    path = (folder or WHEELS) / name
    if not path.is_file():
        raise WheelError(f"{path}: missing; {FETCH} fetches it from PyPI")
    return path


def _pip(*args: str, env: dict[str, str] | None = None) -> None:
    proc = subprocess.run([sys.executable, "-m", "pip", *args], capture_output=True, text=True, timeout=600,
                          env={**os.environ, **(env or {})})
    if proc.returncode != 0:
        raise WheelError(f"pip {' '.join(args)} failed:\n{(proc.stderr or proc.stdout)[-2000:]}")


def fetch(folder: Path = WHEELS) -> list[Path]:
    """Fetch what is missing: the pure wheels from PyPI, markupsafe's built from its sdist."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in wanted():
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
        need(name, folder)      # the name pip wrote must be the pure wheel's
    return [folder / n for n in wanted()]


if __name__ == "__main__":
    for path in fetch():
        print(path)
