"""Runs inside Pyodide booted from the *built* zip (see python_bundle.py): replays the
build's survey session with nothing but the bundle on sys.path, so a module the bundle
left out fails the build here instead of in a visitor's browser."""

import sys

sys.path[:] = [p for p in sys.path if not p.startswith("/stage")]
exercise = {"__name__": "_exercise"}
exec(compile(open("/stage/_exercise.py").read(), "_exercise.py", "exec"), exercise)
await exercise["settle"]()
print("verified: the built zip boots and plays a whole survey session")
