"""A scratch visit played once before the worker's memory snapshot is taken.

A returning visitor's runtime is restored from that snapshot (static/worker.mjs). Whatever
Python does for the first time costs more than it does later: Jinja compiles the widget's
templates, regular expressions are compiled, the survey format's loaders and the showing
plans run their first time. Played here, that first time is paid once, by the snapshot worker
after the runtime has been quiet, and every restored runtime starts with it done (the first
``init`` took about 25 ms under CPython the first time and 2 ms after).

Nothing of the scratch visit stays: its :class:`~runtime.embed.Runtime` is dropped; what
remains is what any runtime would keep anyway (compiled templates and expressions).
"""

from __future__ import annotations

from typing import Any

from .embed import Runtime

_SITE = "sondage-warm-up"
_QUESTIONS: list[dict[str, Any]] = [
    {"id": "score", "type": "nps", "prompt": "How likely?"},
    {"id": "pick", "type": "single_choice", "prompt": "Pick one", "choices": ["a", "b"]},
    {"id": "stars", "type": "rating", "prompt": "Rate it", "scale": 5, "style": "stars"},
    {"id": "many", "type": "multiple_choice", "prompt": "Pick some", "choices": ["a", "b"]},
    {"id": "why", "type": "text", "prompt": "Why?"},
]
_DATA: dict[str, Any] = {"format": 1, "site": _SITE, "surveys": [
    {"id": "on-load", "site": _SITE, "name": "On load", "trigger": {"type": "page_view"},
     "questions": _QUESTIONS},
    {"id": "on-event", "site": _SITE, "name": "On an event", "trigger": {"type": "event", "event": "go"},
     "questions": _QUESTIONS[:1]},
]}
_ANSWERS: list[dict[str, Any]] = [
    {"question_id": "score", "action": "answer", "value": "9"},
    {"question_id": "pick", "action": "answer", "value": "a"},
    {"question_id": "stars", "action": "answer", "value": "4"},
    {"question_id": "many", "action": "submit", "values": ["a", "b"]},
    {"question_id": "why", "action": "submit", "values": ["because"]},
]


def play() -> int:
    """A page view whose survey was shown ahead, answered to the end, then an event's survey
    dismissed, as a visitor's runtime sees them. Returns how many effects it made."""
    clock = iter(range(1_700_000_000, 1_800_000_000, 7)).__next__
    ids = iter(range(10**6)).__next__
    runtime = Runtime(clock=lambda: float(clock()), new_id=lambda: f"{ids():032d}")
    page = {"url": "https://warm-up.invalid/", "referrer": "", "language": "en", "user_agent": "", "touch_points": 0,
            "font": "", "channel": None, "campaign": None}
    effects = runtime.handle({"type": "init", "site_data": _DATA, "site": _SITE, "data_id": "sites/warm-up.json",
                              "preview": None, "look": None, "debug": False, "collector": None, "storage": {},
                              "shown_ahead": "on-load", "ahead": None, "ahead_event": None, "page": page})
    effects += runtime.handle({"type": "command", "name": "install", "args": []})
    effects += runtime.handle({"type": "started"})
    for answer in _ANSWERS:
        effects += runtime.handle({"type": "ui", "survey_id": "on-load", **answer})
    effects += runtime.handle({"type": "command", "name": "event", "args": ["go"]})
    effects += runtime.handle({"type": "ui", "survey_id": "on-event", "action": "close"})
    effects += runtime.handle({"type": "wake"})
    return len(effects)
