"""Webhooks: each stored answer, and each completed response, POSTed to the URLs a site
configured, signed, from a durable queue in the collector's database.

A delivery is ``POST <url>`` with a JSON body (``{"type": "answer", "record": {...}}`` or
``{"type": "response.completed", "response_id", "site", "survey_id", "records": [...]}``)
and the headers ``X-Sondage-Delivery`` (an id the receiver can de-duplicate on),
``X-Sondage-Timestamp`` and ``X-Sondage-Signature: sha256=<hex>``, the HMAC-SHA256 of
``<timestamp>.<body>`` with the webhook's secret. A 2xx answer takes it; anything else
(or no answer) is retried with backoff (10 s, 20 s, ... up to an hour) up to
``MAX_ATTEMPTS`` times. Rows are claimed with ``SELECT ... FOR UPDATE SKIP LOCKED`` on
PostgreSQL, so several collector processes share the work and none sends a row twice.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

if TYPE_CHECKING:
    from .store import Store

MAX_ATTEMPTS = 20
BASE_DELAY = 10.0
MAX_DELAY = 3600.0
BATCH = 20
TIMEOUT = 10.0

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


def signature(secret: str, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def backoff(attempts: int, base: float = BASE_DELAY) -> float:
    return float(min(base * 2.0 ** max(0, attempts - 1), MAX_DELAY))


class WebhookQueue:
    def __init__(self, store: Store, webhooks: dict[str, list[Webhook]], base_delay: float = BASE_DELAY) -> None:
        self.store = store
        self.webhooks = webhooks
        self.base_delay = base_delay

    def enqueue(self, records: list[dict[str, Any]]) -> int:
        """Queue a delivery of each newly stored record, and of each response it completes."""
        rows: list[dict[str, Any]] = []
        now = time.time()
        for record in records:
            for hook in self.webhooks.get(record["site"], []):
                rows.append({"site": record["site"], "url": hook.url, "kind": "answer", "dedupe": record["id"],
                             "payload": json.dumps({"type": "answer", "record": record}, sort_keys=True),
                             "next_attempt_at": now, "created_at": now, "attempts": 0, "status": "pending"})
                if record.get("completes_response") and record.get("response_id"):
                    rows.append({"site": record["site"], "url": hook.url, "kind": "response.completed",
                                 "dedupe": record["response_id"], "payload": "", "next_attempt_at": now,
                                 "created_at": now, "attempts": 0, "status": "pending"})
        if not rows:
            return 0
        with self.store.engine.begin() as connection:
            for row in rows:
                connection.execute(self.store.insert_ignoring(deliveries, ["url", "kind", "dedupe"]), row)
        return len(rows)

    def _payload(self, row: Any, connection: sa.Connection) -> bytes:
        if row.kind != "response.completed":
            return str(row.payload).encode()
        from .store import responses  # the answers of the response, stored by then
        records = [json.loads(r) for r in connection.execute(
            sa.select(responses.c.record).where(responses.c.response_id == row.dedupe)
            .order_by(responses.c.answered_at)).scalars()]
        first = records[0] if records else {}
        return json.dumps({"type": "response.completed", "response_id": row.dedupe, "site": row.site,
                           "survey_id": first.get("survey_id"), "records": records}, sort_keys=True).encode()

    def work_once(self, now: float | None = None) -> int:
        """Send what is due (claimed, so no other process sends it too); returns how many were taken."""
        now = time.time() if now is None else now
        taken = 0
        with self.store.engine.begin() as connection:
            rows = connection.execute(
                sa.select(deliveries).where(deliveries.c.status == "pending", deliveries.c.next_attempt_at <= now)
                .order_by(deliveries.c.next_attempt_at, deliveries.c.id).limit(BATCH)
                .with_for_update(skip_locked=True)).all()
            for row in rows:
                body = self._payload(row, connection)
                hook = next((h for h in self.webhooks.get(row.site, []) if h.url == row.url), None)
                error = self._post(row.url, body, hook.secret if hook else "", f"{row.kind}:{row.dedupe}") \
                    if hook else "this webhook is no longer configured"
                attempts = row.attempts + 1
                if error is None:
                    values: dict[str, Any] = {"status": "done", "attempts": attempts, "last_error": None}
                    taken += 1
                elif attempts >= MAX_ATTEMPTS or hook is None:
                    values = {"status": "failed", "attempts": attempts, "last_error": error[:500]}
                else:
                    values = {"attempts": attempts, "last_error": error[:500],
                              "next_attempt_at": now + backoff(attempts, self.base_delay)}
                connection.execute(sa.update(deliveries).where(deliveries.c.id == row.id).values(**values))
        return taken

    @staticmethod
    def _post(url: str, body: bytes, secret: str, delivery: str) -> str | None:
        """None when the receiver took it; else what went wrong."""
        timestamp = str(int(time.time()))
        request = urllib.request.Request(url, data=body, method="POST", headers={
            "Content-Type": "application/json", "User-Agent": "Sondage-Webhooks/1",
            "X-Sondage-Delivery": delivery, "X-Sondage-Timestamp": timestamp,
            "X-Sondage-Signature": signature(secret, timestamp, body)})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                return None if 200 <= response.status < 300 else f"HTTP {response.status}"
        except urllib.error.HTTPError as e:
            return f"HTTP {e.code}"
        except (OSError, ValueError) as e:
            return f"{type(e).__name__}: {e}"

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
