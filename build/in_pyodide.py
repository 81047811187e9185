"""Runs inside Pyodide (under Node) during `sondage build`; see pyodide_tool.mjs.

1. Imports the staged runtime and plays a whole survey session on every question type,
   so every module a visitor's browser imports gets imported here too.
2. Compiles every module in ``sys.modules`` that came from the stdlib zip or the stage,
   plus the stage's own files, to unchecked hash-based .pyc (no timestamps: the same
   inputs give the same bytes), and writes them under /out/pyc with a list in
   /out/modules.json.
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
ALWAYS = ["encodings.cp437", "encodings.idna", "encodings.punycode", "encodings.latin_1",
          "encodings.ascii", "encodings.utf_8_sig", "encodings.unicode_escape",
          "encodings.raw_unicode_escape"]

sys.path.insert(0, STAGE)
sys.dont_write_bytecode = True

exec(compile(open(f"{STAGE}/_exercise.py").read(), "_exercise.py", "exec"), {"__name__": "_exercise"})
for name in ALWAYS:
    importlib.import_module(name)

stdlib = zipfile.ZipFile(STDLIB)
wanted_stdlib = set()
for name, module in list(sys.modules.items()):
    origin = getattr(getattr(module, "__spec__", None), "origin", None) or ""
    if origin.startswith(STDLIB + "/"):
        wanted_stdlib.add(origin[len(STDLIB) + 1:])

def compile_to(arcname, source, filename):
    code = compile(source, filename, "exec", dont_inherit=True)
    data = importlib._bootstrap_external._code_to_hash_pyc(
        code, importlib.util.source_hash(source), checked=False)
    target = os.path.join(OUT, "pyc", arcname[:-3] + ".pyc")
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with open(target, "wb") as f:
        f.write(data)

listing = {"stdlib": [], "stage": []}
for arcname in sorted(wanted_stdlib):
    compile_to(arcname, stdlib.read(arcname), f"{STDLIB}/{arcname}")
    listing["stdlib"].append(arcname)
for root, dirs, files in os.walk(STAGE):
    dirs.sort()
    for fname in sorted(files):
        full = os.path.join(root, fname)
        rel = os.path.relpath(full, STAGE)
        if not fname.endswith(".py") or rel == "_exercise.py":
            continue
        with open(full, "rb") as f:
            compile_to(rel, f.read(), f"{STDLIB}/{rel}")
        listing["stage"].append(rel)

with open(os.path.join(OUT, "modules.json"), "w") as f:
    json.dump(listing, f, indent=1, sort_keys=True)
print(f"compiled {len(listing['stdlib'])} stdlib and {len(listing['stage'])} runtime modules")
