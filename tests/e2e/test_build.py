"""`sondage build` with the real pinned Pyodide under Node."""

from __future__ import annotations

import gzip
import json
import re
import shutil
import zipfile
from pathlib import Path

import brotli

from build.bundle import build
from sondage.cli import main

ROOT_WHEELS = Path(__file__).resolve().parents[2] / ".cache" / "wheels"


def files_of(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_same_inputs_give_the_same_bytes(bundle, survey_dir, runtime_port, tmp_path, monkeypatch):
    # The Python zip made again in Pyodide (not taken from the cache): the same bytes.
    from build import python_bundle
    monkeypatch.setattr(python_bundle, "cache_folder", lambda: tmp_path / "python-cache")
    steps: list[str] = []
    again = build(survey_dir, tmp_path / "again", base_url=f"http://localhost:{runtime_port}/", progress=steps.append)
    assert "the Python zip: built and cached" in steps
    assert files_of(again.out) == files_of(bundle.out)


def test_a_build_after_an_edit_of_the_surveys_reuses_the_python_zip_and_says_each_step(
        bundle, survey_dir, runtime_port, tmp_path, capsys):
    surveys = tmp_path / "surveys"
    shutil.copytree(survey_dir, surveys)
    edited = surveys / "e2e-cool.yaml"
    edited.write_text(edited.read_text().replace("name: ", "name: Edited ", 1))
    assert main(["build", "--surveys", str(surveys), "--out", str(tmp_path / "dist"),
                 "--base-url", f"http://localhost:{runtime_port}/"]) == 0
    said = capsys.readouterr()
    steps = [line.split("] ", 1)[1] for line in said.err.splitlines()]
    assert steps[0] == f"reading the surveys in {surveys}"
    assert "the Python zip: reused, nothing it is made of changed" in steps
    assert not [s for s in steps if "building it in Pyodide" in s]
    assert steps[-1].startswith("compressing")
    again, before = files_of(tmp_path / "dist"), files_of(bundle.out)
    python = next(n for n in before if n.startswith("python-") and n.endswith(".zip"))
    assert again[python] == before[python]                      # the same zip, by name and bytes
    assert again != before                                      # and the edited survey's data is new


def test_bundle_layout(bundle):
    files = files_of(bundle.out)
    names = set(files)
    assert {"loader.js", "inapp.js", "survey.schema.json", "manifests/demo-site-key.json",
            "manifests/e2e-site.json"} <= names
    hashed = re.compile(r"^(frame-[0-9a-f]{12}\.(html|js)|widget-[0-9a-f]{12}\.css|worker-[0-9a-f]{12}\.mjs|"
                        r"python-[0-9a-f]{12}\.zip|(sites|ahead)/[\w.-]+-[0-9a-f]{12}\.json|"
                        r"pyodide-[0-9a-f]{12}/pyodide(\.asm)?\.(mjs|wasm))$")
    # inapp.js: an in-app message's script, at a stable address (the pasted code names it).
    unhashed = {"loader.js", "inapp.js", "survey.schema.json", "python-lock.json"}
    unhashed |= {n for n in names if re.fullmatch(r"manifests/[\w.-]+\.json", n)}
    # Each survey's own page (for links and emails), at a stable address.
    hosted = {n for n in names if re.fullmatch(r"s/[\w.-]+/[\w.-]+/index\.html", n)}
    assert "s/e2e-site/e2e-nps/index.html" in hosted
    unhashed |= hosted
    # Precompressed siblings: brotli-11 and gzip of the same bytes.
    for name in [n for n in names if n.endswith((".br", ".gz"))]:
        original = name[:-3]
        assert original in names, name
        raw = brotli.decompress(files[name]) if name.endswith(".br") else gzip.decompress(files[name])
        assert raw == files[original], name
    assert "pyodide-" in "".join(n for n in names if n.endswith("pyodide.asm.wasm.br"))
    names = {n for n in names if not n.endswith((".br", ".gz"))}
    others = names - unhashed
    assert all(hashed.match(n) for n in others), sorted(n for n in others if not hashed.match(n))
    for name, data in files.items():
        if name.endswith((".js", ".mjs", ".html")):
            assert b"%%" not in data, name
    manifest = json.loads(files["manifests/e2e-site.json"])
    # What the loader reads as absent (no page view, scroll, exit intent, wait) is left out.
    assert manifest["hint"] == {"events": ["checkout-done"], "event_surveys": {"checkout-done": "e2e-nps"}}
    # The survey an event shows ahead carries the plan of showing it to a new visitor.
    ahead = json.loads(files[manifest["ahead"]])
    plan = ahead["e2e-nps"]["plan"]
    assert plan["survey"] == "e2e-nps" and plan["data"] == manifest["surveys"]
    assert plan["covers"] == [{"type": "command", "name": "event", "args": ["checkout-done"]}]
    assert set(plan["requires"].values()) == {None}             # a new visitor: no history, no id
    assert json.loads(files[manifest["surveys"]])["status"] is None     # no survey of it has a response limit
    # Scheduled surveys: the windows the loader keeps to; a limited one: where its count is.
    when = json.loads(files["manifests/e2e-when.json"])
    assert when["hint"]["event_windows"] == {"not-yet": [4070908800.0, 0.0], "open-now": [1577836800.0, 4070901600.0],
                                             "too-late": [0.0, 1577836800.0]}
    limited = json.loads(files["manifests/e2e-limit.json"])["surveys"]
    assert json.loads(files[limited])["status"] == "/status/e2e-limit.json"
    # The first step of each survey an event surely shows, fetched only when that event fires.
    ahead = json.loads(files[manifest["ahead"]])
    assert list(ahead) == ["e2e-nps"] and "How likely are you to recommend" in ahead["e2e-nps"]["html"]
    rules = json.loads(files["manifests/e2e-rules.json"])["hint"]
    assert (rules["page_view"], rules["scroll"], rules["exit_intent"]) == (True, [80], True)
    welcome = json.loads(files["manifests/e2e-welcome.json"])["hint"]["page_view_survey"]
    assert welcome["id"] == "e2e-welcome" and "Is this your first visit?" in welcome["html"]
    assert manifest["frame"] in names and manifest["surveys"] in names
    # The Python zip: bytecode only (the templates come compiled), STORED, with the runtime
    # and its deps.
    python = next(n for n in names if n.startswith("python-") and n.endswith(".zip"))
    with zipfile.ZipFile(bundle.out / python) as z:
        entries = z.namelist()
        assert all(i.compress_type == zipfile.ZIP_STORED for i in z.infolist())
    assert not [e for e in entries if e.endswith((".py", ".html"))]
    for needed in ("runtime/embed.pyc", "runtime/browser.pyc", "jinja2/environment.pyc",
                   "markupsafe/_native.pyc", "runtime/_compiled_templates/_tmpl_widget_html.pyc",
                   "json/__init__.pyc",
                   "encodings/cp437.pyc", "_pyodide/__init__.pyc"):
        assert needed in entries, needed
    assert not [e for e in entries if "_speedups" in e]
    # jinja2 and markupsafe: installed by micropip in Pyodide from the pinned wheels, and locked.
    import hashlib

    from build import wheels
    lock = json.loads(files["python-lock.json"])
    assert {p["name"]: p["version"] for p in lock["packages"].values()} == {"Jinja2": "3.1.6", "MarkupSafe": "3.0.3"}
    for dist in ("jinja2", "markupsafe"):
        wheel = wheels.need(wheels.browser_wheel(dist))
        assert lock["packages"][dist]["sha256"] == hashlib.sha256(wheel.read_bytes()).hexdigest()
    # Left-out modules ship as small stubs, and what only they imported is gone.
    from build.python_bundle import LEFT_OUT
    with zipfile.ZipFile(bundle.out / python) as z:
        for name in LEFT_OUT:
            for arc in (name.replace(".", "/") + ".pyc", name.replace(".", "/") + "/__init__.pyc"):
                if arc in entries:
                    assert z.getinfo(arc).file_size < 2000, arc
    assert "pickle.pyc" not in entries and "jinja2/bccache.pyc" in entries
    # What a page view with no survey downloads: the loader and a manifest, as sent (brotli;
    # budget: 6 KB).
    assert len(files["loader.js.br"]) + len(files["manifests/e2e-site.json.br"]) < 6 * 1024


def test_a_missing_browser_wheel_is_fetched_once_and_a_failed_fetch_says_why(tmp_path, monkeypatch):
    import pytest

    from build import python_bundle, wheels
    from build.bundle import default_pyodide_dir

    # The package index pip is configured with: here a local one holding the checkout's wheels.
    monkeypatch.setattr(wheels, "WHEELS", tmp_path / "wheels")
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(ROOT_WHEELS))
    fetched = wheels.need(wheels.MICROPIP)
    assert fetched == tmp_path / "wheels" / wheels.MICROPIP and fetched.read_bytes() == \
        (ROOT_WHEELS / wheels.MICROPIP).read_bytes()
    # An index without them: the build fails, naming the wheel and pip's reason.
    (tmp_path / "empty").mkdir()
    monkeypatch.setattr(wheels, "WHEELS", tmp_path / "none")
    monkeypatch.setenv("PIP_FIND_LINKS", str(tmp_path / "empty"))
    python_bundle.browser_packages.cache_clear()
    try:
        with pytest.raises(python_bundle.PythonBundleError,
                           match=r"none/micropip-0\.11\.1-py3-none-any\.whl: missing, and fetching it from the "
                                 r"package index failed: pip download .*micropip==0\.11\.1 failed"):
            python_bundle.browser_packages(default_pyodide_dir())
    finally:
        python_bundle.browser_packages.cache_clear()


def test_bad_survey_fails_the_build_naming_file_and_field(tmp_path, capsys):
    surveys = tmp_path / "surveys"
    surveys.mkdir()
    (surveys / "oops.yaml").write_text("id: x\nsite: k\nname: X\ntrigger: {event: go}\n"
                                       "questions:\n  - id: q\n    type: nps\n    prompt: P\n    choices: [a, b]\n")
    assert main(["build", "--surveys", str(surveys), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "oops.yaml: questions[0].choices: only choice questions take choices, not nps" in err
    assert not (tmp_path / "out").exists()
