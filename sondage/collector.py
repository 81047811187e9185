"""The embedded collector: answers in SQLite, de-duplicated by record id.

Requests are untrusted: bodies are bounded, every record is validated against the one
record definition (``runtime.responses.AnswerRecord``), and a bad record names its field.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from .runtime.responses import load_record
from .runtime.schema import FormatError, dump

MAX_BODY = 256 * 1024
MAX_RECORDS = 100

SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    id          TEXT PRIMARY KEY,
    site        TEXT NOT NULL,
    survey_id   TEXT NOT NULL,
    question_id TEXT NOT NULL,
    answered_at TEXT NOT NULL,
    received_at REAL NOT NULL,
    preview     INTEGER NOT NULL,
    record      TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS responses_site ON responses (site, received_at);
"""


class CollectorError(ValueError):
    """A request the collector refuses; the message says what is wrong."""


def parse_body(body: bytes) -> list[dict[str, Any]]:
    if len(body) > MAX_BODY:
        raise CollectorError(f"body is larger than {MAX_BODY} bytes")
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise CollectorError(f"body is not JSON: {e}") from None
    if not isinstance(data, dict) or not isinstance(data.get("records"), list):
        raise CollectorError('body must be {"records": [...]}')
    records = data["records"]
    if not records or len(records) > MAX_RECORDS:
        raise CollectorError(f"records: send 1 to {MAX_RECORDS} records")
    out = []
    for i, raw in enumerate(records):
        try:
            out.append(dump(load_record(raw)))
        except FormatError as e:
            raise CollectorError(f"records[{i}].{e.path}: {e.message}" if e.path
                                 else f"records[{i}]: {e.message}") from None
    return out


class Store:
    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False)
        self._db.executescript(SCHEMA)
        self._db.commit()

    def add(self, records: list[dict[str, Any]]) -> tuple[int, int]:
        """Store records; returns (stored, duplicates)."""
        now = time.time()
        stored = 0
        with self._lock, self._db:
            for r in records:
                cur = self._db.execute(
                    "INSERT OR IGNORE INTO responses VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (r["id"], r["site"], r["survey_id"], r["question_id"], r["answered_at"],
                     now, int(bool(r["preview"])), json.dumps(r, sort_keys=True)))
                stored += cur.rowcount
        return stored, len(records) - stored

    def list(self, *, site: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
        query = "SELECT record FROM responses"
        args: list[Any] = []
        if site:
            query += " WHERE site = ?"
            args.append(site)
        query += " ORDER BY received_at DESC, rowid DESC LIMIT ?"
        args.append(max(1, min(limit, 10000)))
        with self._lock:
            rows = self._db.execute(query, args).fetchall()
        return [json.loads(r[0]) for r in rows]

    def close(self) -> None:
        with self._lock:
            self._db.close()
