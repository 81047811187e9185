"""Answers out of the collector: CSV (one row per answer, Iterate's field names as columns,
traits flattened as ``user_<key>``, response properties as ``property_<key>``), JSON or
NDJSON. Used by ``sondage export`` and ``GET /export``.

CSV cells that a spreadsheet would read as a formula (starting with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return) are prefixed with ``'``, so an answer can never run
in the site owner's spreadsheet.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import json
from collections.abc import Iterable
from typing import Any

from runtime.survey_format import parse_date
from runtime.vendors import registry

FORMATS = ("csv", "json", "ndjson")
COLUMNS = ("answered_at", "site", "survey_id", "survey_name", "question_id", "question", "label", "response",
           "response_int", "response_string", "response_array", "response_year", "response_month",
           "response_day", "url", "preview", "id")
IDENTITY_COLUMNS = registry.identity_names()       # the visitor's ids in the vendors' tools
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class ExportError(ValueError):
    pass


def parse_since(text: str | None) -> str | None:
    """An ISO date or date-time, as the UTC ISO string answers are compared with."""
    if not text:
        return None
    seconds = parse_date(text)
    if seconds is None:
        raise ExportError(f"since: not an ISO date or date-time: {text!r}")
    moment = _dt.datetime.fromtimestamp(seconds, _dt.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def safe_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        value = "; ".join(str(v) for v in value)
    elif isinstance(value, dict):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def flat(value: Any) -> Any:
    """A trait as a cell: a date trait ({type: date, value}) as its ISO day."""
    if isinstance(value, dict) and value.get("type") == "date":
        stamp = value.get("value")
        if isinstance(stamp, (int, float)):
            return _dt.datetime.fromtimestamp(stamp, _dt.UTC).date().isoformat()
    return value


def to_csv(records: Iterable[dict[str, Any]]) -> str:
    rows = list(records)
    users = sorted({k for r in rows for k in (r.get("user") or {})})
    props = sorted({k for r in rows for k in (r.get("response_properties") or {})})
    header = [*COLUMNS, *IDENTITY_COLUMNS, *(f"user_{k}" for k in users), *(f"property_{k}" for k in props)]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for r in rows:
        identities = r.get("identities") or {}
        user = r.get("user") or {}
        answer_props = r.get("response_properties") or {}
        writer.writerow([safe_cell(r.get(c)) for c in COLUMNS]
                        + [safe_cell(identities.get(c)) for c in IDENTITY_COLUMNS]
                        + [safe_cell(flat(user.get(k))) for k in users]
                        + [safe_cell(flat(answer_props.get(k))) for k in props])
    return "\ufeff" + out.getvalue()     # a BOM: spreadsheets then read the file as UTF-8


def to_json(records: Iterable[dict[str, Any]]) -> str:
    return json.dumps({"records": list(records)}, ensure_ascii=False, indent=1) + "\n"


def to_ndjson(records: Iterable[dict[str, Any]]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def render(fmt: str, records: Iterable[dict[str, Any]]) -> tuple[str, str]:
    """(body, content type) of the export."""
    if fmt == "csv":
        return to_csv(records), "text/csv; charset=utf-8"
    if fmt == "json":
        return to_json(records), "application/json; charset=utf-8"
    if fmt == "ndjson":
        return to_ndjson(records), "application/x-ndjson; charset=utf-8"
    raise ExportError(f"format: one of {', '.join(FORMATS)}, got {fmt!r}")
