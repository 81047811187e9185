"""Runs inside Pyodide (under Node) during `sondage build`; see pyodide_tool.mjs.

1. Imports the staged runtime and plays a whole survey session on every question type,
   so every module a visitor's browser imports gets imported here too.
2. Compiles every module in ``sys.modules`` that came from the stdlib zip or the stage
   (and all of the runtime's own package) to unchecked hash-based .pyc (no timestamps:
   the same inputs give the same bytes), and writes them under /out/pyc with a list in
   /out/modules.json. Modules named in SONDAGE_LEFT_OUT (imported while Pyodide starts,
   never used by the runtime) become small stubs; the build then verifies the result by
   booting from it (verify_in_pyodide.py).
"""

import importlib.util
import json
import os
import sys
import zipfile

STDLIB = "/lib/python314.zip"
STAGE = "/stage"
OUT = "/out"
# Modules looked up lazily by name (codecs) that a session may not touch.
ALWAYS = ["encodings.cp437", "encodings.latin_1", "encodings.ascii", "encodings.utf_8_sig",
          "encodings.unicode_escape", "encodings.raw_unicode_escape"]

sys.path.insert(0, STAGE)
sys.dont_write_bytecode = True

LEFT_OUT = set(filter(None, os.environ.get("SONDAGE_LEFT_OUT", "").split(",")))
STUB = b"""# Left out of the Sondage bundle: imported at start-up, never used by the runtime.
# Any name looked up is an inert class, so definitions that mention it still load;
# using it (calling, instantiating) raises.
__all__ = ()
def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    def _refuse(*args, **kwargs):
        raise RuntimeError(f"{__name__}.{name} is left out of the Sondage bundle")
    placeholder = type(name, (), {"__init__": _refuse, "__module__": __name__})
    globals()[name] = placeholder
    return placeholder
"""


# Left-out modules not loaded while Pyodide started are stubbed before the session runs,
# so what only they would import is not recorded either.
import types as _types

pre_stubbed = []
for _name in sorted(LEFT_OUT):
    if _name not in sys.modules:
        _stub = _types.ModuleType(_name)
        exec(compile(STUB, f"<left out {_name}>", "exec"), _stub.__dict__)
        sys.modules[_name] = _stub
        pre_stubbed.append(_name)

exercise = {"__name__": "_exercise"}
exec(compile(open(f"{STAGE}/_exercise.py").read(), "_exercise.py", "exec"), exercise)
await exercise["settle"]()
for name in ALWAYS:
    importlib.import_module(name)

stdlib = zipfile.ZipFile(STDLIB)
wanted_stdlib = set()
for _name, module in list(sys.modules.items()):
    origin = getattr(getattr(module, "__spec__", None), "origin", None) or ""
    if origin.startswith(STDLIB + "/"):
        wanted_stdlib.add(origin[len(STDLIB) + 1:])

def strip_lines(code):
    """Drop line tables (~20% smaller). A traceback still names each frame's file and
    function, not its line; the runtime's own code is stripped too, since the survey view's
    3.5 MB budget has no room for its 11 KB (brotli) of line tables."""
    consts = tuple(strip_lines(c) if isinstance(c, type(code)) else c for c in code.co_consts)
    return code.replace(co_linetable=b"", co_consts=consts)


def compile_to(arcname, source, filename):
    # optimize=2: no docstrings or asserts.
    code = strip_lines(compile(source, filename, "exec", dont_inherit=True, optimize=2))
    data = importlib._bootstrap_external._code_to_hash_pyc(
        code, importlib.util.source_hash(source), checked=False)
    target = os.path.join(OUT, "pyc", arcname[:-3] + ".pyc")
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with open(target, "wb") as f:
        f.write(data)

listing = {"stdlib": [], "stage": []}
# A left-out stdlib module nothing loaded at start-up ships as a stub all the same, so an
# import of it (never a use) works.
stdlib_names = set(stdlib.namelist())
for name in pre_stubbed:
    base = name.replace(".", "/")
    for arcname in (f"{base}.py", f"{base}/__init__.py"):
        if arcname in stdlib_names:
            wanted_stdlib.add(arcname)
for arcname in sorted(wanted_stdlib):
    mod = arcname[:-3].replace("/__init__", "").replace("/", ".")
    source = STUB if mod in LEFT_OUT else stdlib.read(arcname)
    compile_to(arcname, source, f"{STDLIB}/{arcname}")
    listing["stdlib"].append(arcname)
# From the stage: all of the runtime's own package, and of its dependencies only the
# modules the session really imported.
imported = {getattr(getattr(m, "__spec__", None), "origin", None) for m in list(sys.modules.values())}
for root, dirs, files in os.walk(STAGE):
    dirs.sort()
    for fname in sorted(files):
        full = os.path.join(root, fname)
        rel = os.path.relpath(full, STAGE)
        if not fname.endswith(".py") or rel.startswith("_exercise"):
            continue
        if not rel.startswith("runtime/") and full not in imported:
            mod = rel[:-3].replace("/__init__", "").replace("/", ".")
            if mod not in LEFT_OUT:
                continue
        mod = rel[:-3].replace("/__init__", "").replace("/", ".")
        with open(full, "rb") as f:
            compile_to(rel, STUB if mod in LEFT_OUT else f.read(), f"{STDLIB}/{rel}")
        listing["stage"].append(rel)

with open(os.path.join(OUT, "modules.json"), "w") as f:
    json.dump(listing, f, indent=1, sort_keys=True)
print(f"compiled {len(listing['stdlib'])} stdlib and {len(listing['stage'])} runtime modules")
