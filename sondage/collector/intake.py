"""Intake: the answers POSTed by visitors' browsers, checked record by record.

Requests are untrusted: bodies are bounded, every record is validated against the one
record definitions (``runtime.records.AnswerRecord``, and ``ViewRecord`` for a
survey's showing), and each bad record is refused on
its own with the field that is wrong, so one poison record never holds back the others.
Records of a format version this collector does not understand are refused by name.
Storage is ``database``; the HTTP side is ``routes.collect``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from runtime.records import RECORD_VERSION, is_view, load_record, load_view, message_identities
from runtime.schema import FormatError, dump

from ..catalogue import Catalogue

MAX_BODY = 256 * 1024
MAX_RECORDS = 100
# Valid JSON, but no text a database or a UTF-8 page can hold: a lone UTF-16 surrogate
# ("\ud800") or NUL. Each becomes U+FFFD, the replacement character, before storing.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# The answer record format versions this collector stores (runtime.records.RECORD_VERSION).
RECORD_VERSIONS = tuple(range(1, RECORD_VERSION + 1))


class CollectorError(ValueError):
    """A request the collector refuses as a whole; the message says what is wrong."""


@dataclass
class Checked:
    """The records of one request: those to store, and those refused with the reason."""

    records: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)   # {index, id, reason}


def storable(value: Any) -> Any:
    """``value`` with every lone surrogate and NUL in its texts (keys too) made U+FFFD."""
    if isinstance(value, str):
        return UNSTORABLE.sub("\ufffd", value)
    if isinstance(value, list):
        return [storable(v) for v in value]
    if isinstance(value, dict):
        return {storable(k): storable(v) for k, v in value.items()}
    return value


def check_record(i: int, raw: Any, catalogue: Catalogue | None = None) -> dict[str, Any]:
    """One record, validated (against ``catalogue``'s surveys if given); raises
    CollectorError naming ``records[i].<field>``."""
    version = raw.get("version") if isinstance(raw, dict) else None
    if version not in RECORD_VERSIONS:
        raise CollectorError(f"records[{i}].version: record format version {version!r} is not one this "
                             f"collector understands ({', '.join(map(str, RECORD_VERSIONS))})")
    try:
        record: dict[str, Any] = dump(load_view(raw) if is_view(raw) else load_record(raw))
    except FormatError as e:
        raise CollectorError(f"records[{i}].{e.path}: {e.message}" if e.path
                             else f"records[{i}]: {e.message}") from None
    if isinstance(record.get("identities"), dict):
        # The ids a vendor's merge tags filled in, read as the runtime reads them: a tag left
        # unfilled is no id (an answer plan carries the tag itself: runtime/answer_plan.py).
        record["identities"] = message_identities(record["identities"])
    problem = catalogue.problem(record) if catalogue is not None else None
    if problem:
        raise CollectorError(f"records[{i}].{problem}")
    cleaned: dict[str, Any] = storable(record)
    return cleaned


def check_body(body: bytes, catalogue: Catalogue | None = None) -> Checked:
    """Every record of a POST body, each accepted or refused on its own."""
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
    checked = Checked()
    for i, raw in enumerate(records):
        try:
            checked.records.append(check_record(i, raw, catalogue))
        except CollectorError as e:
            rid = raw.get("id") if isinstance(raw, dict) and isinstance(raw.get("id"), str) else None
            checked.rejected.append({"index": i, "id": rid, "reason": str(e)})
    return checked


def parse_body(body: bytes) -> list[dict[str, Any]]:
    """All the records of a body, or CollectorError for the first bad one (exports, tests)."""
    checked = check_body(body)
    if checked.rejected:
        raise CollectorError(checked.rejected[0]["reason"])
    return checked.records
