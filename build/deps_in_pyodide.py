"""Runs inside the pinned Pyodide under Node during `sondage build` (see python_bundle.py):
installs the browser's own dependencies (jinja2, markupsafe) with micropip, as the visitors'
interpreter would, checks they are pure Python, and copies their installed modules to
/out/site (the runtime's bundle is made from them) with micropip.freeze()'s lock in
/out/lock.json."""

import importlib
import importlib.metadata
import json
import os
import sys
import zipfile

request = json.load(open("/stage/request.json"))
site_packages = next(p for p in sys.path if p.endswith("site-packages"))
zipfile.ZipFile(request["micropip"]).extractall(site_packages)
importlib.invalidate_caches()

import micropip  # noqa: E402

await micropip.install([f"emfs:{w}" for w in request["wheels"]], deps=False)  # noqa: F704
importlib.invalidate_caches()
for name in request["names"]:
    dist = importlib.metadata.distribution(name)
    for file in dist.files or []:
        path = str(file)
        if path.endswith((".so", ".pyd")):     # (a C source shipped as data is not code)
            raise SystemExit(f"{name}: {path} is compiled code; the browser takes pure Python only")
        if ".dist-info/" in path or not path.endswith(".py"):
            continue
        target = os.path.join("/out/site", path)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as f:
            f.write(file.read_binary())
with open("/out/lock.json", "w") as f:      # reduced to these wheels by the build (python_bundle.py)
    f.write(micropip.freeze())
