"""The collector's requests: answers POSTed by visitors' browsers, checked.

Requests are untrusted: bodies are bounded, every record is validated against the one
record definition (``runtime.responses.AnswerRecord``), and a bad record names its field.
Records of a format version this collector does not understand are refused by name.
Storage is ``sondage.store``.
"""

from __future__ import annotations

import json
from typing import Any

from .runtime.responses import RECORD_VERSION, load_record
from .runtime.schema import FormatError, dump

MAX_BODY = 256 * 1024
MAX_RECORDS = 100
# The answer record format versions this collector stores (runtime.responses.RECORD_VERSION).
RECORD_VERSIONS = tuple(range(1, RECORD_VERSION + 1))


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
        version = raw.get("version") if isinstance(raw, dict) else None
        if version not in RECORD_VERSIONS:
            raise CollectorError(f"records[{i}].version: record format version {version!r} is not one this "
                                 f"collector understands ({', '.join(map(str, RECORD_VERSIONS))})")
        try:
            out.append(dump(load_record(raw)))
        except FormatError as e:
            raise CollectorError(f"records[{i}].{e.path}: {e.message}" if e.path
                                 else f"records[{i}]: {e.message}") from None
    return out
