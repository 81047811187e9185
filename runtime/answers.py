"""A visitor's answer, checked: what the widget sent, turned into the value for its question.

Each question type parses its own answers (the built-ins here, an extension's by its
``QuestionType``); an answer that does not fit raises :class:`AnswerError`, whose message the
widget shows in the visitor's language.
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any

from . import strings
from .extensions import BUILTIN_NAMES, REGISTRY, ExtensionError, QuestionType, RawAnswer
from .survey_format import Question

MAX_TEXT = 5000


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
