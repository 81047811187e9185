"""Sondage as a site owner installs it: a wheel built from a clean copy of the sources (which
the build leaves exactly as it was), a fresh virtual environment in an empty folder, then
`sondage build`, `sondage snippet` and `sondage serve` there, nothing of the checkout in
sight, and the dashboard's charts drawn from what the wheel ships. And as a developer installs
it: `pip install -e`, with the wheel's import paths."""

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

from playwright.sync_api import expect

from build.pyodide_dist import PYODIDE_VERSION
from devtools.seed import showings
from sondage.catalogue import Catalogue

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


def test_the_dashboards_chart_libraries_are_the_ones_package_json_installs():
    """static/vendor/ (what the wheel ships) holds exactly vega's and vega-lite's files of
    the versions package.json pins: bump one, copy its build/*.min.js there."""
    pinned = json.loads((ROOT / "package.json").read_text())["dependencies"]
    for package in ("vega", "vega-lite"):
        installed = json.loads((ROOT / "node_modules" / package / "package.json").read_text())["version"]
        assert installed == pinned[package], f"run `make install`: node_modules has {package} {installed}"
        shipped = (ROOT / "static" / "vendor" / f"{package}.min.js").read_bytes()
        assert shipped == (ROOT / "node_modules" / package / "build" / f"{package}.min.js").read_bytes(), \
            f"static/vendor/{package}.min.js is not {package} {pinned[package]}'s: copy it from node_modules"


def clean_copy(dest: Path) -> None:
    """The sources as a fresh clone has them (tracked and new files, nothing .gitignore'd),
    committed in a repository of their own so that `git status` shows anything added."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        if (ROOT / name).is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, dest / name)
    git = ["git", "-c", "user.name=test", "-c", "user.email=test@example.invalid", "-c", "init.defaultBranch=main"]
    for step in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "sources"]):
        subprocess.run([*git, *step], cwd=dest, check=True, capture_output=True)


def untouched(source: Path) -> str:
    """What git sees changed, new or ignored in the copy: '' when a build left it as it was."""
    return subprocess.run(["git", "status", "--porcelain", "--ignored"], cwd=source, capture_output=True,
                          text=True, check=True).stdout


def test_wheel_installs_and_works_outside_the_checkout(tmp_path, browser):
    source, wheels = tmp_path / "source", tmp_path / "wheels"
    clean_copy(source)
    log = run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-v", "-w", str(wheels), "."],
              source, dict(os.environ))
    # The build writes nothing into the sources (build/ is our package build, not a
    # scratch folder), and leaves out nothing it warns about.
    assert untouched(source) == "", untouched(source)
    assert "would be ignored" not in log, log
    [wheel] = wheels.glob("sondage-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    # The checkout's folders as they are: an import path is a folder.
    for needed in ["static/loader.js", "static/loader_logic.js", "static/worker.mjs",
                   "static/charts.js", "static/vendor/vega.min.js",
                   "static/vendor/vega-lite.min.js", "build/pyodide_tool.mjs",
                   "build/exercise.py", "runtime/templates/widget.html", "runtime/embed.py",
                   "sondage/templates/dashboard.html", "sondage/migrations/versions/0001_responses.py"]:
        assert needed in names, needed
    assert not [n for n in names if n.startswith(("sondage/runtime/", "sondage/build/", "sondage/static/",
                                                  "tests/", "bench/", "devtools/", "static/tsconfig"))]

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
    serve_log = site / "serve.log"
    env["SONDAGE_ADMIN_TOKEN"] = "wheel-admin"
    with serve_log.open("w") as out_file:
        server = subprocess.Popen([sondage, "serve", "--bundle", "dist", "--port", str(port), "--db", "a.db"],
                                  cwd=site, env=env, stdout=out_file, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base}manifests/wheel-site.json", timeout=5) as r:
                    manifest = json.loads(r.read())
                break
            except OSError:
                assert server.poll() is None, serve_log.read_text()
                assert time.monotonic() < deadline, "sondage serve did not answer"
                time.sleep(0.2)   # polling for the port, bounded by the deadline
        assert manifest["site"] == "wheel-site"
        with urllib.request.urlopen(f"{base}loader.js", timeout=5) as r:
            assert b"__" not in r.read()[:200] and r.status == 200

        # The dashboard, from the installed package alone: its script and the chart library.
        for name, shipped in [("charts.js", "charts.js"), ("vega.min.js", "vendor/vega.min.js"),
                              ("vega-lite.min.js", "vendor/vega-lite.min.js")]:
            with urllib.request.urlopen(f"{base}_sondage/{name}", timeout=5) as r:
                assert r.status == 200 and r.read() == (ROOT / "static" / shipped).read_bytes(), name
        records = showings(Catalogue.from_bundle(site / "dist").sites["wheel-site"], 12, seed=5)
        request = urllib.request.Request(f"{base}collect", data=json.dumps({"records": records}).encode(),
                                         headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(request, timeout=10) as r:
            assert len(json.loads(r.read())["stored"]) == len(records)
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{base}dashboard?token=wheel-admin&site=wheel-site")
        charts = page.locator("figure[data-chart]")
        expect(charts.first).to_have_attribute("data-drawn", "1", timeout=20000)
        expect(charts.first.locator("svg g.role-mark").first).to_be_attached()
        assert page.locator("figure[data-drawn=failed]").count() == 0 and not errors, errors
        page.close()
    finally:
        server.terminate()
        server.wait(timeout=10)

    # A developer's install of the same sources: the wheel's import paths, read from the
    # folders (runtime is runtime/, ...), nothing else of the checkout importable (not
    # tests/, bench/ or devtools/), and nothing written into them either.
    run([str(venv / "bin" / "pip"), "uninstall", "-q", "-y", "sondage"], site, env)
    # (its dependencies are there from the wheel; the editable install adds hatchling's
    # import hook, the package editables)
    run([str(venv / "bin" / "pip"), "install", "-q", "-e", str(source)], site, env)
    probe = ("import importlib.util, json, runtime.embed, build.bundle\n"
             "print(json.dumps({'embed': runtime.embed.__file__, 'static': str(build.bundle.STATIC),"
             " 'strays': [n for n in ('tests', 'bench', 'devtools', 'docs') if importlib.util.find_spec(n)]}))")
    found = json.loads(run([str(venv / "bin" / "python"), "-c", probe], site, env))
    assert found == {"embed": str(source / "runtime" / "embed.py"), "static": str(source / "static"), "strays": []}
    written = [line for line in untouched(source).splitlines() if not line.endswith("__pycache__/")]
    assert written == []                 # only the bytecode Python caches beside what it imports
    shutil.rmtree(venv)
