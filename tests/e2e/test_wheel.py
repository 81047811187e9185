"""Sondage as a site owner installs it: a wheel, a fresh virtual environment in an empty
folder, then `sondage build`, `sondage snippet` and `sondage serve` there, nothing of the
checkout in sight."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

from sondage.build.pyodide_dist import PYODIDE_VERSION

ROOT = Path(__file__).resolve().parents[2]
SURVEY = """id: hello
site: wheel-site
name: Hello
trigger: {event: hello}
questions:
  - {id: q, type: nps, prompt: "How likely?"}
"""


def run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: int = 600) -> str:
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"{' '.join(cmd)}:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout + proc.stderr


def test_the_pinned_pyodide_is_the_one_package_json_installs():
    pinned = json.loads((ROOT / "package.json").read_text())["dependencies"]["pyodide"]
    assert pinned == PYODIDE_VERSION


def test_wheel_installs_and_works_outside_the_checkout(tmp_path):
    # From a copy of the sources: setuptools' scratch folder is build/, which here is a package.
    source, wheels = tmp_path / "source", tmp_path / "wheels"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "node_modules", ".cache", "dist", "__pycache__", "*.egg-info", ".hypothesis"))
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(source)],
        source, dict(os.environ))
    [wheel] = wheels.glob("sondage-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for needed in ["sondage/static/loader.js", "sondage/static/loader_logic.js", "sondage/static/worker.mjs",
                   "sondage/build/pyodide_tool.mjs", "sondage/build/exercise.py",
                   "sondage/runtime/templates/widget.html"]:
        assert needed in names, needed

    site = tmp_path / "site"       # an empty folder: no checkout, no node_modules
    (site / "surveys").mkdir(parents=True)
    (site / "surveys" / "hello.yaml").write_text(SURVEY)
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", str(venv)], site, dict(os.environ))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHON"))}
    # Pyodide comes from the npm registry, by name and version, into a cache kept between runs.
    env["SONDAGE_CACHE_DIR"] = str(ROOT / ".cache" / "wheel-test")
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env['PATH']}"
    run([str(venv / "bin" / "pip"), "install", "-q", f"{wheel}[serve]"], site, env)
    sondage = str(venv / "bin" / "sondage")

    out = run([sondage, "build", "--surveys", "surveys", "--out", "dist"], site, env)
    assert "site wheel-site: 1 survey(s): hello" in out
    assert (site / "dist" / "loader.js").is_file() and (site / "dist" / "manifests" / "wheel-site.json").is_file()
    assert not (site / "node_modules").exists()
    if not (ROOT / ".cache" / "wheel-test" / f"pyodide-{PYODIDE_VERSION}").is_dir():
        raise AssertionError("the build did not use the cached Pyodide")

    snippet = run([sondage, "snippet", "--api-key", "wheel-site", "--base-url", "https://cdn.example/s/"],
                  site, env)
    assert '"apiKey": "wheel-site"' in snippet and "https://cdn.example/s/loader.js" in snippet

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = site / "serve.log"
    with log.open("w") as out_file:
        server = subprocess.Popen([sondage, "serve", "--bundle", "dist", "--port", str(port), "--db", "a.db"],
                                  cwd=site, env=env, stdout=out_file, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/manifests/wheel-site.json", timeout=5) as r:
                    manifest = json.loads(r.read())
                break
            except OSError:
                assert server.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "sondage serve did not answer"
                time.sleep(0.2)   # polling for the port, bounded by the deadline
        assert manifest["site"] == "wheel-site"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/loader.js", timeout=5) as r:
            assert b"__" not in r.read()[:200] and r.status == 200
    finally:
        server.terminate()
        server.wait(timeout=10)
    shutil.rmtree(venv)
