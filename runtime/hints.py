"""What the loader may know without running Python: the hints Python leaves for it.

A hint says which occurrences could show this visitor anything (so other page views load
no Pyodide) and, when it is certain, the survey the next page view shows, with its first
question already rendered, so the frame can show it while Pyodide is still starting.
The build writes the site's hint (for new visitors) into the manifest; the runtime
stores each visitor's own in the host's storage.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from . import render
from .placement import placement
from .survey_format import SiteSettings, Survey
from .targeting import History, next_page_view_survey, trigger_hint


def hint(surveys: Iterable[Survey], history: History | None = None,
         settings: SiteSettings | None = None, visitor_id: str = "", now: float = 0.0) -> dict[str, Any]:
    surveys = list(surveys)
    history = history or History()
    out = trigger_hint(surveys, history, settings, now)
    ahead = next_page_view_survey(surveys, history, settings, visitor_id, now)
    out["page_view_survey"] = None if ahead is None else {
        "id": ahead.id,
        "html": render.first_step(ahead),
        "position": ahead.appearance.position,
        "placement": placement(ahead.appearance.position, ahead.appearance.inline_target),
        "font": ahead.appearance.font,
    }
    return out
