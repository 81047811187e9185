"""A database that is down, restarting or locked: the collector answers 503 with Retry-After
and a JSON error (never a 500, never a dropped connection), says so on /readyz, and recovers
by itself once the database is back. A real PostgreSQL stopped and started again under a
running `sondage collector` process; a SQLite file locked by another process."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from runtime.records import answer_record
from runtime.survey_format import load_site_data
from sondage.collector import database
from sondage.collector.config import CollectorConfig
from sondage.collector.database import Store
from sondage.collector.server import start
from tests.conftest import wait_until

from .test_collector_server import make_bundle, post, request
from .test_two_collectors import free_port


@pytest.fixture
def records(site_data):
    survey = load_site_data(site_data).surveys[0]
    return [answer_record(survey, survey.questions[0], i, record_id=f"rec-outage-{i}", site="shop", now=float(i))
            for i in range(3)]


def unavailable(reply: tuple[int, dict[str, str], bytes]) -> str:
    """The error of a 503 with Retry-After and a JSON body (fails on anything else)."""
    status, headers, body = reply
    assert status == 503, (status, body)
    assert int(headers["retry-after"]) >= 1
    assert headers["content-type"].startswith("application/json")
    message = json.loads(body)["error"]
    assert "not available" in message
    return str(message)


def test_postgresql_restarting_under_a_running_collector(records):
    from devtools.postgres import PostgresServer, new_database

    folder = Path(tempfile.mkdtemp(prefix="sondage-outage-"))   # not under pytest's: postgres must reach it
    server = PostgresServer(folder)
    server.start()
    proc = None
    try:
        url = new_database(server.url, "sondage_outage")
        port = free_port()
        proc = subprocess.Popen([sys.executable, "-m", "sondage.cli", "collector", "--db", url, "--port", str(port),
                                 "--rate-limit", "0"], env={**os.environ, "SONDAGE_ADMIN_TOKEN": "outage"},
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"

        def answers(path: str) -> tuple[int, dict[str, str], bytes]:
            try:
                return request(base + path)
            except OSError as e:
                return 0, {}, str(e).encode()

        wait_until(None, lambda: answers("/healthz")[0] == 200, "the collector to start")
        assert post(base + "/collect", {"records": [records[0]]})[0] == 200
        assert answers("/readyz")[0] == 200

        server.stop()
        unavailable(post(base + "/collect", {"records": [records[1]]}))
        unavailable(answers("/readyz"))
        unavailable(request(base + "/responses.json", headers={"Authorization": "Bearer outage"}))
        assert answers("/healthz")[0] == 200                           # the process itself is up
        assert proc.poll() is None

        server.start()                                                 # back: nothing to do by hand
        status, _, body = wait_until(None, lambda: (r := post(base + "/collect", {"records": records[1:]}))[0] != 503
                                     and r, "the collector to store again")
        assert status == 200 and json.loads(body)["stored"] == [r["id"] for r in records[1:]]
        assert answers("/readyz")[0] == 200
        store = Store(url)
        assert sorted(r["id"] for r in store.export()) == sorted(r["id"] for r in records)
        store.close()
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=20)
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def test_a_locked_sqlite_database_gives_503_with_retry_after_then_stores(tmp_path, records, monkeypatch):
    monkeypatch.setattr(database, "SQLITE_BUSY_MS", 200)
    path = tmp_path / "locked.db"
    running = start(make_bundle(tmp_path), port=0, db=path, config=CollectorConfig(admin_token="x", rate_per_second=0))
    other = sqlite3.connect(path, isolation_level=None)       # another process's writer, holding the lock
    try:
        url = running.runtime_url + "collect"
        other.execute("BEGIN EXCLUSIVE")
        assert "OperationalError" in unavailable(post(url, {"records": [records[0]]}))
        status, headers, _ = request(url, json.dumps({"records": [records[0]]}).encode(),
                                     {"Content-Type": "application/json", "Origin": "https://shop.example"})
        assert status == 503 and "retry-after" in headers["access-control-expose-headers"].lower()
        other.execute("COMMIT")
        status, _, body = post(url, {"records": [records[0]]})
        assert status == 200 and json.loads(body)["stored"] == [records[0]["id"]]
    finally:
        other.close()
        running.stop()
