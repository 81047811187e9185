"""Collector benchmark (not a test): answers per second stored by one `sondage collector`
process, and the p50/p99 latency of `POST /collect`, on SQLite and on PostgreSQL.

A loopback load generator (127.0.0.1 only) runs CLIENTS threads, each with a keep-alive
connection, posting one answer per request for SECONDS seconds (at most MAX_REQUESTS in
all). Every answer is new, so each one is an insert. Results: bench/results/collector.json.
"""

from __future__ import annotations

import http.client
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from devtools.postgres import new_database, postgres_server  # noqa: E402
from runtime.records import answer_record  # noqa: E402
from runtime.survey_format import load_site_data  # noqa: E402

CLIENTS = 8
SECONDS = 10.0
MAX_REQUESTS = 20_000
SITE = {"format": 1, "site": "bench", "surveys": [{"id": "nps", "site": "bench", "name": "NPS",
        "questions": [{"id": "q", "type": "nps", "prompt": "How likely?"}]}]}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run(db: str) -> dict[str, float]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "sondage.cli", "collector", "--db", db, "--port", str(port),
                             "--rate-limit", "0"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "SONDAGE_ADMIN_TOKEN": "bench"})
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("the collector did not start") from None
                time.sleep(0.1)
        survey = load_site_data(SITE).surveys[0]
        latencies: list[float] = []
        lock = threading.Lock()
        counter = iter(range(MAX_REQUESTS))
        stop_at = time.monotonic() + SECONDS

        def client(n: int) -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            mine: list[float] = []
            while time.monotonic() < stop_at:
                try:
                    i = next(counter)
                except StopIteration:
                    break
                record = answer_record(survey, survey.questions[0], i % 11, record_id=f"bench-{n}-{i:08d}",
                                       site="bench", now=time.time())
                body = json.dumps({"records": [record]})
                t0 = time.perf_counter()
                conn.request("POST", "/collect", body, {"Content-Type": "application/json"})
                response = conn.getresponse()
                data = response.read()
                mine.append(time.perf_counter() - t0)
                assert response.status == 200 and json.loads(data)["stored"], data
            conn.close()
            with lock:
                latencies.extend(mine)

        started = time.monotonic()
        threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
        latencies.sort()
        return {"answers": len(latencies), "seconds": round(elapsed, 2),
                "answers_per_second": round(len(latencies) / elapsed, 1),
                "p50_ms": round(statistics.median(latencies) * 1000, 2),
                "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 2)}
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def main() -> None:
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="sondage-bench-") as tmp:
        results["sqlite"] = run(str(Path(tmp) / "bench.db"))
        folder = Path(tempfile.mkdtemp(prefix="sondage-bench-pg-"))
        with postgres_server(folder) as server:
            results["postgresql"] = run(new_database(server, "sondage_bench"))
    report = {"when": time.strftime("%Y-%m-%d %H:%M:%S %z"), "clients": CLIENTS, "seconds": SECONDS,
              "machine": {"cpus": os.cpu_count(), "python": platform.python_version()}, "results": results}
    out = ROOT / "bench" / "results" / "collector.json"
    out.write_text(json.dumps(report, indent=1) + "\n")
    print(f"one collector process, {CLIENTS} loopback clients, {SECONDS:g} s, one answer per POST")
    print("| database | answers stored / s | p50 ms | p99 ms | answers |")
    print("|---|---:|---:|---:|---:|")
    for name, r in results.items():
        print(f"| {name} | {r['answers_per_second']:,.0f} | {r['p50_ms']} | {r['p99_ms']} | {r['answers']:,} |")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
