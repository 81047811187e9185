"""The loader's JavaScript: its pure logic under Node's test runner. (That the JavaScript
spells no message type or stored key itself, and takes them from runtime/protocol.py, is
tests/unit/test_contracts.py's; that it uses only those defined is tsc's, on contracts.d.ts.)"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from runtime import protocol

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
