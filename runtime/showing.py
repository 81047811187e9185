"""Showing a survey and closing it: the survey on screen (:mod:`screen`), what it waits for
before it shows (its extensions) and what its answers wait for before they are sent (the
visitor's ids and traits), its view record, its callbacks and its auto-close.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from . import locale, protocol
from .extension_loading import ExtensionLoading
from .identity_wait import IdentityWait
from .protocol import Effects
from .records import is_view, view_record
from .screen import Screen
from .survey_format import Survey
from .visit import Visit

RECORD_ID = re.compile(protocol.RECORD_ID)
# Inside a vendor's message (an embed), the message closes this long after the thank-you.
AUTO_CLOSE_SECONDS = 3.0


class Showing:
    def __init__(self, visit: Visit) -> None:
        self.visit = visit
        self.screen = Screen()
        self.wait = IdentityWait()
        self.loading = ExtensionLoading(visit.misuses)
        # Once a survey shows: the answer its link carries (answering.py), if it carries one.
        self.after_show: Callable[[Survey], Effects] = lambda survey: []

    @property
    def busy(self) -> bool:
        """One survey at a time: one on screen, or one whose extensions are loading."""
        return self.screen.busy or self.loading.pending is not None

    def show(self, survey: Survey, preview: bool, opened: bool = False) -> Effects:
        """Show ``survey``. It takes the keyboard focus only when the visitor opened it
        (``opened``: an install(id) from their click), or in a vendor's message or on the
        survey's own page, where the survey is what the visitor opened; a survey that appears
        on its own is announced and waits for Tab (WCAG 3.2.1, 3.2.5)."""
        visit, page, visitor = self.visit, self.visit.page, self.visit.visitor
        assert page.site is not None
        # Its extensions first: the worker fetches them from the bundle, then `loaded`.
        loading = self.loading.start(page.site, survey, preview, opened, visit.clock())
        if loading is not None:
            return loading
        self.screen.seed = visitor.id
        self.screen.language = locale.pick_language(survey, visitor.language(page, visit.clock()))
        survey = page.dressed(survey, preview)
        showing = visitor.link_id(page, "response", survey, preview) or visit.new_id()[:32]
        was_ahead = self.screen.state == "ahead" and self.screen.ahead_id == survey.id
        mounted = self.screen.open(survey, preview=preview, response_id=showing,
                                   focus=opened or page.channel != "page")
        if was_ahead:
            mounted["announce"] = ""   # the frame said it when it showed it ahead
        visit.timers.close_at = None
        if not preview:
            visit.history.shown[survey.id] = visit.clock()
        info = survey_info(survey)
        # The showing is recorded (views make completion rates real), like an answer: stored first.
        view = view_record(survey, record_id=visitor.link_id(page, "view", survey, preview) or visit.new_id(),
                           site=page.site.site, now=visit.clock(), url=page.url, preview=preview,
                           response_id=self.screen.response_id)
        effects: Effects = [
            mounted,
            *visit.delivery.add(view),
            visit.store_history(),
            *visit.store_hint_soon(),
            protocol.callback("onLoad", info),
            protocol.callback("onEvent", "displayed", {"source": "survey", "survey": info}),
        ]
        # Answers (a click made before Python was up comes at once) wait for the page's SDKs
        # to say who the visitor is: stored, not yet sent.
        asked = self.wait.ask(page.site.settings, survey, page.channel, visit.clock())
        if asked:
            visit.delivery.hold(self.wait.until)
        effects += asked
        if page.link_answer is not None:
            effects += self.after_show(survey)
        return visit.plans_wake(effects)

    def adopt(self, survey_id: str, response_id: str) -> Effects:
        """A survey shown ahead whose showing the frame carried out as its plan said, before
        Python started (runtime/showing_plan.py: the history, the view record, the callbacks
        are done): it is this runtime's showing now, with that showing's response id, and
        nothing is recorded or called again. Its answers wait for the page's SDKs as any do."""
        visit, page = self.visit, self.visit.page
        assert page.site is not None
        survey = next((s for s in page.site.surveys if s.id == survey_id), None)
        if survey is None or not response_id:
            return []
        self.screen.seed = visit.visitor.id
        self.screen.language = locale.pick_language(survey, visit.visitor.language(page, visit.clock()))
        mounted = self.screen.open(page.dressed(survey, False), preview=False, response_id=response_id,
                                   focus=page.channel != "page")
        mounted["announce"] = ""   # the frame said it when it showed it ahead
        effects: Effects = [mounted]
        asked = self.wait.ask(page.site.settings, survey, page.channel, visit.clock())
        if asked:
            visit.delivery.hold(self.wait.until)
        return effects + asked

    def adopt_answered(self, carried: dict[str, Any], question_id: Any) -> Effects | None:
        """An in-app message carried out the plan of an answer to this showing's first question
        before Python was up (runtime/answer_plan.py; ``carried``: protocol.AnsweredAhead): its
        view went to the collector under ``view_id`` with the response id ``response_id``. This
        showing takes both (its view, not yet sent, is that one: the collector keeps one);
        None when ``carried`` is not that, or not for the first question ``question_id`` on
        screen (then the answer is taken as any early click)."""
        ids = [carried.get(k) for k in ("response_id", "view_id", "answer_id")]
        question = self.screen.question()
        if not all(isinstance(i, str) and RECORD_ID.fullmatch(i) for i in ids) or self.screen.index != 0 \
                or question is None or question.id != question_id:
            return None
        response_id, view_id = str(ids[0]), str(ids[1])
        before, delivery = self.screen.response_id, self.visit.delivery
        self.screen.response_id = response_id
        for record in delivery.outbox.items:
            if is_view(record) and record.get("response_id") == before:
                record["id"], record["response_id"] = view_id, response_id
        return [delivery.save()]

    def show_closed(self, survey: Survey, why: str) -> Effects:
        """The survey's own page, opened from a link or an email, for a survey that asks no
        one now (ended, its response limit reached, or not open yet): the page says so rather
        than staying blank. Not a showing: no view, no history, no callbacks."""
        visit, page = self.visit, self.visit.page
        self.screen.language = locale.pick_language(survey, visit.visitor.language(page, visit.clock()))
        return [self.screen.closed(page.dressed(survey, False), why)]

    def loaded(self, failed: Any) -> Effects:
        """The worker loaded the extensions asked for (or says why one failed): the survey
        that waited for them shows now, unless one failed (then it is not shown, and said once)."""
        pending = self.loading.loaded(failed)
        if pending is None or self.visit.page.mode == "uninstalled" or self.screen.busy:
            return []
        effects = self.show(pending.survey, pending.preview, pending.opened)
        if pending.wait_for_identify and not self.visit.visitor.identified and self.screen.survey is pending.survey:
            effects += self.wait_for_identify()
        return effects

    def load_timeout(self) -> Effects:
        """Extensions still not loaded in time: the survey is given up, said once, and the
        page can show others."""
        if self.loading.pending is None:
            return []
        assert self.visit.page.site is not None
        pending = self.loading.timed_out(self.visit.page.site, self.visit.clock())
        return [] if pending is None else self.show(pending.survey, pending.preview, pending.opened)

    def sdk_reply(self, name: Any, value: Any) -> Effects:
        """A page SDK said one of the visitor's ids: once every id asked for is in (or known
        to be missing), the answers of this showing carry them and are sent."""
        self.visit.visitor.note_id(name, value)
        if not self.wait.replied(name):
            return []
        return self._release("identities", self.visit.visitor.identities)

    def identified(self) -> Effects:
        """An identify came: if the answers of this showing waited for it, they carry its traits now."""
        return self._release("user", self.visit.visitor.traits) if self.wait.identified() else []

    def _release(self, field: str, values: dict[str, Any]) -> Effects:
        delivery = self.visit.delivery
        delivery.hold(self.wait.until)
        return delivery.stamp(self.screen.response_id, field, values) + delivery.flush(self.visit.clock())

    def wait_for_identify(self) -> Effects:
        """An event from before the runtime started (Segment's destination delivers the
        page's buffered identify after its event): the answers of this showing wait for that
        identify a moment (stored, not sent), to carry its traits."""
        effects = self.wait.for_identify(self.visit.clock())
        self.visit.delivery.hold(self.wait.until)
        return effects

    def schedule_close(self, survey: Survey, now: float) -> Effects:
        """The thank-you step closes by itself: after the survey's close_after, or inside a
        vendor's message after AUTO_CLOSE_SECONDS."""
        after = survey.close_after or (AUTO_CLOSE_SECONDS if self.visit.page.in_message else None)
        if after is None:
            return []
        return self.visit.timers.close_after(after, now)

    def auto_close(self) -> Effects:
        if not self.visit.timers.close_due(self.visit.clock()) or self.screen.state != "thanks":
            return []
        return self.close()

    def close(self) -> Effects:
        if self.screen.state == "closed":        # a closed survey's notice: nothing was shown
            self.screen.clear()
            return [protocol.unmount()]
        completed = self.screen.state == "thanks"
        answered = self.screen.index
        survey = self.screen.clear()
        assert survey is not None
        info = survey_info(survey)
        total = len(survey.questions)
        progress = {"completed": min(answered, total), "total": total}
        self.visit.timers.close_at = None
        effects: Effects = [
            protocol.unmount(),
            protocol.callback("onClose", info),
            protocol.callback("onEvent", "dismiss", {"source": "survey", "progress": progress,
                                                     "survey": info, "completed": completed}),
        ]
        closing = self.visit.page.close_calls()
        if closing:
            effects.append(protocol.sdk(list(closing)))
        # The view of a showing nobody answered is sent now.
        return effects + self.visit.delivery.flush(self.visit.clock())

    def remove(self) -> Effects:
        """uninstall(): nothing on screen, nothing loading."""
        self.loading.cancel()
        on_screen = self.screen.state != "empty"
        self.screen.clear()
        return [protocol.unmount()] if on_screen else []


def survey_info(survey: Survey) -> dict[str, Any]:
    """A survey as the callbacks name it."""
    return {"id": survey.id, "title": survey.name}
