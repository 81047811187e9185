"""The runtime stays a composition of small parts (issue 26): ``embed.py`` holds the entry
and its dispatch tables, not the logic; no module leans on most of the others; the browser
stays behind one boundary."""

from __future__ import annotations

import ast
import inspect
import textwrap
from pathlib import Path

from runtime import embed, protocol

RUNTIME = Path(__file__).resolve().parents[2] / "runtime"
MODULES = {p.stem: p for p in RUNTIME.glob("*.py") if p.stem != "__init__"}
PACKAGES = {p.name for p in RUNTIME.iterdir() if (p / "__init__.py").is_file()}   # vendors/: one of the others
EMBED_MAX_LINES = 250
MAX_RUNTIME_IMPORTS = 8
# The browser boundary: only these modules may import `js` or `pyodide`.
BROWSER_MODULES = {"browser"}


def runtime_imports(path: Path) -> set[str]:
    """The other runtime modules ``path`` imports: ``from . import x``, ``from .x import ...``,
    ``from runtime(.x) import ...`` and ``import runtime.x``, wherever they are
    (type-checking-only imports count too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            parts = (node.module or "").split(".") if node.module else []
            if node.level == 1:
                rest = parts
            elif parts[:1] == ["runtime"]:
                rest = parts[1:]
            else:
                continue
            found |= {rest[0]} if rest else {alias.name for alias in node.names}
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[:1] == ["runtime"] and len(parts) > 1:
                    found.add(parts[1])
    return (found & (set(MODULES) | PACKAGES)) - {path.stem}


def test_the_import_count_reads_every_form_of_import(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("from . import protocol, screen\nfrom .page import Page\nfrom runtime.timers import Timers\n"
                      "from runtime.visit import Visit\nimport runtime.flow\n"
                      "from . import sample\nimport json\n")
    assert runtime_imports(sample) == {"protocol", "screen", "page", "timers", "visit", "flow"}


def test_embed_py_is_the_entry_not_the_logic():
    lines = len(MODULES["embed"].read_text(encoding="utf-8").splitlines())
    assert lines <= EMBED_MAX_LINES, (
        f"runtime/embed.py is {lines} lines (at most {EMBED_MAX_LINES}): move what it does into the part "
        f"that owns the state it touches")


def test_no_runtime_module_imports_more_than_eight_others():
    heavy = {name: sorted(runtime_imports(path)) for name, path in MODULES.items()
             if len(runtime_imports(path)) > MAX_RUNTIME_IMPORTS}
    assert not heavy, f"runtime modules importing more than {MAX_RUNTIME_IMPORTS} others: {heavy}"


def test_handle_is_a_dispatch_table_with_a_handler_for_every_message():
    """handle() looks the handler up; it never compares the message type with names itself."""
    source = textwrap.dedent(inspect.getsource(embed.Runtime.handle))
    compared = [node for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Compare)
                and any(isinstance(c, ast.Constant) and isinstance(c.value, str) for c in node.comparators)]
    assert not compared, "Runtime.handle() compares the message type with names: put the handler in the table"
    rt = embed.Runtime(clock=lambda: 0.0)
    assert set(rt._messages) == set(protocol.TO_RUNTIME)
    assert set(rt._commands) == set(protocol.COMMANDS)


def test_only_the_browser_boundary_imports_the_browser():
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        roots = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                 for alias in node.names}
        roots |= {(node.module or "").split(".")[0] for node in ast.walk(tree)
                  if isinstance(node, ast.ImportFrom) and node.level == 0}
        if name not in BROWSER_MODULES:
            assert not roots & {"js", "pyodide"}, f"runtime/{name}.py imports the browser ({roots & {'js', 'pyodide'}})"

