"""`sondage build` makes the Python zip (about 40 s in Pyodide) only when something it is made
of changed: the runtime's files, the build's scripts, the wheels, Pyodide or Node."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from build import python_bundle
from build.bundle import default_pyodide_dir
from build.python_bundle import PROJECT_RUNTIME, PythonZip, inputs_key, python_zip


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "sondage" / "python"


@pytest.fixture
def runtime_copy(tmp_path) -> Path:
    copy = tmp_path / "runtime"
    shutil.copytree(PROJECT_RUNTIME, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def test_the_key_changes_with_the_runtime_and_only_with_what_the_zip_is_made_of(runtime_copy):
    pyodide = default_pyodide_dir()
    key = inputs_key(pyodide, runtime_dir=runtime_copy)
    assert key == inputs_key(pyodide, runtime_dir=PROJECT_RUNTIME)        # the same files, the same key
    (runtime_copy / "__pycache__").mkdir(exist_ok=True)
    (runtime_copy / "__pycache__" / "x.pyc").write_bytes(b"stale")
    assert inputs_key(pyodide, runtime_dir=runtime_copy) == key           # bytecode caches are not inputs
    (runtime_copy / "answers.py").write_text((runtime_copy / "answers.py").read_text() + "\n# edited\n")
    assert inputs_key(pyodide, runtime_dir=runtime_copy) != key
    (runtime_copy / "templates" / "widget.html").write_text("<p>other</p>")
    edited = inputs_key(pyodide, runtime_dir=runtime_copy)
    (runtime_copy / "templates" / "widget.html").write_text("<p>another</p>")
    assert inputs_key(pyodide, runtime_dir=runtime_copy) != edited        # a template is an input too


def test_a_zip_is_built_once_reused_after_and_rebuilt_when_its_cache_entry_is_damaged(cache, monkeypatch):
    built: list[int] = []

    def build_python_zip(pyodide_dir, node="node"):
        built.append(1)
        return b"PK-zip-" + str(len(built)).encode(), {"stdlib": ["typing.py"], "stage": ["runtime/embed.py"]}

    monkeypatch.setattr(python_bundle, "build_python_zip", build_python_zip)
    announced: list[int] = []
    pyodide = default_pyodide_dir()
    first = python_zip(pyodide, on_build=lambda: announced.append(1))
    assert (first.data, first.reused, built, announced) == (b"PK-zip-1", False, [1], [1])
    assert first.lock["packages"]                                          # micropip's lock, kept with it
    again = python_zip(pyodide, on_build=lambda: announced.append(1))
    assert again == PythonZip(b"PK-zip-1", first.listing, first.lock, reused=True)
    assert (built, announced) == ([1], [1])                                # no second build, nothing announced
    # A damaged entry (a build killed while writing, a disk error) is built again, not used.
    entry = next(cache.iterdir())
    (entry / "listing.json").write_text("{not json")
    rebuilt = python_zip(pyodide)
    assert (rebuilt.data, rebuilt.reused, len(built)) == (b"PK-zip-2", False, 2)
    assert python_zip(pyodide).data == b"PK-zip-2" and len(built) == 2    # and the new entry is used
