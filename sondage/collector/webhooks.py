"""Webhooks: each stored answer, and each completed response, POSTed to the URLs a site
configured, signed, from a durable queue in the collector's database.

A delivery is ``POST <url>`` with a JSON body (``{"type": "answer", "record": {...}}`` or
``{"type": "response.completed", "response_id", "site", "survey_id", "records": [...]}``)
and the headers ``X-Sondage-Delivery`` (an id the receiver can de-duplicate on),
``X-Sondage-Timestamp`` and ``X-Sondage-Signature: sha256=<hex>``, the HMAC-SHA256 of
``<timestamp>.<body>`` with the webhook's secret. A 2xx answer takes it; anything else
(or no answer) is retried with backoff (10 s, 20 s, ... up to an hour) up to
``MAX_ATTEMPTS`` times. A 429 or 503 that says ``Retry-After`` (seconds, or an HTTP date)
is retried when the receiver asked instead, bounded to ``RETRY_AFTER_MIN`` ..
``RETRY_AFTER_MAX``, and nothing else of that site goes to that URL from this process until
then (another site's key on the same vendor endpoint has its own limits); such
waits never make a delivery give up sooner than the backoff would have. Rows are claimed
with ``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several collector processes
share the work and none sends a row twice. An answer given on a survey's own page that a
later one replaced is not sent if it still waits (status ``superseded``): the later one is.
"""

from __future__ import annotations

import asyncio
import email.utils
import hashlib
import hmac
import json
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from runtime.link_params import is_link_id
from runtime.records import is_view
from runtime.survey_format import ValueRules
from runtime.vendors.base import json_refusal

from .conditions import takes
from .outbound import Outbound
from .relay import Relays, relay_jobs
from .writer import GroupWriter

if TYPE_CHECKING:
    from .database import Added, Store

from .database import away

MAX_ATTEMPTS = 20
BASE_DELAY = 10.0
MAX_DELAY = 3600.0
BATCH = 200             # rows claimed at once
LANE_MAX = 20           # ... of which at most this many of one lane (one response to one URL)
TIMEOUT = 10.0
PER_DESTINATION = 8     # lanes of one destination (site, URL) this process sends at once
SENDERS = 64            # threads sending, all destinations together
PUMP_BUSY = 0.005       # seconds between claims while there is work
# A claimed row is this process's until then: past it (the process died), another takes it.
LEASE = LANE_MAX * TIMEOUT + 60.0
# A receiver's Retry-After (on 429 and 503) is honoured within these bounds: a 0, or a date
# already past, still waits a second (the queue never spins); a longer one (a hostile or
# broken "10 days") waits an hour at most. An unreadable one is ignored: the backoff applies.
RETRY_AFTER_MIN = 1.0
RETRY_AFTER_MAX = 3600.0

metadata = sa.MetaData()
deliveries = sa.Table(
    "webhook_deliveries", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("site", sa.Text), sa.Column("url", sa.Text), sa.Column("kind", sa.Text),
    sa.Column("dedupe", sa.Text), sa.Column("payload", sa.Text), sa.Column("attempts", sa.Integer),
    sa.Column("next_attempt_at", sa.Float), sa.Column("status", sa.Text), sa.Column("last_error", sa.Text),
    sa.Column("created_at", sa.Float), sa.Column("lane", sa.Text),
)


@dataclass(frozen=True)
class Webhook:
    url: str
    secret: str
    when: ValueRules | None = None      # only the answers that meet it (conditions.py); no response.completed


def signature(secret: str, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def backoff(attempts: int, base: float = BASE_DELAY) -> float:
    return float(min(base * 2.0 ** max(0, attempts - 1), MAX_DELAY))


def patience(base: float = BASE_DELAY) -> float:
    """How long the backoff keeps a delivery before its last try: a delivery is given up only
    after MAX_ATTEMPTS tries *and* this long, so a receiver's short Retry-After (a second,
    over and over) never makes it give up sooner than the backoff would have."""
    return sum(backoff(n, base) for n in range(1, MAX_ATTEMPTS))


def retry_after(value: str | None, now: float) -> float | None:
    """The wait a Retry-After header asks for (delta-seconds, or an HTTP date, RFC 9110
    10.2.3), bounded to [RETRY_AFTER_MIN, RETRY_AFTER_MAX]; None if absent or unreadable."""
    text = (value or "").strip()
    if not text:
        return None
    if re.fullmatch(r"[0-9]+", text):
        seconds = float(text) if len(text) < 10 else RETRY_AFTER_MAX
    else:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:            # "-0000": an HTTP date is always GMT
            when = when.replace(tzinfo=UTC)
        seconds = when.timestamp() - now
    return min(max(seconds, RETRY_AFTER_MIN), RETRY_AFTER_MAX)


@dataclass(frozen=True)
class Outcome:
    """What one POST gave: None when the receiver took it; else what went wrong, whether
    it is final, and the wait the receiver asked for (a bounded Retry-After) if any."""

    error: str | None
    final: bool = False
    wait: float | None = None


class WebhookQueue:
    """The collector's outgoing requests: webhooks, and relays to the vendors' REST APIs."""

    def __init__(self, store: Store, webhooks: dict[str, list[Webhook]], base_delay: float = BASE_DELAY,
                 relays: dict[str, Relays] | None = None, per_destination: int = PER_DESTINATION,
                 relay_when: dict[str, dict[str, ValueRules]] | None = None) -> None:
        self.store = store
        self.webhooks = webhooks
        self.base_delay = base_delay
        self.relays = relays or {}
        self.per_destination = max(1, per_destination)
        self.relay_when = relay_when or {}      # per site and vendor: the answers its relay takes
        # (site, URL) -> the time before which this process sends it nothing (its Retry-After).
        self.held: dict[tuple[str, str], float] = {}
        self.outbound = Outbound(TIMEOUT)
        # What each delivery gave is written in groups (one commit for the outcomes that come in
        # together); on SQLite by the store's one writer.
        self.settler = store.writer or GroupWriter(store.engine, away)
        # (site, URL) -> this process's lanes of it being sent now (at most per_destination).
        self.busy: dict[tuple[str, str], int] = {}
        self.lock = threading.Lock()
        self.freed = threading.Event()       # a lane is done: there may be room to claim more
        self.observe: Callable[[str, float], None] | None = None    # (outcome, seconds queued): metrics

    def enqueue(self, records: list[dict[str, Any]], replaced: dict[str, list[str]] | None = None,
                connection: sa.Connection | None = None) -> int:
        """Queue a delivery of each newly stored record, and of each response it completes.

        A link answer (runtime/link_params.py) that replaced earlier ones (``replaced``: its
        id -> theirs) is delivered too, with ``"replaces"`` in the webhook's body, and their
        deliveries not yet made are dropped (status ``superseded``): a recipient who changed
        their mind reaches the vendor's profile with the new answer, once. A link answer's
        deliveries are keyed by its id and when it was given, so the same answer given again
        after another one (9, then 3, then 9) is delivered again. Each delivery's lane is its
        response (the showing): those of one response go in order, one at a time. In
        ``connection``'s transaction if given, else in one of its own."""
        replaced = replaced or {}
        rows: list[dict[str, Any]] = []
        now = time.time()
        for record in records:
            dedupe = f"{record['id']}@{record['answered_at']}" if is_link_id(record["id"]) else record["id"]
            lane = record.get("response_id") or None
            body: dict[str, Any] = {"type": "answer", "record": record}
            if replaced.get(record["id"]):
                body["replaces"] = replaced[record["id"]]
            for hook in self.webhooks.get(record["site"], []):
                if not takes(hook.when, record):
                    continue
                rows.append({"site": record["site"], "url": hook.url, "kind": "answer", "dedupe": dedupe,
                             "payload": json.dumps(body, sort_keys=True), "lane": lane,
                             "next_attempt_at": now, "created_at": now, "attempts": 0, "status": "pending"})
                if record.get("completes_response") and record.get("response_id") and hook.when is None:
                    rows.append({"site": record["site"], "url": hook.url, "kind": "response.completed",
                                 "dedupe": record["response_id"], "payload": "", "lane": lane,
                                 "next_attempt_at": now, "created_at": now, "attempts": 0, "status": "pending"})
            when = self.relay_when.get(record["site"], {})
            relays = {n: r for n, r in self.relays.get(record["site"], {}).items() if takes(when.get(n), record)}
            for kind, url, job in relay_jobs(record, relays):
                rows.append({"site": record["site"], "url": url, "kind": kind, "dedupe": dedupe,
                             "payload": job, "lane": lane, "next_attempt_at": now, "created_at": now,
                             "attempts": 0, "status": "pending"})
        earlier = [old for record in records for old in replaced.get(record["id"], [])]
        if not rows and not earlier:
            return 0

        def write(connection: sa.Connection) -> None:
            if earlier:
                connection.execute(sa.update(deliveries).where(
                    deliveries.c.status == "pending", deliveries.c.kind != "response.completed",
                    sa.or_(*(sa.or_(deliveries.c.dedupe == old, deliveries.c.dedupe.startswith(f"{old}@",
                                                                                             autoescape=True))
                             for old in earlier))).values(status="superseded", last_error="a later answer replaced it"))
            for row in rows:
                connection.execute(self.store.insert_ignoring(deliveries, ["url", "kind", "dedupe"]), row)

        if connection is not None:
            write(connection)
        else:
            self.store.write(write)
        return len(rows)

    def enqueue_stored(self, records: list[dict[str, Any]]) -> Callable[[sa.Connection, Added], None]:
        """What queues the deliveries of those of ``records`` stored now, in the transaction that
        stores them (``Store.add_records``' ``then``): stored means queued. Views are for
        completion rates only: no webhook hears of them."""

        def then(connection: sa.Connection, added: Added) -> None:
            fresh = set(added.stored)
            self.enqueue([r for r in records if r["id"] in fresh and not is_view(r)], added.replaced, connection)

        return then

    def _payload(self, row: Any) -> bytes:
        if row.kind != "response.completed":
            return str(row.payload).encode()
        from .database import responses  # the answers of the response, stored by then
        with self.store.engine.connect() as connection:
            records = [json.loads(r) for r in connection.execute(
                sa.select(responses.c.record).where(responses.c.response_id == row.dedupe)
                .order_by(responses.c.answered_at)).scalars()]
        first = records[0] if records else {}
        return json.dumps({"type": "response.completed", "response_id": row.dedupe, "site": row.site,
                           "survey_id": first.get("survey_id"), "records": records}, sort_keys=True).encode()

    # -- claiming: rows taken for sending, by this process only, for a lease ------------------
    def claim(self, now: float, limit: int = BATCH, skip: frozenset[tuple[str, str]] = frozenset(),
              room: Callable[[tuple[str, str]], int] | None = None) -> list[list[Any]]:
        """Take what is due (status ``sending`` until ``now + LEASE``, so no other process takes
        it, and a process that dies gives it back when the lease ends), as lanes: the rows of
        one response to one URL, in order, none of a lane another process is sending (rows of
        no response go in lanes of up to LANE_MAX). Not the destinations in ``skip`` (asked to
        wait, or busy here); at most ``room(destination)`` lanes of one destination."""
        def take(connection: sa.Connection) -> list[list[Any]]:
            due = sa.select(deliveries).where(deliveries.c.status.in_(("pending", "sending")),
                                              deliveries.c.next_attempt_at <= now)
            if skip:                   # a receiver that asked to wait does not hold up the others
                due = due.where(sa.not_(sa.or_(*(sa.and_(deliveries.c.site == site, deliveries.c.url == url)
                                                 for site, url in sorted(skip)))))
            found = list(connection.execute(due.order_by(deliveries.c.next_attempt_at, deliveries.c.id).limit(limit)
                                            .with_for_update(skip_locked=True)).all())
            rows = self._heads(connection, found, now)
            lanes: dict[tuple[str, str, str], list[Any]] = {}
            loose: dict[tuple[str, str], tuple[str, str, str]] = {}     # the open lane of rows of no response
            per: dict[tuple[str, str], int] = {}
            for row in sorted(rows, key=lambda r: r.id):
                destination = (row.site, row.url)
                key = (row.site, row.url, row.lane) if row.lane else loose.get(destination)
                if key is None or key not in lanes or (not row.lane and len(lanes[key]) >= LANE_MAX):
                    if room is not None and per.get(destination, 0) >= room(destination):
                        continue
                    per[destination] = per.get(destination, 0) + 1
                    key = key if row.lane and key is not None else (row.site, row.url, f"#{row.id}")
                    if not row.lane:
                        loose[destination] = key
                    lanes[key] = []
                lanes[key].append(row)
            taken = [r.id for lane in lanes.values() for r in lane]
            if taken:
                connection.execute(sa.update(deliveries).where(deliveries.c.id.in_(taken))
                                   .values(status="sending", next_attempt_at=now + LEASE))
            return sorted(lanes.values(), key=lambda lane: (lane[0].next_attempt_at, lane[0].id))

        return self.store.write(take)

    @staticmethod
    def _heads(connection: sa.Connection, rows: list[Any], now: float) -> list[Any]:
        """``rows`` without those of a lane behind a row this claim did not take (due and taken
        by another process, or being sent by one), and at most LANE_MAX of a lane: a lane goes
        in order, by one sender at a time."""
        keyed = {(r.url, r.lane) for r in rows if r.lane}
        if not keyed:
            return rows
        active = sa.or_(sa.and_(deliveries.c.status == "pending", deliveries.c.next_attempt_at <= now),
                        deliveries.c.status == "sending")
        order: dict[tuple[str, str], list[int]] = {}
        for url, lane, rid in connection.execute(
                sa.select(deliveries.c.url, deliveries.c.lane, deliveries.c.id)
                .where(sa.tuple_(deliveries.c.url, deliveries.c.lane).in_(sorted(keyed)), active)
                .order_by(deliveries.c.id)).all():
            order.setdefault((url, lane), []).append(rid)
        ours = {r.id for r in rows}
        allowed: set[int] = set()
        for ids in order.values():
            for rid in ids[:LANE_MAX]:
                if rid not in ours:
                    break
                allowed.add(rid)
        return [r for r in rows if not r.lane or r.id in allowed]

    # -- sending a lane, and recording what each delivery gave ------------------------------
    def send_lane(self, lane: list[Any], now: float) -> int:
        """Send a lane's rows one after another, then record what each gave, all in one write
        (a process killed meanwhile sends them again when their lease ends: the receiver
        de-duplicates on X-Sondage-Delivery). A receiver that asks to wait (Retry-After) holds
        the rest of the lane, given back as they were. Returns how many were taken."""
        settled: list[tuple[Any, dict[str, Any], str]] = []
        rest: list[Any] = []
        for i, row in enumerate(lane):
            held = self.held.get((row.site, row.url))
            if held is not None and held > now:
                rest = lane[i:]
                break
            body = self._payload(row)
            destination = self._destination(row, body)
            outcome = (Outcome("this destination is no longer configured", final=True) if destination is None
                       else self._post(row.url, body, *destination))
            settled.append((row, *self._outcome(row, outcome, now)))

        def record(connection: sa.Connection) -> None:
            done = [{"rid": row.id, "tries": row.attempts + 1} for row, _, result in settled if result == "done"]
            if done:
                connection.execute(sa.update(deliveries).where(
                    deliveries.c.id == sa.bindparam("rid"), deliveries.c.status == "sending").values(
                    status="done", attempts=sa.bindparam("tries"), last_error=None), done)
            for row, values, result in settled:
                if result != "done":
                    connection.execute(sa.update(deliveries).where(
                        deliveries.c.id == row.id, deliveries.c.status == "sending").values(**values))
            if rest:
                connection.execute(sa.update(deliveries).where(
                    deliveries.c.id.in_([r.id for r in rest]), deliveries.c.status == "sending")
                    .values(status="pending", next_attempt_at=now))

        if settled or rest:
            self.settler.write(record)
        if self.observe is not None:
            at = time.time()
            for row, _, result in settled:
                self.observe(result, max(0.0, at - (row.created_at or 0.0)))
        return sum(result == "done" for _, _, result in settled)

    def _outcome(self, row: Any, outcome: Outcome, now: float) -> tuple[dict[str, Any], str]:
        """The row's new values after ``outcome``, and what it was: done, failed or retried."""
        attempts = row.attempts + 1
        if outcome.error is None:
            return {"status": "done", "attempts": attempts, "last_error": None}, "done"
        if outcome.final or (attempts >= MAX_ATTEMPTS and now - (row.created_at or 0.0) >= patience(self.base_delay)):
            return {"status": "failed", "attempts": attempts, "last_error": outcome.error[:500]}, "failed"
        wait = backoff(attempts, self.base_delay) if outcome.wait is None else outcome.wait
        if outcome.wait is not None:
            with self.lock:
                self.held[(row.site, row.url)] = max(self.held.get((row.site, row.url), 0.0), now + wait)
        return {"status": "pending", "attempts": attempts, "last_error": outcome.error[:500],
                "next_attempt_at": now + wait}, "retried"

    def _destination(self, row: Any, body: bytes) -> tuple[dict[str, str], Callable[[bytes], str | None]] | None:
        """The request's headers (credentials and signatures come from the configuration at
        send time, never from the database) and how to read a 2xx reply (a vendor's relay
        reads its own); None if its destination is gone."""
        if row.kind in ("answer", "response.completed"):
            hook = next((h for h in self.webhooks.get(row.site, []) if h.url == row.url), None)
            if hook is None:
                return None
            timestamp = str(int(time.time()))
            return {"X-Sondage-Delivery": f"{row.kind}:{row.dedupe}", "X-Sondage-Timestamp": timestamp,
                    "X-Sondage-Signature": signature(hook.secret, timestamp, body)}, json_refusal
        relay = self.relays.get(row.site, {}).get(row.kind)
        if relay is None or relay.url != row.url:
            return None
        return relay.headers(), relay.refusal

    def _post(self, url: str, body: bytes, headers: dict[str, str], refusal: Callable[[bytes], str | None]) -> Outcome:
        """POST it. Final when it will not get better by trying again (a 4xx other than 408
        and 429, or a 2xx whose reply says it refused); a 429 or 503 with a readable
        Retry-After says when to try again."""
        try:
            reply = self.outbound.post(url, body, {"Content-Type": "application/json", "User-Agent": "Sondage/1",
                                                   **headers})
        except (OSError, ValueError) as e:
            return Outcome(f"{type(e).__name__}: {e}")
        if 200 <= reply.status < 300:
            problem = refusal(reply.body)
            return Outcome(None) if problem is None else Outcome(problem, final=True)
        asked = reply.headers.get("Retry-After") if reply.status in (429, 503) else None
        detail = reply.body[:500].decode("utf-8", "replace")
        return Outcome(f"HTTP {reply.status}: {detail}",
                       final=400 <= reply.status < 500 and reply.status not in (408, 429),
                       wait=retry_after(asked, time.time()))

    # -- working the queue ---------------------------------------------------------------------
    def work_once(self, now: float | None = None) -> int:
        """Send what is due, lane after lane in this thread (claimed, so no other process
        sends it too); returns how many were taken."""
        now = time.time() if now is None else now
        self.held = {key: until for key, until in self.held.items() if until > now}
        return sum(self.send_lane(lane, now) for lane in self.claim(now, skip=frozenset(self.held)))

    def pump(self, pool: ThreadPoolExecutor) -> int:
        """Claim what is due for the destinations with room (at most ``per_destination`` lanes
        of each being sent by this process) and hand each lane to ``pool``; returns how many
        lanes were started. A slow or dead receiver fills only its own room."""
        now = time.time()
        with self.lock:
            self.held = {key: until for key, until in self.held.items() if until > now}
            busy = dict(self.busy)
            skip = frozenset(self.held) | {key for key, n in busy.items() if n >= self.per_destination}
        lanes = self.claim(now, skip=skip, room=lambda key: self.per_destination - busy.get(key, 0))
        for lane in lanes:
            key = (lane[0].site, lane[0].url)
            with self.lock:
                self.busy[key] = self.busy.get(key, 0) + 1
            pool.submit(self._run_lane, lane, key)
        return len(lanes)

    def _run_lane(self, lane: list[Any], key: tuple[str, str]) -> None:
        try:
            self.send_lane(lane, time.time())
        except sa.exc.SQLAlchemyError:
            pass   # the database is away: the rows' lease ends and they are due again
        finally:
            with self.lock:
                self.busy[key] -= 1
                if not self.busy[key]:
                    del self.busy[key]
            self.freed.set()

    async def run(self, interval: float) -> None:
        """Work the queue until cancelled (the collector's lifespan runs this): claim again at
        once while there is something to claim, and when a lane is done; else every
        ``interval`` seconds."""
        pool = ThreadPoolExecutor(max_workers=SENDERS, thread_name_prefix="sondage-send")
        try:
            while True:
                self.freed.clear()
                try:
                    started = await asyncio.to_thread(self.pump, pool)
                except sa.exc.SQLAlchemyError:
                    started = 0   # the database is away for a moment: the rows wait in it
                if started:
                    await asyncio.sleep(PUMP_BUSY)
                else:
                    await asyncio.to_thread(self.freed.wait, interval)
        finally:
            self.freed.set()
            pool.shutdown(wait=False, cancel_futures=True)
            self.close()

    def close(self) -> None:
        """Close the kept-alive connections (and the outcomes' writer, if its own)."""
        self.outbound.close()
        if self.settler is not self.store.writer:
            self.settler.close()

    def pending(self) -> list[dict[str, Any]]:
        with self.store.engine.connect() as connection:
            return [dict(r._mapping) for r in connection.execute(sa.select(deliveries).order_by(deliveries.c.id))]

    def depth(self, now: float | None = None) -> tuple[int, float]:
        """How many deliveries wait (pending or being sent), and the age of the oldest, seconds."""
        now = time.time() if now is None else now
        with self.store.engine.connect() as connection:
            count, oldest = connection.execute(sa.select(sa.func.count(), sa.func.min(deliveries.c.created_at))
                                               .where(deliveries.c.status.in_(("pending", "sending")))).one()
        return int(count), max(0.0, now - oldest) if oldest is not None else 0.0
