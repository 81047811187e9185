"""What happens on the page, decided: page views, events, scrolls, exit intent, seconds
triggers and install(id) become occurrences; the targeting engine (:mod:`targeting`) says
which survey, if any, each shows, and occurrences decided before the visitor was known are
decided again on identify (:mod:`undecided`)."""

from __future__ import annotations

from typing import Any

from . import debug, protocol, undecided
from .protocol import Effects
from .showing import Showing
from .survey_format import Survey
from .targeting import Context, Decision, Occurrence, choose
from .visit import Visit


class Deciding:
    def __init__(self, visit: Visit, showing: Showing) -> None:
        self.visit = visit
        self.showing = showing
        # Occurrences an identify may still decide differently (Segment delivers a page's
        # buffered event before its identify).
        self.awaiting = undecided.AwaitingIdentity()

    def context(self) -> Context:
        return self.visit.visitor.context(self.visit.page, self.visit.clock())

    def occur(self, what: Occurrence, opened: bool = False) -> Effects:
        visit, site = self.visit, self.visit.page.site
        assert site is not None
        if visit.page.mode == "uninstalled":
            return []   # nothing after uninstall
        survey, decision, decisions = choose(site.surveys, what, self.context(), visit.history, site.settings)
        effects: Effects = []
        kept = [] if survey is not None or self.showing.busy else \
            self.awaiting.keep(what, visit.page.url, decisions, visit.clock())
        if visit.page.debug:
            effects.append(protocol.console("info", debug.occurrence(
                what, decisions, awaiting=kept, identified="external_id" in visit.visitor.traits)))
        effects.extend(visit.timers.start(decisions, visit.clock()))
        if survey is None and what.kind == "manual" and visit.page.channel == "hosted" and not self.showing.busy:
            effects += self._closed_notice(what.survey_id, decisions)
        if survey is None or decision is None or self.showing.busy:
            return effects   # one survey on screen at a time
        effects += self.showing.show(survey, decision.preview, opened)
        if what.kind == "event" and self.awaiting.starting and not visit.visitor.identified:
            pending = self.showing.loading.pending
            if self.showing.screen.survey is survey:
                effects += self.showing.wait_for_identify()
            elif pending is not None and pending.survey is survey:
                pending.wait_for_identify = True   # once its extensions are loaded
        return effects

    def _closed_notice(self, survey_id: str | None, decisions: list[tuple[Survey, Decision]]) -> Effects:
        """The survey's own page: a survey its schedule or its response limit closes says so."""
        for survey, decision in decisions:
            if survey.id == survey_id and decision.stage in ("schedule", "limit"):
                why = "not_open" if decision.stage == "schedule" and decision.not_before else "closed"
                return self.showing.show_closed(survey, why)
        return []

    def decide_again(self) -> Effects:
        """The visitor's traits changed: occurrences not shown only because of who the
        visitor was are decided again (see ``runtime/undecided.py``)."""
        visit, site = self.visit, self.visit.page.site
        assert site is not None
        effects: Effects = []
        for item in self.awaiting.live(visit.clock()):
            if visit.page.mode == "uninstalled" or self.showing.busy:
                break   # one survey on screen at a time
            surveys = [s for s in site.surveys if s.id in item.survey_ids]
            ctx = self.context()
            ctx.url = item.url
            survey, decision, decisions = choose(surveys, item.what, ctx, visit.history, site.settings)
            self.awaiting.settled(item, decisions, shown=survey is not None)
            if visit.page.debug:
                effects.append(protocol.console("info", debug.occurrence(item.what, decisions, again=True)))
            effects.extend(visit.timers.start(decisions, visit.clock()))
            if survey is not None and decision is not None:
                effects.extend(self.showing.show(survey, decision.preview))
        return effects

    def page(self, url: Any) -> Effects:
        """A new page (a single-page app navigated): it counts as a page view once installed.

        Time on the page starts again: pending seconds triggers are cancelled and, where
        the new page still matches, started anew.
        """
        if not isinstance(url, str) or not url:
            return []
        self.visit.page.url = url
        self.visit.timers.clear()
        self.awaiting.new_page()
        if self.visit.page.mode != "installed":
            return []
        return self.page_view()

    def page_view(self) -> Effects:
        preview = self.visit.page.preview_survey()
        if preview is not None and preview.trigger.type == "manual":
            # A previewed survey without a page trigger shows at once.
            return self.occur(Occurrence("manual", survey_id=preview.id))
        return self.occur(Occurrence("page_view"))

    def event(self, name: str, properties: dict[str, Any]) -> Effects:
        return self.occur(Occurrence("event", name=name, properties=properties))

    def manual(self, survey_id: str, opened: bool) -> Effects:
        """install(id); ``opened``: from the visitor's click, so the survey takes the focus."""
        return self.occur(Occurrence("manual", survey_id=survey_id), opened=opened)

    def scroll(self, percent: Any) -> Effects:
        if not isinstance(percent, (int, float)) or isinstance(percent, bool):
            return []
        return self._page_bound(Occurrence("scroll", percent=int(percent)))

    def exit_intent(self) -> Effects:
        return self._page_bound(Occurrence("exit_intent"))

    def _page_bound(self, what: Occurrence) -> Effects:
        return self.occur(what) if self.visit.page.mode == "installed" else []

    def fire_timers(self) -> Effects:
        return self.visit.timers.fire(self.visit.clock(),
                                      lambda survey_id: self.occur(Occurrence("timer", survey_id=survey_id)))

    def stop(self) -> None:
        """uninstall(): pending triggers and kept occurrences are cancelled."""
        self.visit.timers.clear()
        self.awaiting.clear()

    def header(self) -> str:
        """?iterate_debug=1: the site, the device, the language and the page."""
        assert self.visit.page.site is not None
        return debug.header(self.visit.page.site, self.visit.page.device, self.context())

    def report(self) -> str:
        """Iterate('debug'): why each survey would or would not show now."""
        assert self.visit.page.site is not None
        return debug.report(self.visit.page.site, self.context(), self.visit.history)
