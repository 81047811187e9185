"""One person's answers together: the responses of a filter (a showing with its answers), one
response with everything known of it, and the CSV with a row per response.

A response is a showing's answers (``response_id``); an answer stored without one (records of
format 1) is a response of its own. Listed by SQL on either database, newest first; the
dashboard's :class:`~sondage.collector.results.Filter` selects them as it selects every figure.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from runtime.survey_format import Survey

from .database import Store, responses
from .exports import IDENTITY_COLUMNS, flat, safe_cell
from .results import Filter, answer_conditions

LISTED = 200        # responses on one page, newest first
KEY = sa.func.coalesce(responses.c.response_id, responses.c.id)


@dataclass
class ResponseRow:
    key: str                  # the response_id (or the answer's id, for an answer stored alone)
    survey_id: str
    started_at: str           # its first answer's time
    url: str
    answers: int
    completed: bool
    external_id: str | None


def listed(store: Store, f: Filter, limit: int = LISTED) -> list[ResponseRow]:
    """The newest responses whose first answer matches the filter (a response counts on the
    day, page and traits of its first answer, as on the dashboard: the ``opens`` flag), each
    with all its answers counted."""
    c = responses.c
    first = (sa.select(c.response_id, c.id, c.survey_id, c.answered_at, c.url, c.external_id, c.closes)
             .where(*answer_conditions(f), c.opens == 1)
             .order_by(c.answered_at.desc(), c.id.desc()).limit(limit))
    with store.engine.connect() as db:
        found = db.execute(first).all()
        showings = [r.response_id for r in found if r.response_id]
        whole = {key: (int(n), bool(done)) for key, n, done in db.execute(
            sa.select(c.response_id, sa.func.count(), sa.func.max(c.closes))
            .where(c.site == f.site, c.response_id.in_(showings)).group_by(c.response_id))} if showings else {}
    return [ResponseRow(r.response_id or r.id, r.survey_id, r.answered_at, r.url,
                        *(whole.get(r.response_id, (1, bool(r.closes))) if r.response_id else (1, bool(r.closes))),
                        r.external_id)
            for r in found]


def counted(store: Store, f: Filter) -> int:
    """How many responses match the filter (all of them, not only those listed)."""
    query = sa.select(sa.func.count()).where(*answer_conditions(f), responses.c.opens == 1)
    with store.engine.connect() as db:
        return int(db.execute(query).scalar() or 0)


@dataclass
class Response:
    """Everything stored of one response: its answers in order, and what they share."""

    key: str
    site: str
    survey_id: str
    survey_name: str
    records: list[dict[str, Any]]
    traits: dict[str, Any] = field(default_factory=dict)
    properties: dict[str, Any] = field(default_factory=dict)
    identities: dict[str, str] = field(default_factory=dict)
    urls: list[str] = field(default_factory=list)
    started_at: str = ""
    completed: bool = False
    preview: bool = False


def one(store: Store, site: str, key: str) -> Response | None:
    c = responses.c
    query = (sa.select(c.record).where(c.site == site, KEY == key).order_by(c.answered_at, c.id))
    with store.engine.connect() as db:
        records = [json.loads(r) for r in db.execute(query).scalars()]
    if not records:
        return None
    found = Response(key, site, records[0]["survey_id"], records[0].get("survey_name", ""), records,
                     started_at=records[0]["answered_at"])
    for r in records:       # a later answer's traits are the newer ones
        found.traits.update(r.get("user") or {})
        found.properties.update(r.get("response_properties") or {})
        found.identities.update(r.get("identities") or {})
        if r.get("url") and r["url"] not in found.urls:
            found.urls.append(r["url"])
        found.completed = found.completed or bool(r.get("completes_response"))
        found.preview = found.preview or bool(r.get("preview"))
    return found


def per_response_csv(records: list[dict[str, Any]], surveys: dict[str, Survey]) -> str:
    """One row per response, one column per question (the survey's order; ``survey.question``
    when the rows are of several surveys), the traits as ``user_<key>``; cells a spreadsheet
    would run are quoted (exports.safe_cell)."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    questions: list[tuple[str, str]] = []
    traits: list[str] = []
    for r in records:                         # in the order they were given
        key = (r["survey_id"], r.get("response_id") or r["id"])
        row = rows.setdefault(key, {"response_id": key[1], "site": r["site"], "survey_id": r["survey_id"],
                                    "started_at": r["answered_at"], "url": r.get("url", ""), "completed": False,
                                    "preview": bool(r.get("preview")), "answers": {}, "user": {}, "identities": {}})
        row["answers"][r["question_id"]] = r.get("response")
        row["completed"] = row["completed"] or bool(r.get("completes_response"))
        row["user"].update(r.get("user") or {})
        row["identities"].update(r.get("identities") or {})
        if (r["survey_id"], r["question_id"]) not in questions:
            questions.append((r["survey_id"], r["question_id"]))
        traits += [k for k in (r.get("user") or {}) if k not in traits]
    order = {(s.id, q.id): i for s in surveys.values() for i, q in enumerate(s.questions)}
    questions.sort(key=lambda sq: (sq[0], order.get(sq, len(order))))
    several = len({s for s, _ in questions}) > 1
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["response_id", "site", "survey_id", "started_at", "url", "completed", "preview",
                     *IDENTITY_COLUMNS, *(f"user_{t}" for t in traits),
                     *(f"{s}.{q}" if several else q for s, q in questions)])
    for (survey_id, _), row in rows.items():
        writer.writerow([safe_cell(row[k]) for k in ("response_id", "site", "survey_id", "started_at", "url",
                                                     "completed", "preview")]
                        + [safe_cell(row["identities"].get(i)) for i in IDENTITY_COLUMNS]
                        + [safe_cell(flat(row["user"].get(t))) for t in traits]
                        + [safe_cell(row["answers"].get(q)) if s == survey_id else "" for s, q in questions])
    return out.getvalue()
