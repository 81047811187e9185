"""The runtime's unit tests, run again inside the Pyodide the visitors get (under Node, as
the build runs it): the same interpreter version and standard library as their browsers,
not only the CPython these tests otherwise run on."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from pathlib import Path

import pytest

from build.bundle import check_pyodide, default_pyodide_dir
from build.python_bundle import HERE as BUILD_DIR
from build.python_bundle import browser_packages, stage

ROOT = Path(__file__).resolve().parents[2]
# The tests of what runs in the visitor's browser (the rest test the build and the server).
RUNTIME_TESTS = ["test_embed.py", "test_targeting.py", "test_responses.py", "test_commands.py",
                 "test_identify_after_event.py", "test_stored_state.py", "test_delivery.py", "test_forwarding.py",
                 "test_question_types.py", "test_flow.py",
                 "test_languages.py"]
# pytest and hypothesis, copied from this environment: all pure Python.
TEST_PACKAGES = ["pytest", "_pytest", "pluggy", "iniconfig", "packaging", "py", "hypothesis", "attr", "attrs",
                 "sortedcontainers", "pygments", "_hypothesis_globals"]

RUNNER = """
import sys
sys.path.insert(0, "/stage")
import pytest
code = pytest.main(["-q", "-p", "no:cacheprovider", "-W", "error", "--rootdir", "/stage",
                    *[f"/stage/tests/unit/{name}" for name in %r]])
print(f"pyodide {sys.version.split()[0]}: pytest exit code {int(code)}")
"""


def _copy_module(name: str, dest: Path) -> None:
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        pytest.fail(f"{name} is not installed here (make test installs the test extras)")
    origin = Path(spec.origin)
    if origin.name == "__init__.py":
        shutil.copytree(origin.parent, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
    else:
        shutil.copyfile(origin, dest / origin.name)


def test_runtime_unit_tests_pass_inside_pyodide(tmp_path):
    pyodide_dir = default_pyodide_dir()
    check_pyodide(pyodide_dir)
    node = shutil.which("node")
    assert node, "Node.js is needed (make test installs it)"
    stage_dir, out = tmp_path / "stage", tmp_path / "out"
    stage(stage_dir, browser_packages(pyodide_dir))   # the runtime, jinja2 and markupsafe as the bundle ships them
    out.mkdir()
    for name in TEST_PACKAGES:
        _copy_module(name, stage_dir)
    (stage_dir / "tests" / "unit").mkdir(parents=True)
    (stage_dir / "tests" / "__init__.py").write_text("")
    for name in ["__init__.py", "conftest.py", *RUNTIME_TESTS]:
        shutil.copyfile(ROOT / "tests" / "unit" / name, stage_dir / "tests" / "unit" / name)
    script = tmp_path / "run_tests.py"
    script.write_text(RUNNER % (RUNTIME_TESTS,))
    proc = subprocess.run([node, str(BUILD_DIR / "pyodide_tool.mjs"), str(pyodide_dir), str(stage_dir), str(out),
                           str(script)], capture_output=True, text=True, timeout=600)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[:6000]
    assert "pytest exit code 0" in output, output[:6000]
    assert "pyodide 3.14" in output and " passed" in output and " failed" not in output, output[:6000]
