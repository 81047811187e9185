"""Runs inside the pinned Pyodide under Node during `sondage build` (see extensions.py):
installs the sites' extension wheels with micropip (the visitor's interpreter), runs each
extension's `register`, checks the options of the questions that use its types, compiles
its modules and its question templates to bytecode, and writes the lock micropip.freeze()
makes. Everything it learns goes to /out/extensions.json; a problem ends it, written to
/out/problem.json with the package's name (or the file and field) and the error (the
build then fails, never a visitor's page)."""

import ast
import importlib
import importlib.metadata
import importlib.util
import json
import os
import sys
import traceback
import zipfile

sys.path.insert(0, "/stage")
sys.dont_write_bytecode = True
# The modules that are there without the runtime's zip (built in, or made at start: js).
PRESENT = sorted(set(sys.builtin_module_names) | {
    n for n, m in sys.modules.items() if getattr(getattr(m, "__spec__", None), "origin", None) in (None, "built-in")})
request = json.load(open("/stage/request.json"))
site_packages = next(p for p in sys.path if p.endswith("site-packages"))
zipfile.ZipFile(request["micropip"]).extractall(site_packages)
importlib.invalidate_caches()

import micropip  # noqa: E402
from micropip._vendored.packaging.src.packaging.specifiers import SpecifierSet  # noqa: E402

from runtime import render  # noqa: E402
from runtime.extensions import GROUP, Registry  # noqa: E402


def imports_of(source, path):
    """The modules a module's source imports (absolute imports), with their lines; not those in
    a ``try`` whose handler takes an ImportError (the author handles their absence)."""
    tree = ast.parse(source, path)
    guarded = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and any(
                h.type is None or {n.id for n in ast.walk(h.type) if isinstance(n, ast.Name)}
                & {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"} for h in node.handlers):
            guarded.update(id(n) for inner in node.body for n in ast.walk(inner))
    found = []
    for node in ast.walk(tree):
        if id(node) in guarded:
            continue
        if isinstance(node, ast.Import):
            found += [{"module": a.name, "file": path, "line": node.lineno} for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append({"module": node.module, "file": path, "line": node.lineno})
    return found


def fail(package, message):
    with open("/out/problem.json", "w") as f:
        json.dump({"package": package, "error": message}, f)
    raise SystemExit(3)


python = ".".join(map(str, sys.version_info[:3]))
for wheel in request["wheels"]:
    try:
        await micropip.install(f"emfs:{wheel['path']}", deps=False)  # noqa: F704 (top-level await in Pyodide)
    except Exception as e:
        fail(wheel["name"], f"micropip could not install {os.path.basename(wheel['path'])}: {e}")
importlib.invalidate_caches()

registry = Registry()
out = {"extensions": []}
for wheel in request["wheels"]:
    name = wheel["name"]
    dist = importlib.metadata.distribution(name)
    needs = dist.metadata.get("Requires-Python")
    if needs and python not in SpecifierSet(needs):
        fail(name, f"needs Python {needs}; the visitors' Pyodide runs Python {python}")
    missing = [r for r in (dist.requires or []) if "extra ==" not in r]
    if missing:
        fail(name, f"depends on {', '.join(missing)}: an extension's dependencies are not shipped yet; "
                   "vendor them or leave them out")
    points = [ep for ep in dist.entry_points if ep.group == GROUP]
    if not points:
        fail(name, f"no entry point in the group {GROUP!r} (pyproject.toml: "
                   f"[project.entry-points.\"{GROUP}\"] name = \"module:register\")")
    before = (set(registry.question_types), set(registry.forwarders))
    for ep in points:
        try:
            registry.load(name, ep.load())
        except Exception:
            fail(name, f"{ep.value} failed:\n" + traceback.format_exc(limit=-3))
    types = sorted(set(registry.question_types) - before[0])
    forwarders = sorted(set(registry.forwarders) - before[1])
    # The extension's modules, compiled by the visitors' interpreter.
    modules = []
    imports = []
    for file in dist.files or []:
        path = str(file)
        if not path.endswith(".py") or ".dist-info/" in path:
            continue
        source = file.read_binary()
        code = compile(source, path, "exec", dont_inherit=True, optimize=2)
        imports += imports_of(source, path)
        target = os.path.join("/out", name, path[:-3] + ".pyc")
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as f:
            f.write(importlib._bootstrap_external._code_to_hash_pyc(
                code, importlib.util.source_hash(source), checked=False))
        modules.append(path)
    # Its question templates, compiled to Python here (the browser has no jinja2 compiler).
    templates = f"_sondage_templates_{name.replace('-', '_')}"
    env = render.make_environment()
    lines = []
    for type_name in types:
        try:
            lines.append(render.compiled_source(env, registry.question_types[type_name].template, type_name,
                                                f"{name}/{type_name}", function=type_name))
        except Exception as e:
            fail(name, f"question type {type_name!r}: its template does not compile: {e}")
    source = ("\n".join(lines) or "pass\n").encode()
    code = compile(source, f"{templates}.py", "exec", dont_inherit=True, optimize=2)
    with open(os.path.join("/out", name, f"{templates}.pyc"), "wb") as f:
        f.write(importlib._bootstrap_external._code_to_hash_pyc(code, importlib.util.source_hash(source),
                                                                  checked=False))
    out["extensions"].append({"name": name, "version": dist.version, "register": [ep.value for ep in points],
                              "templates": templates, "types": types, "forwarders": forwarders,
                              "modules": modules, "imports": imports, "site": wheel["site"]})

# The questions that use an extension's type: their options, checked by the extension.
for q in request["questions"]:
    kind = registry.question_types.get(q["type"])
    if kind is None or kind.check is None:
        continue
    try:
        problem = kind.check(q["options"])
    except Exception as e:
        problem = f"the check of {registry.provider.get('type:' + q['type'])} failed: {type(e).__name__}: {e}"
    if problem:
        with open("/out/problem.json", "w") as f:
            json.dump({"file": q["file"], "field": f"questions[{q['index']}].options", "error": problem}, f)
        raise SystemExit(4)

out["lock"] = json.loads(micropip.freeze())
out["present"] = PRESENT
with open("/out/extensions.json", "w") as f:
    json.dump(out, f, indent=1, sort_keys=True)
print(f"extensions: {', '.join(e['name'] for e in out['extensions'])}")
