"""Collectors started at the same moment (what an orchestrator does with three replicas) on
an empty or an older database: exactly one migrates, the others wait for it and start; none
exits. Real `sondage collector` processes, on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from sondage.collector.database import MIGRATIONS, Store, database_url, schema_version

from .test_two_collectors import free_port

HEAD = "0008"


def migrate_to(url: str, revision: str) -> None:
    """An older database: the schema as revision ``revision`` left it."""
    engine = sa.create_engine(database_url(url))
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    engine.dispose()


def start_together(url: str, count: int = 3) -> list[tuple[int, str]]:
    """Start ``count`` collectors on ``url`` at once; wait until each answers /health (or has
    exited); stop them. Each one's exit code (None: it was serving) and output."""
    ports = [free_port() for _ in range(count)]
    env = {**os.environ, "SONDAGE_ADMIN_TOKEN": "together"}
    procs = [subprocess.Popen([sys.executable, "-m", "sondage.cli", "collector", "--db", url, "--port", str(p)],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
             for p in ports]
    outcomes: list[tuple[int, str]] = []
    try:
        deadline = time.monotonic() + 90
        for port, proc in zip(ports, procs, strict=True):
            while proc.poll() is None:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).close()
                    break
                except OSError:
                    assert time.monotonic() < deadline, "a collector neither started nor exited"
                    time.sleep(0.1)   # polling for the port, bounded by the deadline
    finally:
        for proc in procs:
            code = proc.poll()
            if code is None:
                proc.terminate()
                proc.wait(timeout=20)
            output = proc.stdout.read() if proc.stdout else ""
            if proc.stdout:
                proc.stdout.close()
            outcomes.append((-1 if code is None else code, output))
    return outcomes


@pytest.mark.parametrize("older", [None, "0004"], ids=["empty", "older"])
def test_three_collectors_started_at_once_migrate_once(db_url, older):
    if older:
        migrate_to(db_url, older)
    outcomes = start_together(db_url)
    for code, output in outcomes:
        assert code == -1, f"a collector exited with {code}:\n{output}"     # each was serving
    migrated = [output for _, output in outcomes if f"schema {HEAD}, migrated from" in output]
    waited = [output for _, output in outcomes if f"schema {HEAD}, up to date" in output]
    assert len(migrated) == 1, [o for _, o in outcomes]
    assert len(waited) == 2
    assert f"migrated from {older or 'an empty database'}" in migrated[0]
    store = Store(db_url)
    assert schema_version(store.engine) == HEAD
    assert not store.migrated.changed
    store.close()
