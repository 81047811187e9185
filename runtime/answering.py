"""The visitor's actions in the widget: start, answer, skip, close; and the answer a survey
link carries. Each answer becomes a record, stored before anything is sent, and the calls
the page's vendor SDKs get for it."""

from __future__ import annotations

from typing import Any

from . import flow, forwarding, protocol
from .answers import AnswerError, parse_answer
from .protocol import Effects
from .records import answer_record
from .showing import Showing, survey_info
from .survey_format import Question, Survey
from .visit import Visit


class Answering:
    def __init__(self, visit: Visit, showing: Showing) -> None:
        self.visit = visit
        self.showing = showing
        self.screen = showing.screen

    def ui(self, message: dict[str, Any], survey: Survey, early: str | None = None, carried: bool = False) -> Effects:
        """One action in the widget on ``survey``; ``early``: the id the loader stored a click
        made before Python was up under (its answer keeps it); ``carried``: its answer plan was
        carried out (runtime/answer_plan.py) at the click's ``at``: the record is that one, and
        the vendors were called."""
        action = message.get("action")
        if action == "close":
            return self.showing.close()
        if action == "start":
            started = self.screen.start()
            return [started] if started else []
        question = self.screen.question()
        if action not in ("answer", "submit", "skip") or question is None:
            return []
        if message.get("question_id") != question.id:
            return []
        language = self.screen.language or survey.language
        if action == "skip":
            if question.required:
                return [self.screen.render(error=AnswerError("e_required").say(language))]
            return self._skipped(survey)
        raw = message.get("value")
        if action == "submit" and question.type != "multiple_choice":
            values = message.get("values") or []
            raw = values[0] if values else ""
        elif action == "submit":
            raw = message.get("values") or []
        try:
            value = parse_answer(question, raw, message.get("other"))
        except AnswerError as e:
            return [self.screen.render(error=e.say(language))]
        at = message.get("at")
        when = None if not carried else float(at) if isinstance(at, (int, float)) and not isinstance(at, bool) \
            else self.visit.clock()
        return self.answered(survey, question, value, early, when)

    def _skipped(self, survey: Survey) -> Effects:
        """An optional question left unanswered: no record; on to the next question."""
        effects: Effects = [self.screen.answered(self.screen.index + 1)]
        if self.screen.state == "thanks":
            effects.append(protocol.callback("onEvent", "survey-complete", {"survey": survey_info(survey)}))
            effects += self.showing.schedule_close(survey, self.visit.clock())
        return effects

    def answered(self, survey: Survey, question: Question, value: Any, early: str | None = None,
                 carried_at: float | None = None) -> Effects:
        """``carried_at``: the moment an in-app message carried out this answer's plan (its
        record was sent then, and its vendor calls made: not again)."""
        visit, page, visitor = self.visit, self.visit.page, self.visit.visitor
        assert page.site is not None
        now = visit.clock()
        answered_at = now if carried_at is None else carried_at
        # A click made before Python was up keeps the id the loader stored it under.
        # On a survey's own page, one answer per recipient, question and send (link_params).
        record_id = visitor.link_id(page, "answer", survey, self.screen.preview, question.id, value) or early \
            or visit.new_id()
        following = flow.next_index(survey, self.screen.index, value)
        record = answer_record(
            survey, question, value, record_id=record_id, site=page.site.site, now=answered_at,
            url=page.url, user=visitor.traits, response_properties=visitor.response_properties,
            preview=self.screen.preview, identities=visitor.identities, response_id=self.screen.response_id,
            completes_response=following >= len(survey.questions))
        if not self.screen.preview:
            visit.history.responded[survey.id] = answered_at
        info = survey_info(survey)
        response = {"value": value}
        q = {"id": question.id, "prompt": question.prompt}
        effects: Effects = [
            *visit.delivery.add(record),   # durable before anything is sent
            visit.store_history(),
            protocol.callback("onResponse", response, q, info),
            protocol.callback("onEvent", "response", {"response": response, "question": q, "survey": info}),
            self.screen.answered(following),
        ]
        calls = forwarding.answer_calls(record, question, value, survey, page.site.settings, page.channel,
                                        visitor.traits)
        if calls and carried_at is None:
            effects.append(protocol.sdk(list(calls)))
        if self.screen.state == "thanks":
            effects.append(protocol.callback("onEvent", "survey-complete", {"survey": info}))
            effects += self.showing.schedule_close(survey, now)
        effects.extend(visit.delivery.flush(now))
        return effects

    def answer_from_link(self, survey: Survey) -> Effects:
        """The first question was answered in an email (``answer=`` in the link): record it
        at once and go on with question 2. A value that does not fit shows the question."""
        page = self.visit.page
        raw, page.link_answer = page.link_answer, None
        question = self.screen.question()
        if question is None or raw is None:
            return []
        if question.type == "multiple_choice":
            raw_value: Any = [v for v in raw.split(",") if v]
        else:
            raw_value = raw
        try:
            value = parse_answer(question, raw_value)
        except AnswerError:
            return [protocol.console("warn", f"Sondage: answer={raw[:40]!r} in the link does not fit "
                                             f"question {question.id!r}; the visitor answers it here")]
        return self.answered(survey, question, value)
