"""The Python the visitor's browser runs, as one STORED zip passed to Pyodide as its stdlib.

The runtime's dependencies (jinja2, a pure-Python markupsafe) are installed with micropip
inside the pinned Pyodide under Node (deps_in_pyodide.py, from the wheels in .cache/wheels),
staged with the runtime, exercised there (so the stdlib modules they import are recorded
from a real run) and compiled to bytecode by that same interpreter. The zip holds only
those modules, as .pyc, with the runtime's templates compiled: no micropip and no second download
at run time.
"""

from __future__ import annotations

import atexit
import hashlib
import io
import json
import os
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import runtime

from . import wheels

HERE = Path(__file__).resolve().parent
PROJECT_RUNTIME = Path(runtime.__file__).parent
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
# Modules that Pyodide (or a dependency) imports while starting but the runtime never
# uses: they ship as stubs (any use raises), ~110 KB less brotli. Every build boots from
# the finished zip and replays a survey session, so a wrong entry fails the build.
LEFT_OUT = (
    "_compression", "asyncio.base_subprocess", "asyncio.selector_events", "asyncio.sslproto",
    "asyncio.staggered", "asyncio.streams", "asyncio.subprocess", "asyncio.trsock", "bz2",
    "compression.zstd", "encodings.idna", "encodings.punycode", "ipaddress", "locale", "lzma",
    "random", "selectors", "socket", "ssl", "stringprep", "subprocess", "tarfile", "tempfile",
    "zipfile",
    # jinja2's on-disk template bytecode cache, and with it pickle and hashlib.
    "jinja2.bccache",
    # The templates come compiled (compile_templates): jinja2's compiler, parser and lexer,
    # and what only they import, stay out.
    "jinja2.compiler", "jinja2.parser", "jinja2.lexer",
)


class PythonBundleError(RuntimeError):
    pass


def _copy_py_tree(src: Path, dest: Path, *, data_suffixes: tuple[str, ...] = ()) -> None:
    for path in sorted(src.rglob("*")):
        if "__pycache__" in path.parts or not path.is_file():
            continue
        if path.suffix == ".py" or path.suffix in data_suffixes:
            target = dest / path.relative_to(src)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)


@dataclass(frozen=True)
class BrowserPackages:
    site: Path               # jinja2/, markupsafe/: as micropip installed them in Pyodide
    lock: dict[str, Any]     # micropip.freeze(), reduced to them


@cache
def browser_packages(pyodide_dir: Path, node: str = "node") -> BrowserPackages:
    """The browser's dependencies, installed by micropip inside the pinned Pyodide (once per
    build process)."""
    try:
        names = [wheels.browser_wheel(n) for n in wheels.BROWSER_DEPENDENCIES]
        paths = [wheels.need(wheels.MICROPIP), *(wheels.need(n) for n in names)]
    except wheels.WheelError as e:
        raise PythonBundleError(str(e)) from None
    work = Path(tempfile.mkdtemp(prefix="sondage-deps-"))
    atexit.register(shutil.rmtree, work, True)
    stage_dir, out_dir = work / "stage", work / "out"
    stage_dir.mkdir()
    out_dir.mkdir()
    for path in paths:
        shutil.copyfile(path, stage_dir / path.name)
    (stage_dir / "request.json").write_text(json.dumps({
        "micropip": f"/stage/{wheels.MICROPIP}", "wheels": [f"/stage/{n}" for n in names],
        "names": list(wheels.BROWSER_DEPENDENCIES)}))
    _run_in_pyodide(node, pyodide_dir, stage_dir, out_dir, "deps_in_pyodide.py",
                    "installing the runtime's dependencies with micropip in Pyodide")
    return BrowserPackages(out_dir / "site", installed_lock(json.loads((out_dir / "lock.json").read_text()), "/stage/"))


def installed_lock(freeze: dict[str, Any], prefix: str) -> dict[str, Any]:
    """micropip.freeze()'s lock reduced to what the build installed (wheels under ``prefix``,
    not Pyodide's own packages), each by its wheel's file name."""
    packages = {k: {**v, "file_name": v["file_name"].rpartition("/")[2]} for k, v in freeze["packages"].items()
                if str(v.get("file_name", "")).startswith(f"emfs:{prefix}")}
    return {**freeze, "packages": packages}


def stage(stage_dir: Path, packages: BrowserPackages) -> None:
    """Lay out the browser's packages as they will sit in the zip."""
    stage_dir.mkdir(parents=True, exist_ok=True)
    _copy_py_tree(PROJECT_RUNTIME, stage_dir / "runtime", data_suffixes=(".html",))
    for dep in wheels.BROWSER_DEPENDENCIES:
        _copy_py_tree(packages.site / dep, stage_dir / dep)
    compile_templates(stage_dir / "runtime")
    shutil.copyfile(HERE / "exercise.py", stage_dir / "_exercise.py")
    _stage_exercise_extension(stage_dir / "_exercise_ext")


# The extension the build's session loads (as a folder; a site's ships as a zip): a question
# type whose template the build compiles, and a forwarder. Never in the bundle itself.
EXERCISE_EXTENSION = '''
from runtime.extensions import Forwarder, QuestionType


def parse(answer):
    value = int(str(answer.raw))
    if not 0 <= value <= int(answer.question.options.get("max", 10)):
        raise ValueError("out of range")
    return value


def forward(ctx):
    return [{"vendor": "Beacon", "target": "navigator", "reply": None, "wait_for": None, "optional": False,
             "chain": [["sendBeacon", [ctx.options["url"], str(ctx.record["response"])]]]}]


def register(registry):
    registry.question_type(QuestionType("knob", parse=parse, template=TEMPLATE))
    registry.forwarder(Forwarder("beacon", forward))
'''
EXERCISE_TEMPLATE = ('<input name="value" type="range" max="{{ options.get(\'max\', 10) }}">'
                     '<button type="submit" data-action="submit">{{ w.say(\'submit\') }}</button>')


def _stage_exercise_extension(folder: Path) -> None:
    from runtime import render

    folder.mkdir()
    (folder / "_exercise_knob.py").write_text(f"TEMPLATE = {EXERCISE_TEMPLATE!r}\n{EXERCISE_EXTENSION}")
    (folder / "_exercise_knob_templates.py").write_text(render.compiled_source(
        render.make_environment(), EXERCISE_TEMPLATE, "knob", "exercise/knob", function="knob"))


def compile_templates(runtime_dir: Path) -> None:
    """The runtime's templates, compiled to Python by jinja2 here, so the visitor's browser
    renders without jinja2's compiler, parser and lexer (left out: LEFT_OUT)."""
    from runtime import render

    env = render.make_environment()
    package = runtime_dir / "_compiled_templates"
    package.mkdir()
    (package / "__init__.py").write_text(
        "".join(f"from . import {render.compiled_module_name(n)}\n" for n in render.TEMPLATES))
    for name in render.TEMPLATES:
        source = (runtime_dir / "templates" / name).read_text(encoding="utf-8")
        module = render.compiled_source(env, source, name, f"templates/{name}")
        (package / f"{render.compiled_module_name(name)}.py").write_text(module, encoding="utf-8")


def _run_in_pyodide(node: str, pyodide_dir: Path, stage_dir: Path, out_dir: Path, script: str,
                    what: str, stdlib_zip: Path | None = None) -> str:
    cmd = [node, str(HERE / "pyodide_tool.mjs"), str(pyodide_dir), str(stage_dir), str(out_dir),
           str(HERE / script)] + ([str(stdlib_zip)] if stdlib_zip else [])
    env = {**os.environ, "SONDAGE_LEFT_OUT": ",".join(LEFT_OUT)}
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
    except FileNotFoundError:
        raise PythonBundleError(f"the build needs Node.js ({node!r} was not found)") from None
    if proc.returncode != 0:
        # Node prints the minified line of Pyodide's code a Python exception left by, and a JS
        # stack: what is Python's to say (the traceback) is kept.
        said = [line for line in (proc.stderr + proc.stdout).splitlines()
                if len(line) < 500 and not line.lstrip().startswith("at ")]
        raise PythonBundleError(f"{what} failed:\n" + "\n".join(said)[-4000:])
    return proc.stdout


# What the zip is made of, besides the runtime's folder, the wheels and Pyodide: these
# scripts (LEFT_OUT is in this one). A change to any of them makes a new zip.
BUILD_INPUTS = ("python_bundle.py", "in_pyodide.py", "verify_in_pyodide.py", "exercise.py", "deps_in_pyodide.py",
                "pyodide_tool.mjs")
PYODIDE_INPUTS = ("package.json", "pyodide-lock.json", "python_stdlib.zip", "pyodide.asm.wasm", "pyodide.asm.mjs")


@dataclass(frozen=True)
class PythonZip:
    data: bytes                          # the zip the visitor's Pyodide takes as its stdlib
    listing: dict[str, list[str]]        # the modules it holds (stdlib, stage)
    lock: dict[str, Any]                 # micropip.freeze() of the browser's dependencies
    reused: bool                         # from the cache: nothing it is made of changed


def cache_folder() -> Path:
    from .compress import cache_dir

    return cache_dir().parent / "python"


def inputs_key(pyodide_dir: Path, node: str = "node", runtime_dir: Path = PROJECT_RUNTIME) -> str:
    """A digest of everything the Python zip is made of: the runtime's files, the build's
    scripts, the wheels, Pyodide and Node's version."""
    digest = hashlib.sha256()

    def add(label: str, data: bytes) -> None:
        digest.update(label.encode() + b"\0" + hashlib.sha256(data).digest())

    for path in sorted(runtime_dir.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            add("runtime/" + path.relative_to(runtime_dir).as_posix(), path.read_bytes())
    for name in BUILD_INPUTS:
        add("build/" + name, (HERE / name).read_bytes())
    add("left out", ",".join(LEFT_OUT).encode())
    for name in PYODIDE_INPUTS:
        add("pyodide/" + name, (pyodide_dir / name).read_bytes())
    try:
        for name in wheels.wanted():
            add("wheel/" + name, wheels.need(name).read_bytes())
    except wheels.WheelError as e:
        raise PythonBundleError(str(e)) from None
    try:
        version = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30).stdout
    except FileNotFoundError:
        raise PythonBundleError(f"the build needs Node.js ({node!r} was not found)") from None
    add("node", version.encode())
    import jinja2  # compiles the runtime's templates (compile_templates)

    add("jinja2", jinja2.__version__.encode())
    return digest.hexdigest()[:32]


def python_zip(pyodide_dir: Path, node: str = "node", on_build: Callable[[], None] = lambda: None) -> PythonZip:
    """The Python zip, from the cache when nothing it is made of changed (a build after an
    edit of surveys only), else built and verified in Pyodide (about 40 s) and cached."""
    key = inputs_key(pyodide_dir, node)
    folder = cache_folder() / key
    try:
        return PythonZip((folder / "python.zip").read_bytes(), json.loads((folder / "listing.json").read_text()),
                         json.loads((folder / "lock.json").read_text()), reused=True)
    except (OSError, ValueError):
        shutil.rmtree(folder, ignore_errors=True)   # not cached yet, or a damaged entry: build it
    on_build()
    data, listing = build_python_zip(pyodide_dir, node)
    lock = browser_packages(pyodide_dir, node).lock
    try:
        cache_folder().mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f"{key}-", dir=cache_folder()))
        (work / "python.zip").write_bytes(data)
        (work / "listing.json").write_text(json.dumps(listing))
        (work / "lock.json").write_text(json.dumps(lock))
        try:
            work.rename(folder)               # whole or not at all; a concurrent build's is as good
        except OSError:
            shutil.rmtree(work, ignore_errors=True)
    except OSError:
        pass                                  # no cache (read-only home): the next build builds again
    return PythonZip(data, listing, lock, reused=False)


def build_python_zip(pyodide_dir: Path, node: str = "node") -> tuple[bytes, dict[str, list[str]]]:
    """Returns the zip's bytes and the list of modules it holds (verified by booting it)."""
    with tempfile.TemporaryDirectory(prefix="sondage-py-") as tmp:
        stage_dir, out_dir = Path(tmp, "stage"), Path(tmp, "out")
        out_dir.mkdir()
        stage(stage_dir, browser_packages(pyodide_dir, node))
        _run_in_pyodide(node, pyodide_dir, stage_dir, out_dir, "in_pyodide.py",
                        "compiling the runtime inside Pyodide")
        listing = json.loads((out_dir / "modules.json").read_text())
        files: dict[str, bytes] = {}
        for path in (out_dir / "pyc").rglob("*.pyc"):
            files[path.relative_to(out_dir / "pyc").as_posix()] = path.read_bytes()
        # The templates' sources stay out: the browser renders the compiled ones
        # (runtime/_compiled_templates), and has no compiler to read a source with.
        data = _stored_zip(files)
        built = Path(tmp, "python.zip")
        built.write_bytes(data)
        _run_in_pyodide(node, pyodide_dir, stage_dir, out_dir, "verify_in_pyodide.py",
                        "booting Pyodide from the built zip", stdlib_zip=built)
        imported = set(json.loads((out_dir / "imported.json").read_text()))
        unused = sorted(name for name in files if not _kept(name, imported))
        if unused:
            # What the verifying boot never imported (what only left-out modules import, such as
            # the real zipfile's helpers): the same boot without them is the same boot.
            data = _stored_zip({name: files[name] for name in files if name not in unused})
            gone = {name[:-1] for name in unused}
            listing = {part: [m for m in names if m not in gone] for part, names in listing.items()}
    return data, listing


def _kept(arcname: str, imported: set[str]) -> bool:
    """Whether the zip keeps a module the verifying boot did not import: the runtime's own
    package (an extension may import any of it), codecs (looked up by name when a text needs
    one) and the stubs of left-out modules (importable, never used)."""
    if arcname in imported or arcname.startswith(("runtime/", "encodings/")):
        return True
    module = arcname[:-4].removesuffix("/__init__").replace("/", ".")
    return module in LEFT_OUT


def _stored_zip(files: dict[str, bytes]) -> bytes:
    """A deterministic, uncompressed zip (HTTP compression does better on STORED data)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_STORED
            zf.writestr(info, files[name])
    return buf.getvalue()
