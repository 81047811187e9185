"""Who sees which survey, and when: a pure eligibility engine.

Given a survey, what just happened (the trigger), the visitor's context and their stored
history, :func:`decide` answers show or don't show, with the reason in words a site
owner understands. Nothing here touches the browser, so it runs and is tested under
CPython exactly as it runs in the visitor's Pyodide.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Literal, Optional

from .survey_format import Survey

TriggerKind = Literal["event", "page_view", "manual"]


@dataclass(frozen=True)
class Occurrence:
    """Something that may trigger a survey: an event, a page view, or install(surveyId)."""

    kind: TriggerKind
    name: str = ""          # event name, for kind == "event"
    survey_id: str = ""     # for kind == "manual"


@dataclass
class Context:
    """What the runtime knows about this visitor and page right now."""

    url: str = ""
    traits: dict[str, Any] = field(default_factory=dict)
    preview_id: Optional[str] = None
    now: float = 0.0


@dataclass
class History:
    """What this visitor has seen and answered (kept in the browser, survives reloads)."""

    shown: dict[str, float] = field(default_factory=dict)
    responded: dict[str, float] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: Any) -> "History":
        if not isinstance(data, dict):
            return cls()
        return cls(shown=_times(data.get("shown")), responded=_times(data.get("responded")))

    def to_json(self) -> dict[str, Any]:
        return {"shown": dict(self.shown), "responded": dict(self.responded)}


def _times(value: Any) -> dict[str, float]:
    if not isinstance(value, dict):
        return {}
    return {str(k): float(v) for k, v in value.items()
            if isinstance(v, (int, float)) and not isinstance(v, bool)}


@dataclass(frozen=True)
class Decision:
    show: bool
    reason: str
    preview: bool = False


def matches_trigger(survey: Survey, what: Occurrence) -> bool:
    trigger = survey.trigger
    if what.kind == "manual":
        return what.survey_id == survey.id
    if what.kind == "event":
        return trigger.type == "event" and trigger.event == what.name
    return trigger.type == "page_view"


def decide(survey: Survey, what: Occurrence, ctx: Context, history: History) -> Decision:
    """Should ``survey`` be shown now because of ``what``? Always says why."""
    if not matches_trigger(survey, what):
        return Decision(False, _trigger_words(survey))
    if ctx.preview_id is not None and ctx.preview_id == survey.id:
        return Decision(True, "preview: targeting and frequency limits are ignored", preview=True)
    if what.kind == "manual":
        return Decision(True, f"shown by install({survey.id!r})")
    if survey.status != "published":
        return Decision(False, "the survey is a draft; only a preview shows it")
    if survey.frequency == "once" and survey.id in history.shown:
        return Decision(False, "already shown to this visitor (frequency: once)")
    return Decision(True, "eligible")


def _trigger_words(survey: Survey) -> str:
    t = survey.trigger
    if t.type == "event":
        return f"waits for the event {t.event!r}"
    if t.type == "page_view":
        return "waits for a page view"
    return f"shown only by install({survey.id!r})"


def choose(surveys: Iterable[Survey], what: Occurrence, ctx: Context,
           history: History) -> tuple[Optional[Survey], Optional[Decision], list[tuple[str, Decision]]]:
    """The survey to show for ``what``, its decision, and every survey's decision.

    The survey being previewed wins when its trigger fires; otherwise the first eligible
    survey in file order.
    """
    decisions: list[tuple[str, Decision]] = []
    chosen: Optional[Survey] = None
    chosen_decision: Optional[Decision] = None
    for survey in surveys:
        d = decide(survey, what, ctx, history)
        decisions.append((survey.id, d))
        if d.show and (chosen is None or (d.preview and not chosen_decision.preview)):
            chosen, chosen_decision = survey, d
    return chosen, chosen_decision, decisions


def depends_on_page(survey: Survey) -> bool:
    """Does deciding a page view for this survey need the page or the visitor's traits?

    The survey format has no page rules, audience or sampling yet, so a page-view
    decision depends only on the visitor's history. Whatever adds such rules must
    answer True here for surveys that use them: a survey shown ahead of the runtime
    (see :func:`next_page_view_survey`) must be one the runtime will surely show.
    """
    return False


def next_page_view_survey(surveys: Iterable[Survey], history: History) -> Optional[Survey]:
    """The survey this visitor's next page view will surely show, if that is knowable now.

    The loader may show it before the runtime is up; the runtime confirms or removes it.
    """
    for survey in surveys:            # the same order as choose()
        if decide(survey, Occurrence("page_view"), Context(), history).show:
            return None if depends_on_page(survey) else survey
    return None


def could_show_again(survey: Survey, history: History) -> bool:
    """Could this survey ever show to this visitor again (outside preview and install(id))?"""
    if survey.status != "published":
        return False
    return not (survey.frequency == "once" and survey.id in history.shown)


def trigger_hint(surveys: Iterable[Survey], history: Optional[History] = None) -> dict[str, Any]:
    """What the loader needs to know to stay idle: which occurrences could show anything.

    Without ``history`` this is the site's hint (the build puts it in the manifest); with
    it, this visitor's (the runtime stores it for the loader). A page view that fires none
    of these events never downloads Pyodide.
    """
    events: set[str] = set()
    page_view = False
    for s in surveys:
        if not could_show_again(s, history or History()):
            continue
        if s.trigger.type == "event" and s.trigger.event:
            events.add(s.trigger.event)
        elif s.trigger.type == "page_view":
            page_view = True
    return {"events": sorted(events), "page_view": page_view}
