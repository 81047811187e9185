"""The sites' Python extensions, resolved for the bundle (``extensions`` in sites.yaml).

Each entry is a folder of a Python project (built into a wheel here with pip, no network)
or a ``.whl`` file, relative to the surveys folder. The wheels must be pure Python; they
are installed with micropip inside the pinned Pyodide under Node (extensions_in_pyodide.py),
where each extension's ``register`` runs and its modules and question templates are compiled
to bytecode. The result: one zip per extension (imported by the visitor's browser only when
a survey shown needs it), the types and forwarders each provides, and micropip's lock.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import wheels
from .python_bundle import _run_in_pyodide, _stored_zip, browser_packages, installed_lock, stage
from .survey_files import SITES_FILE, SurveyFileError, SurveyFolder, check_question_types

WHEEL_NAME = re.compile(r"(?P<name>[^-]+)-(?P<version>[^-]+)(?:-\d[^-]*)?-(?P<py>[^-]+)-(?P<abi>[^-]+)-"
                        r"(?P<plat>[^-]+)\.whl")


class ExtensionBuildError(RuntimeError):
    pass


@dataclass
class Extension:
    name: str                   # the distribution's name, normalised (sondage_slider)
    version: str
    site: str
    register: list[str]         # module:function of each entry point
    templates: str              # the module of its compiled question templates
    types: list[str]
    forwarders: list[str]
    zip: bytes                  # its modules as bytecode, imported by the browser
    modules: list[str] = field(default_factory=list)     # its modules' files (sondage_slider/__init__.py)
    imports: list[dict[str, Any]] = field(default_factory=list)   # module, file, line of each import


@dataclass
class Resolved:
    extensions: list[Extension] = field(default_factory=list)
    lock: dict[str, Any] = field(default_factory=dict)
    present: list[str] = field(default_factory=list)    # modules Pyodide has without any zip (built in)

    def of_site(self, site: str) -> list[Extension]:
        return [e for e in self.extensions if e.site == site]


# A requirement on the package index: a name and a version specifier (a bare name is taken
# for a folder, so a typo never installs whatever the index has under that name).
REQUIREMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\s*(?:==|>=|<=|~=|!=|===|<|>)\s*[A-Za-z0-9.*+!_-]+"
                         r"(?:\s*,\s*(?:==|>=|<=|~=|!=|<|>)\s*[A-Za-z0-9.*+!_-]+)*")


def _python_of(pyodide_dir: Path) -> str:
    """The visitors' Python version (major.minor), from the pinned Pyodide's lock."""
    return ".".join(json.loads((pyodide_dir / "pyodide-lock.json").read_text())["info"]["python"].split(".")[:2])


def _wheel_of(entry: str, surveys_dir: Path, site: str, out: Path, pyodide_dir: Path) -> Path:
    where = f"{surveys_dir / SITES_FILE}: {site}.extensions: {entry!r}"
    if REQUIREMENT.fullmatch(entry.strip()):
        # From the package index pip is configured with (PyPI, or PIP_INDEX_URL / PIP_FIND_LINKS):
        # a pure-Python wheel for the visitors' Python, nothing built here.
        fetched = out / "index" / re.sub(r"[^A-Za-z0-9]+", "_", entry)
        proc = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                               "--platform", "any", "--python-version", _python_of(pyodide_dir), "-q",
                               "-d", str(fetched), entry.strip()], capture_output=True, text=True, timeout=300)
        wheels = sorted(fetched.glob("*.whl"))
        if proc.returncode != 0 or not wheels:
            raise ExtensionBuildError(f"{where}: no pure-Python wheel of it on the package index "
                                      f"(pip download):\n{(proc.stderr or proc.stdout)[-1500:]}")
        return wheels[0]
    path = (surveys_dir / entry).resolve()
    if path.is_file() and path.suffix == ".whl":
        return path
    if path.is_dir() and (path / "pyproject.toml").is_file():
        built = out / path.name
        source = out / "src" / path.name        # a copy: setuptools writes build/ and *.egg-info beside it
        shutil.copytree(path, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
        proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                               "--no-index", "-q", "-w", str(built), str(source)],
                              capture_output=True, text=True, timeout=300)
        wheels = sorted(built.glob("*.whl"))
        if proc.returncode != 0 or not wheels:
            raise ExtensionBuildError(f"{where}: could not build a wheel:\n{(proc.stderr or proc.stdout)[-2000:]}")
        return wheels[0]
    raise ExtensionBuildError(f"{where}: neither a .whl file, a folder with a pyproject.toml, nor a requirement "
                              "with a version (sondage-slider==0.1.0)")


def resolve(folder: SurveyFolder, surveys_dir: Path, pyodide_dir: Path, node: str = "node") -> Resolved:
    """Install and check every site's extensions in Pyodide; then check every survey's
    question types against what its site's extensions provide."""
    wanted = {site: s.extensions for site, s in folder.settings.items() if s.extensions}
    if not wanted:
        return Resolved()
    try:
        micropip = wheels.need(wheels.MICROPIP)       # the build's installer in Pyodide
    except wheels.WheelError as e:
        raise ExtensionBuildError(f"micropip's wheel: {e}") from None
    with tempfile.TemporaryDirectory(prefix="sondage-ext-") as tmp:
        stage_dir, out_dir = Path(tmp, "stage"), Path(tmp, "out")
        out_dir.mkdir()
        staged: list[tuple[Path, dict[str, str]]] = []
        for site, entries in sorted(wanted.items()):
            for entry in entries:
                wheel = _wheel_of(entry, surveys_dir, site, Path(tmp, "built"), pyodide_dir)
                tags = WHEEL_NAME.fullmatch(wheel.name)
                if tags is None:
                    raise ExtensionBuildError(f"{wheel}: not a wheel's file name")
                if tags["abi"] != "none" or tags["plat"] != "any":
                    raise ExtensionBuildError(
                        f"{surveys_dir / SITES_FILE}: {site}.extensions: {entry!r}: {tags['name']} is not pure Python "
                        f"(wheel tags {tags['py']}-{tags['abi']}-{tags['plat']}); the visitors' Pyodide runs "
                        "pure-Python wheels only")
                staged.append((wheel, {"name": tags["name"], "path": f"/stage/wheels/{wheel.name}", "site": site}))
        stage(stage_dir, browser_packages(pyodide_dir, node))
        (stage_dir / "wheels").mkdir()
        for wheel, _ in staged:
            shutil.copyfile(wheel, stage_dir / "wheels" / wheel.name)
        requested = [w for _, w in staged]
        shutil.copyfile(micropip, stage_dir / wheels.MICROPIP)
        questions = [{"file": str(f.path), "index": i, "type": q.type, "options": q.options}
                     for f in folder.files for i, q in enumerate(f.survey.questions) if f.survey.site in wanted]
        (stage_dir / "request.json").write_text(json.dumps(
            {"micropip": f"/stage/{wheels.MICROPIP}", "wheels": requested, "questions": questions}))
        try:
            _run_in_pyodide(node, pyodide_dir, stage_dir, out_dir, "extensions_in_pyodide.py",
                            "installing the extensions in Pyodide")
        except Exception as failed:
            problem = out_dir / "problem.json"
            raise ExtensionBuildError(_problem(problem.read_text()) if problem.is_file() else str(failed)) from None
        found = json.loads((out_dir / "extensions.json").read_text())
        resolved = Resolved(lock=installed_lock(found["lock"], "/stage/wheels/"), present=found["present"])
        for ext in found["extensions"]:
            files = {p.relative_to(out_dir / ext["name"]).as_posix(): p.read_bytes()
                     for p in sorted((out_dir / ext["name"]).rglob("*.pyc"))}
            resolved.extensions.append(Extension(
                name=ext["name"], version=ext["version"], site=ext["site"], register=ext["register"],
                templates=ext["templates"], types=ext["types"], forwarders=ext["forwarders"],
                zip=_stored_zip(files), modules=ext["modules"], imports=ext["imports"]))
    provided = {site: {t: f"{e.name} {e.version}" for e in resolved.of_site(site) for t in e.types}
                for site in wanted}
    known = {t: f"{e.name} {e.version}" for e in resolved.extensions for t in e.types}
    check_question_types([f for f in folder.files if f.survey.site in wanted], provided, known)
    for site in wanted:
        mine = {name for e in resolved.of_site(site) for name in e.forwarders}
        for forwarder in folder.settings_of(site).forwarders:
            if forwarder.name not in mine:
                raise SurveyFileError(surveys_dir / SITES_FILE,
                                      f"{site}.forwarders: no extension of the site provides {forwarder.name!r}"
                                      + (f" (they provide: {', '.join(sorted(mine))})" if mine else ""))
    return resolved


def check_imports(resolved: Resolved, shipped: list[str], left_out: tuple[str, ...], sites_file: Path) -> None:
    """Every module an extension imports is in the visitors' runtime: its zip's modules
    (``shipped``: their files, json/__init__.py), what Pyodide has built in, or an extension's
    own. The build replays the runtime to know which standard-library modules it needs and
    ships only those (and stubs of ``left_out``), so an extension that imports another
    (base64, say) would fail in the visitor's browser: it fails the build here instead."""
    def module_of(path: str) -> str:
        return path.removesuffix(".py").removesuffix("/__init__").replace("/", ".")

    there = {module_of(p) for p in shipped} - set(left_out)
    own = {module_of(p).split(".")[0] for e in resolved.extensions for p in e.modules}
    present = set(resolved.present)
    for ext in resolved.extensions:
        for found in ext.imports:
            name = found["module"]
            if name in there or name.split(".")[0] in own | present:
                continue
            why = ("only as a stub (the runtime leaves it out)" if name in left_out
                   else "not at all (it ships only the standard library modules the runtime uses)")
            raise ExtensionBuildError(
                f"{sites_file}: {ext.site}.extensions: {ext.name}: {found['file']}, line {found['line']}: "
                f"imports {name}, which the visitors' runtime has {why}; bring the code it needs into "
                f"the extension, or import it inside try/except ImportError and do without it")


def _problem(text: str) -> str:
    """The extension script's problem (package and error, or file and field), readable."""
    data = json.loads(text)
    if "package" in data:
        return f"extension {data['package']}: {data['error']}"
    return f"{data['file']}: {data['field']}: {data['error']}"
