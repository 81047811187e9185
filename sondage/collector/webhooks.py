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
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from runtime.link_params import is_link_id
from runtime.survey_format import ValueRules
from runtime.vendors.base import json_refusal

from .conditions import takes
from .relay import Relays, relay_jobs

if TYPE_CHECKING:
    from .database import Store

MAX_ATTEMPTS = 20
BASE_DELAY = 10.0
MAX_DELAY = 3600.0
BATCH = 20
TIMEOUT = 10.0
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
    sa.Column("created_at", sa.Float),
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
                 relays: dict[str, Relays] | None = None,
                 relay_when: dict[str, dict[str, ValueRules]] | None = None) -> None:
        self.store = store
        self.webhooks = webhooks
        self.base_delay = base_delay
        self.relays = relays or {}
        self.relay_when = relay_when or {}      # per site and vendor: the answers its relay takes
        # (site, URL) -> the time before which this process sends it nothing (its Retry-After).
        self.held: dict[tuple[str, str], float] = {}

    def enqueue(self, records: list[dict[str, Any]], replaced: dict[str, list[str]] | None = None) -> int:
        """Queue a delivery of each newly stored record, and of each response it completes.

        A link answer (runtime/link_params.py) that replaced earlier ones (``replaced``: its
        id -> theirs) is delivered too, with ``"replaces"`` in the webhook's body, and their
        deliveries not yet made are dropped (status ``superseded``): a recipient who changed
        their mind reaches the vendor's profile with the new answer, once. A link answer's
        deliveries are keyed by its id and when it was given, so the same answer given again
        after another one (9, then 3, then 9) is delivered again."""
        replaced = replaced or {}
        rows: list[dict[str, Any]] = []
        now = time.time()
        for record in records:
            dedupe = f"{record['id']}@{record['answered_at']}" if is_link_id(record["id"]) else record["id"]
            body: dict[str, Any] = {"type": "answer", "record": record}
            if replaced.get(record["id"]):
                body["replaces"] = replaced[record["id"]]
            for hook in self.webhooks.get(record["site"], []):
                if not takes(hook.when, record):
                    continue
                rows.append({"site": record["site"], "url": hook.url, "kind": "answer", "dedupe": dedupe,
                             "payload": json.dumps(body, sort_keys=True),
                             "next_attempt_at": now, "created_at": now, "attempts": 0, "status": "pending"})
                if record.get("completes_response") and record.get("response_id") and hook.when is None:
                    rows.append({"site": record["site"], "url": hook.url, "kind": "response.completed",
                                 "dedupe": record["response_id"], "payload": "", "next_attempt_at": now,
                                 "created_at": now, "attempts": 0, "status": "pending"})
            when = self.relay_when.get(record["site"], {})
            relays = {n: r for n, r in self.relays.get(record["site"], {}).items() if takes(when.get(n), record)}
            for kind, url, job in relay_jobs(record, relays):
                rows.append({"site": record["site"], "url": url, "kind": kind, "dedupe": dedupe,
                             "payload": job, "next_attempt_at": now, "created_at": now, "attempts": 0,
                             "status": "pending"})
        earlier = [old for record in records for old in replaced.get(record["id"], [])]
        if not rows and not earlier:
            return 0
        with self.store.engine.begin() as connection:
            if earlier:
                connection.execute(sa.update(deliveries).where(
                    deliveries.c.status == "pending", deliveries.c.kind != "response.completed",
                    sa.or_(*(sa.or_(deliveries.c.dedupe == old, deliveries.c.dedupe.startswith(f"{old}@",
                                                                                             autoescape=True))
                             for old in earlier))).values(status="superseded", last_error="a later answer replaced it"))
            for row in rows:
                connection.execute(self.store.insert_ignoring(deliveries, ["url", "kind", "dedupe"]), row)
        return len(rows)

    def _payload(self, row: Any, connection: sa.Connection) -> bytes:
        if row.kind != "response.completed":
            return str(row.payload).encode()
        from .database import responses  # the answers of the response, stored by then
        records = [json.loads(r) for r in connection.execute(
            sa.select(responses.c.record).where(responses.c.response_id == row.dedupe)
            .order_by(responses.c.answered_at)).scalars()]
        first = records[0] if records else {}
        return json.dumps({"type": "response.completed", "response_id": row.dedupe, "site": row.site,
                           "survey_id": first.get("survey_id"), "records": records}, sort_keys=True).encode()

    def work_once(self, now: float | None = None) -> int:
        """Send what is due (claimed, so no other process sends it too); returns how many were taken."""
        now = time.time() if now is None else now
        self.held = {key: until for key, until in self.held.items() if until > now}
        taken = 0
        with self.store.engine.begin() as connection:
            due = sa.select(deliveries).where(deliveries.c.status == "pending", deliveries.c.next_attempt_at <= now)
            if self.held:                  # a receiver that asked to wait does not hold up the others
                due = due.where(sa.not_(sa.or_(*(sa.and_(deliveries.c.site == site, deliveries.c.url == url)
                                                 for site, url in sorted(self.held)))))
            rows = connection.execute(due.order_by(deliveries.c.next_attempt_at, deliveries.c.id).limit(BATCH)
                                      .with_for_update(skip_locked=True)).all()
            for row in rows:
                if (row.site, row.url) in self.held:   # it asked to wait during this pass: left as it is
                    continue
                body = self._payload(row, connection)
                destination = self._destination(row, body)
                outcome = (Outcome("this destination is no longer configured", final=True) if destination is None
                           else self._post(row.url, body, *destination))
                attempts = row.attempts + 1
                if outcome.error is None:
                    values: dict[str, Any] = {"status": "done", "attempts": attempts, "last_error": None}
                    taken += 1
                elif outcome.final or (attempts >= MAX_ATTEMPTS
                                       and now - (row.created_at or 0.0) >= patience(self.base_delay)):
                    values = {"status": "failed", "attempts": attempts, "last_error": outcome.error[:500]}
                else:
                    wait = backoff(attempts, self.base_delay) if outcome.wait is None else outcome.wait
                    if outcome.wait is not None:
                        self.held[(row.site, row.url)] = now + wait
                    values = {"attempts": attempts, "last_error": outcome.error[:500], "next_attempt_at": now + wait}
                connection.execute(sa.update(deliveries).where(deliveries.c.id == row.id).values(**values))
        return taken

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

    @staticmethod
    def _post(url: str, body: bytes, headers: dict[str, str], refusal: Callable[[bytes], str | None]) -> Outcome:
        """POST it. Final when it will not get better by trying again (a 4xx other than 408
        and 429, or a 2xx whose reply says it refused); a 429 or 503 with a readable
        Retry-After says when to try again."""
        request = urllib.request.Request(url, data=body, method="POST", headers={
            "Content-Type": "application/json", "User-Agent": "Sondage/1", **headers})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                answer = response.read(64 * 1024)
                problem = refusal(answer)
                return Outcome(None) if problem is None else Outcome(problem, final=True)
        except urllib.error.HTTPError as e:
            with e:
                detail = e.read(500).decode("utf-8", "replace")
                asked = e.headers.get("Retry-After") if e.code in (429, 503) and e.headers else None
            return Outcome(f"HTTP {e.code}: {detail}", final=400 <= e.code < 500 and e.code not in (408, 429),
                           wait=retry_after(asked, time.time()))
        except (OSError, ValueError) as e:
            return Outcome(f"{type(e).__name__}: {e}")

    async def run(self, interval: float) -> None:
        """Work the queue until cancelled (the collector's lifespan runs this)."""
        while True:
            try:
                await asyncio.to_thread(self.work_once)
            except sa.exc.SQLAlchemyError:
                pass   # the database is away for a moment: the rows wait in it
            await asyncio.sleep(interval)

    def pending(self) -> list[dict[str, Any]]:
        with self.store.engine.connect() as connection:
            return [dict(r._mapping) for r in connection.execute(sa.select(deliveries).order_by(deliveries.c.id))]
