"""SQLite, the embedded default, under concurrent clients: one writer with group commit
(sondage/collector/writer.py). No request fails, every answer is stored once; a write that
fails in a group fails alone. (How fast is bench/scale.py's, not a test's.)"""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from runtime.records import answer_record
from runtime.survey_format import load_site_data
from sondage.collector.config import CollectorConfig
from sondage.collector.database import Store, responses
from sondage.collector.server import start
from sondage.collector.writer import GroupWriter
from tests.conftest import wait_until

from .test_collector_server import post

CLIENTS = 16
REQUESTS = 8
BATCH = 20


def test_sixteen_clients_posting_batches_of_twenty_get_no_5xx_and_lose_nothing(tmp_path, site_data):
    survey = load_site_data(site_data).surveys[0]
    running = start(None, port=0, db=tmp_path / "busy.db", config=CollectorConfig(admin_token="x", rate_per_second=0))
    url = running.runtime_url + "collect"

    def client(n: int) -> list[int]:
        statuses = []
        for k in range(REQUESTS):
            records = [answer_record(survey, survey.questions[0], i % 11, record_id=f"busy-{n:02d}-{k:02d}-{i:02d}",
                                     site="shop", now=float(i)) for i in range(BATCH)]
            status, _, body = post(url, {"records": records})
            statuses.append(status)
            assert status != 200 or sorted(json.loads(body)["stored"]) == sorted(r["id"] for r in records)
        return statuses

    try:
        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            statuses = [s for got in pool.map(client, range(CLIENTS)) for s in got]
        assert statuses == [200] * CLIENTS * REQUESTS
        with running.store.engine.connect() as connection:
            count = connection.execute(sa.select(sa.func.count()).select_from(responses)).scalar()
        assert count == CLIENTS * REQUESTS * BATCH
    finally:
        running.stop()


def test_a_write_that_fails_in_a_group_fails_alone(tmp_path):
    store = Store(tmp_path / "group.db")
    writer = store.writer
    assert isinstance(writer, GroupWriter)
    table = sa.table("probe", sa.column("n"))
    store.write(lambda c: c.execute(sa.text("CREATE TABLE probe (n INTEGER PRIMARY KEY)")))
    hold, busy = threading.Event(), threading.Event()
    results: dict[int, object] = {}

    def blocker(connection: sa.Connection) -> None:      # keeps the writer busy while the others queue up
        busy.set()
        hold.wait(timeout=30)

    def insert(n: int) -> None:
        def write(connection: sa.Connection) -> int:
            count = connection.execute(table.insert().values(n=n)).rowcount
            if n == 3:
                raise ValueError("a write that fails")
            return int(count)

        try:
            results[n] = store.write(write)
        except ValueError as e:
            results[n] = e

    first = threading.Thread(target=store.write, args=(blocker,))
    first.start()
    busy.wait(timeout=30)
    threads = [threading.Thread(target=insert, args=(n,)) for n in range(1, 6)]
    for t in threads:
        t.start()
    wait_until(None, lambda: writer.jobs.qsize() == 5, "the five writes to wait for the writer")
    hold.set()
    for t in [first, *threads]:
        t.join(timeout=30)
    assert isinstance(results.pop(3), ValueError)
    assert results == {1: 1, 2: 1, 4: 1, 5: 1}
    with store.engine.connect() as connection:
        assert sorted(connection.execute(sa.text("SELECT n FROM probe")).scalars()) == [1, 2, 4, 5]
    store.close()
    with pytest.raises(RuntimeError, match="writer is closed"):
        store.write(lambda c: None)
