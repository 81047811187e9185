"""How the collector scales past one machine: two `sondage collector` processes on one
PostgreSQL database, posted to at once (the same answers to both, too), sharing the
webhook queue. Every answer is stored once and delivered to the webhook once."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from runtime.records import answer_record
from runtime.survey_format import load_site_data
from sondage.collector.database import Store
from tests.receiver import Receiver

from .test_webhooks import SECRET


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def post(url: str, records: list[dict]) -> dict:
    request = urllib.request.Request(url, data=json.dumps({"records": records}).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def test_two_collector_processes_share_one_postgresql_database(postgres, tmp_path, site_data):
    from devtools.postgres import new_database

    url = new_database(postgres, "sondage_two_collectors")
    Store(url).close()                        # migrated once up front, as a deploy would
    receiver = Receiver()
    config = tmp_path / "collector.yaml"
    config.write_text(f"rate_limit: {{per_second: 0}}\nwebhooks:\n  shop:\n"
                      f"    - {{url: {receiver.url}, secret_env: HOOK_SECRET}}\n")
    env = {**os.environ, "HOOK_SECRET": SECRET, "SONDAGE_ADMIN_TOKEN": "two-collectors"}
    ports = [free_port(), free_port()]
    procs = [subprocess.Popen([sys.executable, "-m", "sondage.cli", "collector", "--db", url, "--port", str(p),
                               "--config", str(config)], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True) for p in ports]
    try:
        urls = [f"http://127.0.0.1:{p}/collect" for p in ports]
        deadline = time.monotonic() + 60
        for p, proc in zip(ports, procs, strict=True):
            while True:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{p}/health", timeout=2).close()
                    break
                except OSError:
                    assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
                    assert time.monotonic() < deadline, "a collector did not start"
                    time.sleep(0.1)   # polling for the port, bounded by the deadline
        survey = load_site_data(site_data).surveys[0]
        records = [answer_record(survey, survey.questions[0], i % 11, record_id=f"rec-two-{i:04d}", site="shop",
                                 now=float(i)) for i in range(60)]
        batches = [records[i:i + 5] for i in range(0, 60, 5)]
        # Each batch to one collector, and the same batch to the other, all at once.
        jobs = [(urls[(i + k) % 2], b) for k in (0, 1) for i, b in enumerate(batches)]
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(lambda job: post(*job), jobs))
        stored = [rid for r in results for rid in r["stored"]]
        duplicates = [rid for r in results for rid in r["duplicates"]]
        assert sorted(stored) == sorted(r["id"] for r in records)        # each stored exactly once
        assert sorted(duplicates) == sorted(r["id"] for r in records)    # and recognised the second time
        store = Store(url)
        assert len(store.export()) == 60
        store.close()
        # Both processes work the webhook queue; each answer reaches the receiver once.
        deadline = time.monotonic() + 30
        while len(receiver.got) < 60 and time.monotonic() < deadline:
            time.sleep(0.1)   # the queue is worked every second, bounded by the deadline
        delivered = [g["headers"]["x-sondage-delivery"] for g in receiver.got]
        assert len(delivered) == 60 and len(set(delivered)) == 60
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=20)
            if proc.stdout:
                proc.stdout.close()
        receiver.close()
