"""What the loader may know without running Python: the hints Python leaves for it.

A hint says which occurrences could show this visitor anything (so other page views load
no Pyodide) and, when it is certain, the survey the next page view shows, with its first
question already rendered, so the frame can show it while Pyodide is still starting; and
for each event, the survey it will surely show (its first question is in the bundle's
"ahead" file, fetched only when that event fires on a page whose runtime has not started).
The build writes the site's hint (for new visitors) into the manifest; the runtime
stores each visitor's own in the host's storage.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from . import render, showing_plan
from .placement import placement
from .protocol import Ahead, Hint
from .screen import first_announcement, font_family
from .survey_format import SiteData, SiteSettings, Survey
from .targeting import History, could_be_ahead_on_event, next_event_surveys, next_page_view_survey, trigger_hint


def hint(surveys: Iterable[Survey], history: History | None = None,
         settings: SiteSettings | None = None, visitor_id: str = "", now: float = 0.0,
         site: SiteData | None = None, data_id: str = "") -> Hint:
    """The hint (runtime/protocol.py's ``Hint``) without its ``version`` and ``data``, which the
    runtime adds to the visitor's own. With ``site`` (the build's hint, for new visitors), the
    survey shown ahead on a page view carries the plan of showing it to a new visitor."""
    surveys = list(surveys)
    history = history or History()
    triggers = trigger_hint(surveys, history, settings, now)
    ahead = next_page_view_survey(surveys, history, settings, visitor_id, now)
    first = None if ahead is None else shown_ahead(ahead)
    if first is not None and site is not None:
        found = showing_plan.plan(site, data_id, first["id"], None, {}, now)
        if found is not None:
            first["plan"] = found
    out: Hint = {"events": triggers["events"], "page_view": triggers["page_view"], "scroll": triggers["scroll"],
                 "exit_intent": triggers["exit_intent"], "not_before": triggers["not_before"],
                 "page_view_survey": first,
                 "event_surveys": next_event_surveys(surveys, history, settings, visitor_id, now)}
    # The schedules' windows only where there are some: every page view pays for the hint's bytes.
    if triggers["event_windows"]:
        out["event_windows"] = triggers["event_windows"]
    if triggers["page_view_window"]:
        out["page_view_window"] = triggers["page_view_window"]
    return out


def compact(value: Hint) -> Hint:
    """A hint without the fields the loader reads as absent (empty, false, 0, null), for the
    manifest, which every page view of the site downloads; ``events`` stays when it is None
    (any event could show a survey)."""
    return cast(Hint, {k: v for k, v in value.items() if v or (k == "events" and v is None)})


def shown_ahead(survey: Survey) -> Ahead:
    """What the loader shows of a survey before the runtime is up: its first step, and the
    font decided here (the host page's is known only in the page: ``page_font`` says use it)."""
    setting = survey.appearance.font
    return {
        "id": survey.id,
        "html": render.first_step(survey),
        "position": survey.appearance.position,
        "placement": placement(survey.appearance.position, survey.appearance.inline_target),
        "font": "" if setting == "inherit" else font_family(setting, ""),
        "page_font": setting == "inherit",
        # It appears on its own: said in the host page's live region (Python may not be up to say it).
        "announce": first_announcement(survey),
        "language": survey.language,
    }


def event_ahead_file(surveys: Iterable[Survey], settings: SiteSettings | None = None,
                     site: SiteData | None = None, data_id: str = "") -> dict[str, Any]:
    """The bundle's "ahead" file of a site: the first step of every survey an event could
    show before the runtime is up, by survey id; with ``site``, each with the plan of showing
    it to a new visitor (when the event it waits for surely shows it to one)."""
    out: dict[str, Any] = {}
    surveys = list(surveys)
    sure = next_event_surveys(surveys, History(), settings) if site is not None else {}
    for s in surveys:
        if not could_be_ahead_on_event(s, settings):
            continue
        out[s.id] = shown_ahead(s)
        if site is not None and sure.get(s.trigger.event or "") == s.id:
            found = showing_plan.plan(site, data_id, s.id, s.trigger.event, {}, 0.0)
            if found is not None:
                out[s.id]["plan"] = found
    return out
