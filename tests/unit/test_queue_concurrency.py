"""The webhook queue worked by several senders at once (WebhookQueue.pump, what the
collector's worker runs), by two queues on one database as two collector processes would:
each delivery once and signed; one response's deliveries in order and never two at once; at
most `per_destination` requests of one process to one receiver at a time; a receiver that
does not answer holds up only its own deliveries. (How fast is bench/scale.py's.)"""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from runtime.records import answer_record
from runtime.survey_format import load_site_data
from sondage.collector.database import Store
from sondage.collector.webhooks import Webhook, WebhookQueue, signature
from tests.conftest import wait_until

SECRET = "queue-secret"
RESPONSES = 5


class Gate:
    """A receiver that holds every request until ``open`` (if ``closed``), counting how many
    it holds at once, in all and per response."""

    def __init__(self, closed: bool = False) -> None:
        self.got: list[dict] = []
        self.inflight = 0
        self.most = 0
        self.per_response: dict[str, int] = {}
        self.most_per_response = 0
        self.lock = threading.Lock()
        self.gate = threading.Event()
        if not closed:
            self.gate.set()
        gate = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                data = json.loads(body)
                response = data.get("response_id") or data.get("record", {}).get("response_id")
                with gate.lock:
                    gate.inflight += 1
                    gate.most = max(gate.most, gate.inflight)
                    gate.per_response[response] = gate.per_response.get(response, 0) + 1
                    gate.most_per_response = max(gate.most_per_response, gate.per_response[response])
                gate.gate.wait(timeout=60)
                with gate.lock:
                    gate.inflight -= 1
                    gate.per_response[response] -= 1
                    gate.got.append({"headers": {k.lower(): v for k, v in self.headers.items()}, "body": body,
                                     "response": response, "type": data["type"],
                                     "id": data.get("record", {}).get("id")})
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.gate.set()
        self.server.shutdown()
        self.server.server_close()


def responses(site_data) -> list[dict]:
    """RESPONSES showings of three answers each, the last completing it: in the order given."""
    survey = load_site_data(site_data).surveys[0]
    records = []
    for r in range(RESPONSES):
        for q in range(3):
            records.append(answer_record(survey, survey.questions[q % 2], 5 if q % 2 == 0 else "ok",
                                         record_id=f"rec-lane-{r}-{q}", site="shop", now=float(r * 10 + q),
                                         response_id=f"resp-lane-{r:04d}", completes_response=q == 2))
    return records


def test_many_senders_keep_each_response_in_order_and_a_stuck_receiver_holds_up_only_its_own(db_url, site_data):
    stuck, fast = Gate(closed=True), Gate()
    store = Store(db_url)
    records = responses(site_data)
    store.add(records)
    hooks = {"shop": [Webhook(stuck.url, SECRET), Webhook(fast.url, SECRET)]}
    queues = [WebhookQueue(store, hooks, per_destination=2) for _ in range(2)]     # two "processes"
    expected = RESPONSES * 4                                                       # 3 answers + completed, each
    assert queues[0].enqueue(records) == 2 * expected
    pools = [ThreadPoolExecutor(max_workers=8) for _ in queues]

    def pump() -> None:
        for queue, pool in zip(queues, pools, strict=True):
            queue.pump(pool)

    try:
        wait_until(None, lambda: pump() or len(fast.got) == expected, "the fast receiver's deliveries")
        # The stuck receiver holds at most two requests of each process, one per response.
        wait_until(None, lambda: pump() or stuck.inflight == 4, "each process to fill its room at the stuck one")
        assert stuck.most == 4 and len(stuck.got) == 0
        stuck.gate.set()
        wait_until(None, lambda: pump() or len(stuck.got) == expected, "the stuck receiver's deliveries")
        for gate in (stuck, fast):
            assert gate.most_per_response == 1                         # one response: one request at a time
            for r in range(RESPONSES):
                mine = [(g["type"], g["id"]) for g in gate.got if g["response"] == f"resp-lane-{r:04d}"]
                assert mine == [("answer", f"rec-lane-{r}-0"), ("answer", f"rec-lane-{r}-1"),
                                ("answer", f"rec-lane-{r}-2"), ("response.completed", None)]
            delivered = [g["headers"]["x-sondage-delivery"] for g in gate.got]
            assert len(delivered) == len(set(delivered)) == expected    # each once
            for g in gate.got:
                h = g["headers"]
                assert h["x-sondage-signature"] == signature(SECRET, h["x-sondage-timestamp"], g["body"])
        wait_until(None, lambda: {r["status"] for r in queues[0].pending()} == {"done"}, "every delivery recorded")
        assert all(r["attempts"] == 1 for r in queues[0].pending())
    finally:
        for pool in pools:
            pool.shutdown(wait=True, cancel_futures=True)
        for queue in queues:
            queue.close()
        stuck.close()
        fast.close()
        store.close()


def test_a_sender_that_died_gives_its_deliveries_back_when_its_lease_ends(db_url, site_data):
    from sondage.collector.webhooks import LEASE

    fast = Gate()
    store = Store(db_url)
    records = responses(site_data)[:3]
    store.add(records)
    dead = WebhookQueue(store, {"shop": [Webhook(fast.url, SECRET)]})
    dead.enqueue(records)
    t0 = 1_900_000_000.0
    lanes = dead.claim(t0)                       # claimed, then the process is gone: nothing sent
    assert [len(lane) for lane in lanes] == [4]
    other = WebhookQueue(store, {"shop": [Webhook(fast.url, SECRET)]})
    assert other.work_once(now=t0 + 1) == 0 and fast.got == []      # not another's while the lease runs
    assert other.work_once(now=t0 + LEASE + 1) == 4                  # then it is
    assert [g["type"] for g in fast.got] == ["answer", "answer", "answer", "response.completed"]
    dead.close()
    other.close()
    store.close()
    fast.close()
