"""Answers: checking a visitor's answer, the per-question record, and the durable outbox.

A record carries Iterate's field names (as Iterate's Segment source emits them), so the
same record feeds the collector and every integration. The outbox keeps records until the
collector has acknowledged them; it is plain data that the runtime persists in the
browser before anything is sent, so a reload or a network failure loses nothing.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from . import protocol, strings
from .extensions import BUILTIN_NAMES, REGISTRY, ExtensionError, QuestionType, RawAnswer
from .schema import FormatError, dump, load, spec
from .survey_format import ID_PATTERN, SITE_PATTERN, Question, Survey

MAX_TEXT = 5000
# 1: the first format; 2: adds `identities` (the vendor ids the integrations know),
# `response_id` (shared by the answers of one showing) and `completes_response`.
RECORD_VERSION = 2


class AnswerError(ValueError):
    """The answer does not fit the question: ``code`` names the message in runtime/strings.py
    (the widget shows it in the visitor's language); str() is the English one."""

    def __init__(self, code: str, **values: Any) -> None:
        self.code, self.values = code, values
        super().__init__(strings.say("en", code, **values))

    def say(self, language: str) -> str:
        return strings.say(language, self.code, **self.values)


EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s.]{2,63}")
YES, NO = "Yes", "No"
OTHER = "Other"


def scale_range(question: Question) -> tuple[int, int]:
    if question.type == "nps":
        return 0, 10
    if question.type == "csat":
        return 1, 5
    return 1, question.scale


def parse_answer(question: Question, raw: Any, other: Any = None) -> Any:
    """Turn what the widget sent into the answer value for ``question`` (``other``: the
    text of a single choice's "Other"), by the question type registered under its name."""
    kind = REGISTRY.question_types.get(question.type)
    if kind is None:
        raise AnswerError("e_unavailable")
    try:
        value = kind.parse(RawAnswer(question, raw, other))
    except AnswerError:
        raise
    except ValueError as e:     # an extension's own message for the visitor (built-ins raise AnswerError)
        raise AnswerError("e_extension", message=str(e)[:200]) from None
    if isinstance(value, bool) or not isinstance(value, (int, float, str, list)) or \
            isinstance(value, list) and not all(isinstance(v, str) for v in value):
        raise ExtensionError(f"question type {question.type!r} parsed {type(value).__name__}: an answer is "
                             "an int, a float, a str or a list of str")
    return value[:MAX_TEXT] if isinstance(value, str) else value


def _parse_builtin(answer: RawAnswer) -> Any:
    question, raw, other = answer.question, answer.raw, answer.other
    kind = question.type
    if kind in ("nps", "rating", "csat"):
        low, high = scale_range(question)
        try:
            value = int(str(raw))
        except (TypeError, ValueError):
            raise AnswerError("e_number", low=low, high=high) from None
        if not low <= value <= high:
            raise AnswerError("e_number", low=low, high=high)
        return value
    if kind in ("single_choice", "dropdown"):
        if question.other and raw == OTHER:
            text = str(other if other is not None else "").strip()
            if not text:
                raise AnswerError("e_other")
            return f"{OTHER}: {text[:MAX_TEXT]}"
        if raw not in question.choices:
            raise AnswerError("e_choose_one")
        return raw
    if kind == "multiple_choice":
        picked = raw if isinstance(raw, list) else [raw] if raw else []
        if any(p not in question.choices for p in picked):
            raise AnswerError("e_choose_from")
        low = question.min if question.min is not None else 1
        if len(picked) < low:
            raise AnswerError("e_at_least", n=low) if low > 1 else AnswerError("e_choose_one")
        if question.max is not None and len(picked) > question.max:
            raise AnswerError("e_at_most", n=question.max)
        return [c for c in question.choices if c in picked]
    if kind == "yes_no":
        if raw not in (YES, NO):
            raise AnswerError("e_yes_no")
        return raw
    text = str(raw if raw is not None else "").strip()
    if not text:
        raise AnswerError("e_text")
    if kind == "email":
        if not EMAIL.fullmatch(text):
            raise AnswerError("e_email")
        return text[:254]
    if kind == "number":
        try:
            number = float(text.replace(",", ".")) if text.count(",") == 1 and "." not in text else float(text)
        except ValueError:
            raise AnswerError("e_a_number") from None
        if number != number or number in (float("inf"), float("-inf")):
            raise AnswerError("e_a_number")
        if question.min is not None and number < question.min:
            raise AnswerError("e_min", n=question.min)
        if question.max is not None and number > question.max:
            raise AnswerError("e_max", n=question.max)
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    if kind == "date":
        try:
            return _dt.date.fromisoformat(text[:10]).isoformat()
        except ValueError:
            raise AnswerError("e_date") from None
    return text[:MAX_TEXT]


for _name in BUILTIN_NAMES:
    REGISTRY.question_type(QuestionType(_name, parse=_parse_builtin))


Scalar = str | int | float | bool
# Traits and response properties: string, number, boolean, or a date {type: "date", value}.
PropertyValue = str | int | float | bool | dict[str, str | int | float]
# Limits on traits and response properties (the runtime keeps to them; the collector refuses
# records past them): how many, how long a name, how long a text value.
MAX_PROPERTIES = 50
MAX_PROPERTY_NAME = 100
MAX_PROPERTY_TEXT = 1000


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
        "(braze_external_id, braze_device_id, clevertap_id), so answers join with their profiles.",
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
        response_id=response_id, url=url.split("#", 1)[0].split("?", 1)[0][:2000], preview=preview,
        shown_at=_iso(now)))
    return data


def _iso(now: float) -> str:
    return _dt.datetime.fromtimestamp(now, _dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


RETRY_BASE = 2.0
RETRY_MAX = 300.0
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
        batch: list[dict[str, Any]] = []
        size = 0
        for record in self.items[:max(1, limit)]:
            size += record_size(record)
            if batch and size > BATCH_BYTES:
                break
            batch.append(record)
        return batch

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
            wait = max(wait, min(retry_after, RETRY_MAX * 4))
        self.next_try = now + wait
        return wait
