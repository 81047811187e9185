"""Scale benchmark (not a test; `make bench-scale`): `sondage collector` processes as an
operator runs them, on 127.0.0.1.

- One and three collectors on one PostgreSQL, one on SQLite; CLIENTS loopback clients (each
  a keep-alive connection to one collector, in turn: a load balancer's round robin), batches
  of 1 and of 20 answers, for SECONDS seconds each: answers stored a second, the p50/p99 of
  `POST /collect`, the requests that failed.
- Faults: three collectors on PostgreSQL under the same load, one killed with SIGKILL and
  PostgreSQL restarted mid-load. A client keeps a batch until a collector acknowledged it
  (as the browser does) and sends it again, to another collector if its own is gone. Then
  every acknowledged answer must be in the database once (answers lost: must be 0).
- The webhook queue: answers stored with a webhook configured, drained by three collectors
  to a local receiver; deliveries a second, each one once.

Results: bench/results/scale.json, and the tables printed.
"""

from __future__ import annotations

import http.client
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from devtools.postgres import PostgresServer, new_database  # noqa: E402
from devtools.receiver import Receiver  # noqa: E402
from runtime.records import answer_record  # noqa: E402
from runtime.survey_format import load_site_data  # noqa: E402
from sondage.collector.database import Store  # noqa: E402
from sondage.collector.webhooks import Webhook, WebhookQueue  # noqa: E402

CLIENTS = 16
SECONDS = float(os.environ.get("SONDAGE_BENCH_SECONDS", "10"))
SITE = {"format": 1, "site": "bench", "surveys": [{"id": "nps", "site": "bench", "name": "NPS",
        "questions": [{"id": "q", "type": "nps", "prompt": "How likely?"}]}]}
SURVEY = load_site_data(SITE).surveys[0]
TEMPLATE = answer_record(SURVEY, SURVEY.questions[0], 7, record_id="template-0001", site="bench", now=time.time(),
                         response_id="template-showing")
SECRET = "bench-webhook-secret"
QUEUE_ANSWERS = 6000
QUEUE_BACKLOG = 10_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Collectors:
    """``count`` `sondage collector` processes on ``db``, started at once."""

    def __init__(self, db: str, count: int, config: Path | None = None, env: dict[str, str] | None = None) -> None:
        self.db = db
        self.config = config
        self.env = {**os.environ, "SONDAGE_ADMIN_TOKEN": "bench", **(env or {})}
        self.ports = [free_port() for _ in range(count)]
        self.procs: list[subprocess.Popen[bytes] | None] = [self._start(p) for p in self.ports]
        for port in self.ports:
            self.wait_ready(port)

    def _start(self, port: int) -> subprocess.Popen[bytes]:
        extra = ["--config", str(self.config)] if self.config else ["--rate-limit", "0"]
        return subprocess.Popen([sys.executable, "-m", "sondage.cli", "collector", "--db", self.db,
                                 "--port", str(port), *extra], env=self.env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    @staticmethod
    def wait_ready(port: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/readyz")
                if conn.getresponse().status == 200:
                    conn.close()
                    return
                conn.close()
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the collector on port {port} did not become ready")
            time.sleep(0.1)

    def kill(self, index: int) -> None:
        proc = self.procs[index]
        if proc is not None:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=20)
            self.procs[index] = None

    def stop(self) -> None:
        for proc in self.procs:
            if proc is not None:
                proc.terminate()
                proc.wait(timeout=30)


@dataclass
class Load:
    """What the clients saw: each request's latency when it was acknowledged, the requests
    that failed (by status, 0: no answer), and the ids acknowledged."""

    latencies: list[float] = field(default_factory=list)
    failed: dict[int, int] = field(default_factory=dict)
    acknowledged: list[str] = field(default_factory=list)
    sent: int = 0
    seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def summary(self) -> dict[str, Any]:
        lat = sorted(self.latencies)

        def pct(p: float) -> float:
            return round(lat[min(len(lat) - 1, int(len(lat) * p))] * 1000, 1) if lat else 0.0

        return {"answers_per_second": round(len(self.acknowledged) / self.seconds, 1) if self.seconds else 0,
                "requests": len(lat) + sum(self.failed.values()), "p50_ms": pct(0.5), "p99_ms": pct(0.99),
                "max_ms": pct(1.0), "requests_failed": sum(self.failed.values()),
                "failed_by_status": {str(k): v for k, v in sorted(self.failed.items())},
                "answers": len(self.acknowledged)}


def run_load(ports: list[int], batch: int, seconds: float, tag: str,
             during: Callable[[float], None] | None = None) -> Load:
    """CLIENTS clients posting batches of ``batch`` new answers for ``seconds``; ``during``
    is called with the time elapsed, from another thread, while they post (faults)."""
    load = Load()
    stop_at = time.monotonic() + seconds
    counter = iter(range(10**9))
    counter_lock = threading.Lock()

    def client(n: int) -> None:
        order = [ports[(n + k) % len(ports)] for k in range(len(ports))]   # its own first, then the others
        conn: http.client.HTTPConnection | None = None
        target = 0
        pending: list[dict[str, Any]] = []
        while time.monotonic() < stop_at or pending:
            if time.monotonic() > stop_at + 60:
                break
            if not pending:
                with counter_lock:
                    ids = [next(counter) for _ in range(batch)]
                # Each a new answer of its own showing (as browsers send them); made from one
                # record, so the load generator spends its CPU on sending, not on making them.
                pending = [{**TEMPLATE, "id": f"{tag}-{n}-{i:09d}", "response_id": f"{tag}-showing-{n}-{i:09d}",
                            "response_int": i % 11, "response_string": str(i % 11)} for i in ids]
            body = json.dumps({"records": pending})
            t0 = time.perf_counter()
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", order[target], timeout=30)
                conn.request("POST", "/collect", body, {"Content-Type": "application/json"})
                response = conn.getresponse()
                data = response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                status, data = 0, b""
            elapsed = time.perf_counter() - t0
            if status == 200:
                reply = json.loads(data)
                with load.lock:
                    load.latencies.append(elapsed)
                    load.acknowledged.extend(reply["stored"] + reply["duplicates"])
                pending = []
                continue
            with load.lock:
                load.failed[status] = load.failed.get(status, 0) + 1
            if conn is not None:
                conn.close()
            conn = None
            if status == 0:
                target = (target + 1) % len(order)      # its collector is gone: the load balancer's next
            time.sleep(0.2 if status == 0 else 0.5)     # what a client waits before sending again
        if conn is not None:
            conn.close()

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for t in threads:
        t.start()
    if during is not None:
        faults = threading.Thread(target=lambda: during(started))
        faults.start()
    for t in threads:
        t.join()
    if during is not None:
        faults.join()
    load.seconds = min(time.monotonic() - started, seconds) if not load.failed else time.monotonic() - started
    return load


def stored_ids(db: str, prefix: str) -> list[str]:
    store = Store(db)
    try:
        return [r["id"] for r in store.export(site="bench") if r["id"].startswith(prefix)]
    finally:
        store.close()


def throughput(db: str, count: int, batch: int, tag: str) -> dict[str, Any]:
    collectors = Collectors(db, count)
    try:
        load = run_load(collectors.ports, batch, SECONDS, tag)
    finally:
        collectors.stop()
    return {**load.summary(), **lost(db, tag, load)}


def lost(db: str, tag: str, load: Load) -> dict[str, int]:
    """Answers acknowledged but not in the database, and any stored twice (both must be 0)."""
    stored = stored_ids(db, tag)
    return {"answers_lost": len(set(load.acknowledged) - set(stored)), "stored_twice": len(stored) - len(set(stored))}


def faults(db: str, server: PostgresServer, batch: int) -> dict[str, Any]:
    """Three collectors under load; one killed with SIGKILL at a third of the time, PostgreSQL
    restarted at two thirds. Answers lost: acknowledged, but not in the database."""
    collectors = Collectors(db, 3)
    tag = f"faults{batch}"
    events: list[str] = []

    def during(started: float) -> None:
        time.sleep(SECONDS / 3)
        collectors.kill(0)
        events.append(f"collector 1 killed (SIGKILL) at {time.monotonic() - started:.1f} s")
        time.sleep(SECONDS / 3)
        at = time.monotonic() - started
        server.stop()
        server.start()
        events.append(f"PostgreSQL restarted at {at:.1f} s (down {time.monotonic() - started - at:.1f} s)")

    try:
        load = run_load(collectors.ports, batch, SECONDS, tag, during)
    finally:
        collectors.stop()
    return {**load.summary(), **lost(db, tag, load), "events": events}


def queue_drain(db: str, count: int = 3) -> dict[str, Any]:
    """The webhook queue, two ways. Live: QUEUE_ANSWERS answers posted to ``count``
    collectors with a webhook configured, and how long after the first delivery the last one
    came (does the queue keep up with answers arriving?). Backlog: QUEUE_BACKLOG deliveries
    queued while no collector ran, then drained by ``count`` collectors started at once."""
    receiver = Receiver()
    folder = Path(tempfile.mkdtemp(prefix="sondage-bench-queue-"))
    config = folder / "collector.yaml"
    config.write_text(f"rate_limit: {{per_second: 0}}\nwebhooks:\n  bench:\n"
                      f"    - {{url: {receiver.url}, secret_env: BENCH_HOOK_SECRET}}\n")
    env = {"BENCH_HOOK_SECRET": SECRET}
    result: dict[str, Any] = {"collectors": count}
    try:
        collectors = Collectors(db, count, config, env)
        try:
            started = time.monotonic()
            records = [answer_record(SURVEY, SURVEY.questions[0], i % 11, record_id=f"queue-{i:08d}", site="bench",
                                     now=time.time()) for i in range(QUEUE_ANSWERS)]
            lock = threading.Lock()
            batches = [records[i:i + 20] for i in range(0, len(records), 20)]

            def post(n: int) -> None:
                conn = http.client.HTTPConnection("127.0.0.1", collectors.ports[n % count], timeout=30)
                while True:
                    with lock:
                        if not batches:
                            break
                        batch = batches.pop()
                    conn.request("POST", "/collect", json.dumps({"records": batch}),
                                 {"Content-Type": "application/json"})
                    response = conn.getresponse()
                    response.read()
                    assert response.status == 200, response.status
                conn.close()

            threads = [threading.Thread(target=post, args=(n,)) for n in range(CLIENTS)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            stored_at = time.monotonic() - started
            wait_for(receiver, QUEUE_ANSWERS)
        finally:
            collectors.stop()
        times = sorted(g["at"] for g in receiver.got)
        delivered = [g["headers"]["x-sondage-delivery"] for g in receiver.got]
        result["live"] = {"answers": QUEUE_ANSWERS, "stored_in_s": round(stored_at, 2),
                          "answers_per_second": round(QUEUE_ANSWERS / stored_at, 1),
                          "last_delivered_after_s": round(times[-1] - started, 2),
                          "deliveries_per_second": round(len(delivered) / max(times[-1] - times[0], 1e-3), 1),
                          "delivered": len(delivered), "delivered_twice": len(delivered) - len(set(delivered))}
        receiver.got.clear()
        store = Store(db)
        queue = WebhookQueue(store, {"bench": [Webhook(receiver.url, SECRET)]})
        for i in range(0, QUEUE_BACKLOG, 500):
            queue.enqueue([answer_record(SURVEY, SURVEY.questions[0], k % 11, record_id=f"backlog-{k:08d}",
                                         site="bench", now=time.time()) for k in range(i, i + 500)])
        store.close()
        collectors = Collectors(db, count, config, env)
        try:
            wait_for(receiver, QUEUE_BACKLOG)
        finally:
            collectors.stop()
        times = sorted(g["at"] for g in receiver.got)
        delivered = [g["headers"]["x-sondage-delivery"] for g in receiver.got]
        result["backlog"] = {"deliveries": QUEUE_BACKLOG, "drained_in_s": round(times[-1] - times[0], 2),
                             "deliveries_per_second": round(len(delivered) / max(times[-1] - times[0], 1e-3), 1),
                             "delivered": len(delivered), "delivered_twice": len(delivered) - len(set(delivered))}
        return result
    finally:
        receiver.close()


def wait_for(receiver: Receiver, count: int) -> None:
    deadline = time.monotonic() + 600
    while len(receiver.got) < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the queue delivered {len(receiver.got)} of {count} in 10 minutes")
        time.sleep(0.05)


def main() -> None:
    only = set(sys.argv[1:])
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="sondage-bench-scale-") as tmp:
        if not only or "sqlite" in only:
            for batch in (1, 20):
                results[f"sqlite, 1 collector, batches of {batch}"] = throughput(
                    str(Path(tmp) / f"bench{batch}.db"), 1, batch, f"sqlite{batch}")
        folder = Path(tempfile.mkdtemp(prefix="sondage-bench-scale-pg-"))
        server = PostgresServer(folder)
        server.start()
        try:
            db = new_database(server.url, "sondage_scale")
            Store(db).close()
            if not only or "postgresql" in only:
                for count in (1, 3):
                    for batch in (1, 20):
                        results[f"postgresql, {count} collector{'s' if count > 1 else ''}, batches of {batch}"] = \
                            throughput(db, count, batch, f"pg{count}x{batch}")
            if not only or "faults" in only:
                for batch in (1, 20):
                    results[f"faults: postgresql, 3 collectors, batches of {batch}"] = faults(db, server, batch)
            if not only or "queue" in only:
                results["queue"] = queue_drain(new_database(server.url, "sondage_scale_queue"))
        finally:
            server.stop()
    report = {"when": time.strftime("%Y-%m-%d %H:%M:%S %z"), "clients": CLIENTS, "seconds": SECONDS,
              "machine": {"cpus": os.cpu_count(), "python": platform.python_version()}, "results": results}
    out = ROOT / "bench" / "results" / "scale.json"
    if not only:
        out.write_text(json.dumps(report, indent=1) + "\n")
    print(f"{CLIENTS} loopback clients, {SECONDS:g} s a run, {os.cpu_count()} CPUs (shared with the load)")
    print("| run | answers / s | p50 ms | p99 ms | requests failed (by status; 0: no answer) | answers lost |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, r in results.items():
        if name == "queue":
            continue
        by = ", ".join(f"{k}: {v}" for k, v in r["failed_by_status"].items())
        print(f"| {name} | {r['answers_per_second']:,.0f} | {r['p50_ms']} | {r['p99_ms']} | "
              f"{r['requests_failed']}{f' ({by})' if by else ''} | {r['answers_lost']} |")
        if "events" in r:
            print(f"| ({'; '.join(r['events'])}) | | | | | |")
    twice = sum(r.get("stored_twice", 0) for r in results.values())
    print(f"answers stored twice, in all runs: {twice}")
    if "queue" in results:
        live, backlog = results["queue"]["live"], results["queue"]["backlog"]
        print(f"webhook queue, {results['queue']['collectors']} collectors, one local receiver:")
        print(f"- live: {live['answers']:,} answers posted in {live['stored_in_s']} s "
              f"({live['answers_per_second']:,.0f} / s), the last delivered {live['last_delivered_after_s']} s after "
              f"the first post: {live['deliveries_per_second']:,.0f} deliveries / s, "
              f"{live['delivered_twice']} delivered twice")
        print(f"- backlog: {backlog['deliveries']:,} queued deliveries drained in {backlog['drained_in_s']} s: "
              f"{backlog['deliveries_per_second']:,.0f} deliveries / s, {backlog['delivered_twice']} delivered twice")
    if not only:
        print(f"wrote {out}")


if __name__ == "__main__":
    main()
