"""Dashboard benchmark (not a test): the response time of the results pages over 100,000
answers, on SQLite and on PostgreSQL (goal: under 300 ms p50 on these machines).

The demo site's surveys are seeded with made-up showings (views, answers, some left
half-way, some preview) until there are ANSWERS answers, through the collector's own
`Store.add`; then the collector serves the dashboard on 127.0.0.1 and REQUESTS requests are
timed one after another (the dashboard unfiltered, with a date, page and trait filter, over a
month compared with the month before; the list of responses), after one warm-up. Results: bench/results/dashboard.json.

After the bulk load, PostgreSQL's tables are vacuumed and analysed, as its autovacuum does on
its own after so many new rows (a freshly loaded table has no statistics and no visibility
map: its plans and index-only scans are not those of a running collector's).
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from build.bundle import build  # noqa: E402
from devtools.postgres import new_database, postgres_server  # noqa: E402
from devtools.seed import seed_store  # noqa: E402
from sondage.catalogue import Catalogue  # noqa: E402
from sondage.collector.config import CollectorConfig  # noqa: E402
from sondage.collector.database import Store  # noqa: E402
from sondage.collector.server import start  # noqa: E402

ANSWERS = 100_000
REQUESTS = 15
GOAL_MS = 300.0
# The pages a site owner opens: the dashboard unfiltered, filtered, and over a month compared
# with the month before (with its trends); a survey's responses, newest first.
PAGES = {"all answers": "dashboard?",
         "filtered": "dashboard?since=2026-06-01&until=2026-06-20&url=/cart&trait=plan%3Dpro&",
         "a month compared": "dashboard?since=2026-06-01&until=2026-06-30&",
         "responses": "dashboard/responses?"}


def run(db: str, bundle: Path, site: str) -> dict[str, float]:
    store = Store(db)
    started = time.perf_counter()
    stored = seed_store(store, Catalogue.from_bundle(bundle).sites[site], ANSWERS)
    seeded = time.perf_counter() - started
    if store.engine.dialect.name == "postgresql":
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
    store.close()
    running = start(bundle, port=0, db=db, config=CollectorConfig(admin_token="bench"))
    out: dict[str, float] = {"records": stored, "seed_s": round(seeded, 1)}
    try:
        for name, query in PAGES.items():
            url = f"{running.runtime_url}{query}token=bench&site={site}"
            urllib.request.urlopen(url).read()                       # warm-up
            times = []
            for _ in range(REQUESTS):
                t = time.perf_counter()
                with urllib.request.urlopen(url) as reply:
                    reply.read()
                times.append((time.perf_counter() - t) * 1000)
            out[f"{name} p50 ms"] = round(statistics.median(times), 1)
            out[f"{name} max ms"] = round(max(times), 1)
    finally:
        running.stop()
    return out


def main() -> None:
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="sondage-bench-dash-") as tmp:
        bundle = build(ROOT / "examples" / "surveys", Path(tmp) / "dist", base_url="http://localhost/").out
        site = sorted(Catalogue.from_bundle(bundle).sites)[0]
        results["sqlite"] = run(str(Path(tmp) / "dash.db"), bundle, site)
        folder = Path(tempfile.mkdtemp(prefix="sondage-bench-pg-"))
        with postgres_server(folder) as server:
            results["postgresql"] = run(new_database(server, "sondage_dash"), bundle, site)
    report = {"when": time.strftime("%Y-%m-%d %H:%M:%S %z"), "answers": ANSWERS, "requests": REQUESTS,
              "machine": {"cpus": os.cpu_count(), "python": platform.python_version()}, "results": results}
    (ROOT / "bench" / "results" / "dashboard.json").write_text(json.dumps(report, indent=1) + "\n")
    print(f"the results pages over {ANSWERS:,} answers ({REQUESTS} requests each, after a warm-up)")
    for db, figures in results.items():
        print(f"  {db}: " + ", ".join(f"{k} {v}" for k, v in figures.items()))
    worst = max(v for figures in results.values() for k, v in figures.items() if k.endswith("p50 ms"))
    print(f"goal p50 < {GOAL_MS:.0f} ms: {'met' if worst < GOAL_MS else 'NOT met'} (worst p50 {worst} ms)")


if __name__ == "__main__":
    main()
