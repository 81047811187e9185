"""The durable outbox: records waiting for the collector, and its retry policy.

It is plain data that the runtime persists in the browser (:mod:`visitor_state`) before
anything is sent, so a reload or a network failure loses nothing; :mod:`delivery` sends
from it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from . import protocol

RETRY_BASE = 2.0
RETRY_MAX = 300.0
RETRY_AFTER_HEADER = "Retry-After"       # the collector's wait (a 429, a 503 while its database is away)
RETRY_AFTER_MAX = RETRY_MAX * 4          # ... honoured up to this long
BATCH = protocol.BATCH_RECORDS
# (runtime/protocol.py defines both: the loader sends stored answers in the same batches.)
BATCH_BYTES = protocol.BATCH_BYTES


def record_size(record: dict[str, Any]) -> int:
    return len(json.dumps(record, separators=(",", ":")).encode())


@dataclass
class Outbox:
    """Records waiting for the collector, with retry times (exponential backoff with jitter)."""

    items: list[dict[str, Any]] = field(default_factory=list)
    attempts: int = 0
    next_try: float = 0.0

    def add(self, record: dict[str, Any]) -> None:
        if all(r["id"] != record["id"] for r in self.items):
            self.items.append(record)

    def due(self, now: float, limit: int = BATCH) -> list[dict[str, Any]]:
        """The next batch: at most ``limit`` records and BATCH_BYTES of JSON (at least one)."""
        if not self.items or now < self.next_try:
            return []
        return _first_batch(self.items, limit)

    def batches(self) -> list[list[dict[str, Any]]]:
        """Every record, in order, in the batches :meth:`due` would send one after another."""
        out, rest = [], self.items
        while rest:
            out.append(_first_batch(rest, BATCH))
            rest = rest[len(out[-1]):]
        return out

    def delivered(self, ids: list[str]) -> None:
        """These ids are done with (stored, or refused for good)."""
        done = set(ids)
        self.items = [r for r in self.items if r["id"] not in done]
        self.attempts = 0
        self.next_try = 0.0

    def failed(self, now: float, jitter: float = 0.5, retry_after: float | None = None) -> float:
        """Note a failed delivery; returns the seconds to wait before the next try: the
        collector's Retry-After if it gave one, else 2, 4, 8, ... s (at most RETRY_MAX),
        each spread by ``jitter`` (0..1) so that many visitors do not retry in step."""
        self.attempts += 1
        wait = min(RETRY_BASE * 2.0 ** (self.attempts - 1), RETRY_MAX) * (0.5 + jitter)
        if retry_after is not None and retry_after > 0:
            wait = max(wait, min(retry_after, RETRY_AFTER_MAX))
        self.next_try = now + wait
        return wait


def _first_batch(items: list[dict[str, Any]], limit: int) -> list[dict[str, Any]]:
    batch: list[dict[str, Any]] = []
    size = 0
    for record in items[:max(1, limit)]:
        size += record_size(record)
        if batch and size > BATCH_BYTES:
            break
        batch.append(record)
    return batch
