"""The records Sondage sends: one per answered question, and one per showing of a survey.

A record carries Iterate's field names (as Iterate's Segment source emits them), so the
same record feeds the collector and every integration. These dataclasses are the one
definition of both records: the runtime makes them, the collector checks them.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Any, Literal

from . import protocol
from .answers import MAX_TEXT
from .schema import FormatError, dump, load, spec
from .survey_format import ID_PATTERN, SITE_PATTERN, Question, Survey
from .vendors.registry import identity_names, message_identity_names

# 1: the first format; 2: adds `identities` (the vendor ids the integrations know),
# `response_id` (shared by the answers of one showing) and `completes_response`.
RECORD_VERSION = 2

# Traits and response properties: string, number, boolean, or a date {type: "date", value}.
PropertyValue = str | int | float | bool | dict[str, str | int | float]
# Limits on traits and response properties (the runtime keeps to them; the collector refuses
# records past them): how many, how long a name, how long a text value.
MAX_PROPERTIES = 50
MAX_PROPERTY_NAME = 100
MAX_PROPERTY_TEXT = 1000


def message_identity(value: Any) -> str | None:
    """An id a vendor's merge tag filled in when its message was sent, as an answer carries it;
    None for a tag the vendor left as it is, an empty one, or ``'null'`` (a Liquid default
    for a profile without that id). The runtime reads its message's ids so; the collector
    reads so the ids an answer plan carried (runtime/answer_plan.py: the tag written into the
    plan, filled in by the vendor)."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or "{{" in text or "}}" in text or text == "null":
        return None
    return text[:200]


def message_identities(identities: dict[str, Any]) -> dict[str, Any]:
    """``identities`` with each of a message's ids read by :func:`message_identity` (those
    that are no id left out); the others as they are."""
    out: dict[str, Any] = {}
    for name, value in identities.items():
        given = message_identity(value) if name in message_identity_names() else value
        if given is not None:
            out[name] = given
    return out


def property_problem(what: str, values: dict[str, Any]) -> str | None:
    """Why these traits / response properties are past the limits, or None."""
    if len(values) > MAX_PROPERTIES:
        return f"{what}: at most {MAX_PROPERTIES} entries, got {len(values)}"
    for key, value in values.items():
        if len(key) > MAX_PROPERTY_NAME:
            return f"{what}.{key[:20]}...: names are at most {MAX_PROPERTY_NAME} characters"
        if isinstance(value, str) and len(value) > MAX_PROPERTY_TEXT:
            return f"{what}.{key}: text values are at most {MAX_PROPERTY_TEXT} characters, got {len(value)}"
    return None


@dataclass
class AnswerRecord:
    """One answered question, with Iterate's field names; what the collector stores."""

    id: str = spec("Unique id of this answer (the collector de-duplicates on it).",
                   pattern=protocol.RECORD_ID)
    version: int = spec("Record format version.", minimum=1, maximum=RECORD_VERSION)
    site: str = spec("Embed API key of the site.", pattern=SITE_PATTERN)
    survey_id: str = spec("Survey id.", pattern=ID_PATTERN)
    survey_name: str = spec("Survey name.", max_len=200)
    question_id: str = spec("Question id.", pattern=ID_PATTERN)
    question: str = spec("The question's prompt.", max_len=500)
    label: str = spec("Custom attribute name (defaults to the prompt).", max_len=500)
    response: str | int = spec("The answer, readable (choices joined by ', ').",
                                     max_len=MAX_TEXT)
    response_int: int | None = spec("Numeric answer (NPS, rating).")
    response_string: str | None = spec("The answer as text.", max_len=MAX_TEXT)
    response_array: list[str] | None = spec("Choices picked (multiple choice).",
                                               max_len=200, max_items=20)
    response_properties: dict[str, PropertyValue] = spec("Properties of this response.")
    user: dict[str, PropertyValue] = spec("The visitor's traits (external_id, ...).")
    url: str = spec("Page the answer was given on.", max_len=2000)
    preview: bool = spec("Given in preview mode (not a real visitor's answer).")
    answered_at: str = spec("When, ISO 8601 UTC.", max_len=40)
    response_year: int | None = spec("Date questions: the year.", default=None, minimum=1, maximum=9999)
    response_month: int | None = spec("Date questions: the month.", default=None, minimum=1, maximum=12)
    response_day: int | None = spec("Date questions: the day.", default=None, minimum=1, maximum=31)
    identities: dict[str, str] = spec(
        "The visitor's ids in the vendors' tools, as the page's integrations know them "
        f"({', '.join(identity_names())}), so answers join with their profiles.",
        default_factory=dict)
    response_id: str = spec("Shared by the answers given in one showing of the survey.", default="",
                            pattern=f"(?:{protocol.RECORD_ID})?")
    completes_response: bool = spec("This answer was the survey's last question.", default=False)

    def validate(self, path: str) -> None:
        for what, values in (("user", self.user), ("response_properties", self.response_properties)):
            problem = property_problem(what, values)
            if problem:
                raise FormatError(path, problem)


def load_record(data: Any) -> AnswerRecord:
    return load(AnswerRecord, data)


def answer_record(
    survey: Survey,
    question: Question,
    value: Any,
    *,
    record_id: str,
    site: str,
    now: float,
    url: str = "",
    user: dict[str, Any] | None = None,
    response_properties: dict[str, Any] | None = None,
    preview: bool = False,
    identities: dict[str, str] | None = None,
    response_id: str = "",
    completes_response: bool = False,
) -> dict[str, Any]:
    """One record per answered question, with Iterate's field names."""
    record = AnswerRecord(
        id=record_id,
        version=RECORD_VERSION,
        site=site,
        survey_id=survey.id,
        survey_name=survey.name,
        question_id=question.id,
        question=question.prompt,
        label=question.attribute_name,
        response=_readable(value),
        response_int=value if isinstance(value, int) and not isinstance(value, bool) else None,
        response_string=None if isinstance(value, list) else str(value),
        response_array=list(value) if isinstance(value, list) else None,
        **_date_parts(question, value),
        response_properties=dict(response_properties or {}),
        user=dict(user or {}),
        url=url[:2000],
        preview=preview,
        answered_at=_iso(now),
        identities=dict(identities or {}),
        response_id=response_id,
        completes_response=completes_response,
    )
    return dump_record(record)


def _readable(value: Any) -> str | int:
    """The answer as people read it: choices joined by ", ", a whole number as a number."""
    if isinstance(value, list):
        return ", ".join(value)
    return value if isinstance(value, (str, int)) else str(value)


def _date_parts(question: Question, value: Any) -> dict[str, int]:
    if question.type != "date" or not isinstance(value, str):
        return {}
    day = _dt.date.fromisoformat(value)
    return {"response_year": day.year, "response_month": day.month, "response_day": day.day}


def dump_record(record: AnswerRecord) -> dict[str, Any]:
    """The record as JSON-ready data (what is stored, sent and forwarded)."""
    data: dict[str, Any] = dump(record)
    return data


@dataclass
class ViewRecord:
    """One showing of a survey (it was displayed), for completion rates. It says nothing of
    the visitor: no traits, no ids, and the page without its query or fragment."""

    id: str = spec("Unique id of this view (the collector de-duplicates on it).", pattern=protocol.RECORD_ID)
    kind: Literal["view"] = spec("What the record is: a view (answer records have no kind).")
    version: int = spec("Record format version.", minimum=1, maximum=RECORD_VERSION)
    site: str = spec("Embed API key of the site.", pattern=SITE_PATTERN)
    survey_id: str = spec("Survey id.", pattern=ID_PATTERN)
    response_id: str = spec("The showing's id, shared with the answers given in it.",
                            pattern=protocol.RECORD_ID)
    url: str = spec("Page the survey showed on (origin and path only).", max_len=2000)
    preview: bool = spec("Shown in preview mode (not to a real visitor).")
    shown_at: str = spec("When, ISO 8601 UTC.", max_len=40)


def is_view(data: Any) -> bool:
    return isinstance(data, dict) and data.get("kind") == "view"


def load_view(data: Any) -> ViewRecord:
    return load(ViewRecord, data)


def view_record(survey: Survey, *, record_id: str, site: str, now: float, url: str, preview: bool,
                response_id: str) -> dict[str, Any]:
    """The record of one showing of ``survey``."""
    data: dict[str, Any] = dump(ViewRecord(
        id=record_id, kind="view", version=RECORD_VERSION, site=site, survey_id=survey.id,
        response_id=response_id, url=page_url(url), preview=preview,
        shown_at=_iso(now)))
    return data


# A view record keeps the page's URL up to the first of these characters (no query or
# fragment), at most URL_MAX long; a showing's plan says the same to the frame.
URL_CUT = "#?"
URL_MAX = 2000


def page_url(url: str) -> str:
    for char in URL_CUT:
        url = url.split(char, 1)[0]
    return url[:URL_MAX]


def _iso(now: float) -> str:
    return _dt.datetime.fromtimestamp(now, _dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")

