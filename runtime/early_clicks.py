"""Clicks on a survey shown ahead, made before Python was up.

The loader stores each such click at once under ``early:<id>`` in the visitor's storage and
passes its id along with the click. A runtime that takes the click in records its answer
under that id and forgets the stored click; clicks no runtime took in (the visitor left
within the first second) are replayed by the next runtime that starts.
"""

from __future__ import annotations

import re
from typing import Any

from . import protocol, visitor_state
from .answers import AnswerError, parse_answer
from .protocol import Effects
from .records import answer_record
from .visit import Visit

EARLY_ID = re.compile(protocol.EARLY_ID)


class EarlyClicks:
    def __init__(self, visit: Visit) -> None:
        self.visit = visit

    def read(self, storage: dict[str, Any]) -> Effects:
        """The clicks left in ``storage``: forgotten there, and replayed."""
        assert self.visit.page.site is not None
        events, forget = visitor_state.read_early(self.visit.page.site.site, storage)
        return forget + self.replay(events)

    def replay(self, events: list[dict[str, Any]]) -> Effects:
        """Each answer is recorded with the click's id (so a record the runtime did make is not
        counted twice), and the survey counts as shown (and answered)."""
        visit, site = self.visit, self.visit.page.site
        assert site is not None
        history = visit.history
        effects: Effects = []
        for event in events[:20]:
            survey = next((s for s in site.surveys if s.id == event.get("survey_id")), None)
            at = event.get("at")
            when = float(at) if isinstance(at, (int, float)) and not isinstance(at, bool) else visit.clock()
            if survey is None:
                continue
            history.shown[survey.id] = max(history.shown.get(survey.id, 0.0), when)
            question = survey.question(str(event.get("question_id")))
            early_id = event.get("early")
            if event.get("action") not in ("answer", "submit") or question is None or \
                    not isinstance(early_id, str) or not early_id:
                continue
            raw = event.get("value") if event.get("action") == "answer" else event.get("values") or []
            if question.type != "multiple_choice" and isinstance(raw, list):
                raw = raw[0] if raw else ""
            try:
                value = parse_answer(question, raw)
            except AnswerError:
                continue
            record = answer_record(survey, question, value, record_id=early_id, site=site.site, now=when,
                                   url=str(event.get("url") or visit.page.url), user=visit.visitor.traits,
                                   response_properties=visit.visitor.response_properties)
            history.responded[survey.id] = when
            effects += visit.delivery.add(record)
        if events:
            effects.append(visit.store_history())
        return effects

    @staticmethod
    def id_of(message: dict[str, Any]) -> str | None:
        """The early id a widget action carries, if it is one."""
        early = message.get("early")
        return early if isinstance(early, str) and EARLY_ID.fullmatch(early) else None

    def done(self, early: str | None) -> Effects:
        """The click is taken in: the loader's stored copy is forgotten."""
        site = self.visit.page.site
        return [protocol.store(visitor_state.early_key(site.site, early), None)] if early and site else []
