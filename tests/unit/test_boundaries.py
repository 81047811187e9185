"""Who may use whom (issue 26, items 4 and 5): the product (sondage/, runtime/, build/) never
imports the tests, the benchmark or devtools/; the benchmark uses no test code (what both
need is in devtools/); and nothing in the product is there only for the benchmark: each
name bench/ takes from the package is used by the package itself, and no production module
of the collector speaks of the benchmark."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("sondage", "runtime", "build")        # the wheel's Python: sondage, runtime, build
NOT_PRODUCT = ("tests", "bench", "devtools")


def python_files(*folders: str) -> Iterator[Path]:
    for folder in folders:
        yield from sorted((ROOT / folder).rglob("*.py"))


def imported_modules(path: Path) -> Iterator[str]:
    """The absolute modules ``path`` imports (relative imports stay inside its own package)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


def top(module: str) -> str:
    return module.split(".")[0]


def test_the_product_imports_no_tests_benchmark_or_devtools() -> None:
    found = [f"{path.relative_to(ROOT)} imports {module}" for path in python_files(*PRODUCT)
             for module in imported_modules(path) if top(module) in NOT_PRODUCT]
    assert not found, "production code must not depend on these:\n" + "\n".join(found)


# The one module of tests/ the benchmark takes: how Chromium is launched (the developers'
# guide keeps the launch arguments in tests/chromium.py), so that it measures the browser the
# tests drive. It is configuration, with no test code.
BENCH_MAY_TAKE = {"tests.chromium"}


def test_the_benchmark_uses_no_test_code() -> None:
    found = [f"{path.relative_to(ROOT)} imports {module}" for path in python_files("bench")
             for module in imported_modules(path) if top(module) == "tests" and module not in BENCH_MAY_TAKE]
    assert not found, "bench/ must not import tests/ (put what both need in devtools/):\n" + "\n".join(found)


def test_devtools_import_no_tests_or_benchmark() -> None:
    found = [f"{path.relative_to(ROOT)} imports {module}" for path in python_files("devtools")
             for module in imported_modules(path) if top(module) in ("tests", "bench")]
    assert not found, "\n".join(found)


def used_names(path: Path) -> set[str]:
    """The names ``path``'s code reads (not those it only defines)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            names.add(node.id)
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
    return names


def test_nothing_in_the_product_is_there_only_for_the_benchmark() -> None:
    taken: dict[str, set[str]] = {}          # name -> the bench files that import it from the package
    for path in python_files("bench"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and top(node.module or "") == "sondage":
                for alias in node.names:
                    taken.setdefault(alias.name, set()).add(path.name)
    assert taken, "bench/ imports nothing from the package? (this test reads bench/*.py)"
    used = set().union(*(used_names(path) for path in python_files(*PRODUCT)))
    only_bench = {name: sorted(files) for name, files in taken.items() if name not in used}
    assert not only_bench, f"only the benchmark uses these names of the package (move them into bench/): {only_bench}"


def test_the_collector_does_not_speak_of_the_benchmark() -> None:
    """A hook kept for the benchmark says so (as the byte counting middleware and the servers'
    listeners once did); the benchmark wraps the app and the demo site's handler instead."""
    word = re.compile(r"\bbench(mark)?s?\b", re.I)
    files = [*python_files("sondage"), *sorted((ROOT / "sondage" / "templates").glob("*.html"))]
    found = [f"{path.relative_to(ROOT)}:{n}: {line.strip()}" for path in files
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if word.search(line)]
    assert not found, "production code kept for the benchmark:\n" + "\n".join(found)
