"""Which question comes next: skip logic (``logic`` on a question), checked in order after
its answer; without a match, the next question. ``end`` goes to the thank-you step. The
build has already checked that every jump goes forward to a question that exists."""

from __future__ import annotations

import zlib
from typing import Any

from .survey_format import Jump, Question, Survey


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        return None


def matches(jump: Jump, value: Any) -> bool:
    if jump.includes is not None:
        return isinstance(value, list) and jump.includes in value
    if jump.equals is not None:
        return str(value) == str(jump.equals)
    if jump.one_of:
        return str(value) in {str(v) for v in jump.one_of}
    number = _number(value)
    if number is None:
        return False
    if jump.less_than is not None:
        return number < jump.less_than
    return jump.greater_than is not None and number > jump.greater_than


def next_index(survey: Survey, index: int, value: Any) -> int:
    """The index of the question after ``index`` answered with ``value`` (len: the end)."""
    question = survey.questions[index]
    for jump in question.logic:
        if matches(jump, value):
            if jump.goto == "end":
                return len(survey.questions)
            return next(i for i, q in enumerate(survey.questions) if q.id == jump.goto)
    return index + 1


def choice_order(question: Question, seed: str) -> list[str]:
    """The choices as this visitor sees them: shuffled, the same order every time for them."""
    if not question.shuffle or not seed:
        return list(question.choices)
    return sorted(question.choices, key=lambda c: zlib.crc32(f"{seed}:{question.id}:{c}".encode()))
