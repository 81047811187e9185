"""The loader's JavaScript: its pure logic under Node's test runner, and every message type
the bundle's JavaScript uses is one runtime/protocol.py defines."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from sondage.runtime import protocol

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "static"


def test_loader_logic_under_nodes_test_runner():
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node.js is needed (make test installs it)")
    env = {**os.environ, "SONDAGE_PROTOCOL": json.dumps(protocol.for_javascript())}
    proc = subprocess.run([node, "--test", str(ROOT / "tests" / "js")], capture_output=True, text=True,
                          env=env, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert re.search(r"^# pass [1-9]", proc.stdout, re.M), proc.stdout


# `type: "x"`, `m.type === "x"`, `case "x":` and `send("x"` in the JavaScript.
MESSAGE_TYPE = re.compile(r"""(?:type\s*(?:===|!==|:)\s*|case\s+)"([a-z_-]+)\"""")


def message_types_in(source: str) -> set[str]:
    return set(MESSAGE_TYPE.findall(source))


@pytest.mark.parametrize("name", ["loader.js", "loader_logic.js", "frame.js", "worker.mjs"])
def test_every_message_type_in_the_javascript_is_defined(name):
    used = message_types_in((STATIC / name).read_text())
    assert used, f"no message types found in {name}: the pattern is stale"
    # Not messages: Segment's event type "track", Iterate's typed date, a module Worker
    # (the frame's, and the worker's own snapshot worker).
    not_messages = {"loader_logic.js": {"track", "date"}, "frame.js": {"module"},
                    "worker.mjs": {"module"}}.get(name, set())
    undefined = used - protocol.all_message_types() - not_messages
    assert not undefined, f"{name} uses message types runtime/protocol.py does not define: {undefined}"


def test_the_check_catches_an_undefined_type():
    assert message_types_in('post({ type: "telepathy" })') - protocol.all_message_types() == {"telepathy"}


# `prefix + "hint"`, `prefix + "early:"` and `/:outbox(:|$)/` in the loader: the names of
# the visitor's stored state the runtime writes (runtime/protocol.py STORAGE_NAMES).
STORAGE_NAME = re.compile(r"""prefix \+ "([a-z_]+):?"|/:([a-z_]+)\(""")


def storage_names_in(source: str) -> set[str]:
    return {a or b for a, b in STORAGE_NAME.findall(source)}


def test_every_storage_name_in_the_loader_is_defined():
    used = storage_names_in((STATIC / "loader.js").read_text())
    assert {"outbox", "hint", "acked", "early"} <= used, f"the pattern is stale: found only {used}"
    undefined = used - set(protocol.STORAGE_NAMES)
    assert not undefined, f"loader.js reads stored state runtime/protocol.py does not name: {undefined}"


def test_the_check_catches_an_undefined_storage_name():
    assert storage_names_in('localStorage.getItem(prefix + "diary")') - set(protocol.STORAGE_NAMES) == {"diary"}
