"""Runs inside Pyodide booted from the *built* zip (see python_bundle.py): replays the
build's survey session with nothing but the bundle on sys.path, so a module the bundle
left out fails the build here instead of in a visitor's browser. It lists the zip's modules
it imported, and the build drops the others."""

import json
import sys

STDLIB = "/lib/python314.zip/"

sys.path[:] = [p for p in sys.path if not p.startswith("/stage")]
exercise = {"__name__": "_exercise"}
exec(compile(open("/stage/_exercise.py").read(), "_exercise.py", "exec"), exercise)
await exercise["settle"]()
# The zip's entries this boot imported: the build leaves out the rest.
origins = {getattr(getattr(m, "__spec__", None), "origin", None) or "" for m in list(sys.modules.values())}
with open("/out/imported.json", "w") as f:
    json.dump(sorted(o[len(STDLIB):] for o in origins if o.startswith(STDLIB)), f)
print("verified: the built zip boots and plays a whole survey session")
