"""A survey waiting for its extensions to load, and the extensions that failed on this page.

The worker fetches an extension's zip from the bundle when a survey needs it (the ``load``
effect) and says when it is done (``loaded``); nothing else shows meanwhile. An extension
that failed to load is never asked for again on this page, and the site owner is told why.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import extensions, protocol
from .commands import Misuses
from .protocol import Effects
from .schema import dump
from .survey_format import SiteData, Survey
from .timers import TIMER_SLACK

# How long a survey waits for its extensions to load before it is given up (and said why).
LOAD_SECONDS = 15.0


@dataclass
class Pending:
    survey: Survey
    preview: bool
    opened: bool
    wait_for_identify: bool = False   # once shown, its answers wait for an identify


class ExtensionLoading:
    def __init__(self, misuses: Misuses) -> None:
        self.misuses = misuses
        self.pending: Pending | None = None
        self.until = 0.0
        self.unloadable: dict[str, str] = {}   # extension name -> why it did not load

    def start(self, site: SiteData, survey: Survey, preview: bool, opened: bool, now: float) -> Effects | None:
        """None if ``survey`` needs no extension not yet loaded; else load them first (or say,
        once, that it is not shown: one of them failed already)."""
        missing = extensions.needed(site, survey)
        if not missing:
            return None
        broken = [e.name for e in missing if e.name in self.unloadable]
        if broken:
            return self.misuses.say(f"Sondage: survey {survey.id!r} is not shown: its extension {broken[0]} did "
                                    f"not load ({self.unloadable[broken[0]]})")
        self.pending, self.until = Pending(survey, preview, opened), now + LOAD_SECONDS
        return [protocol.load([dump(e) for e in missing]), protocol.wake(LOAD_SECONDS)]

    def loaded(self, failed: Any) -> Pending | None:
        """The worker loaded what was asked for, or says why one failed: the survey that waited."""
        pending, self.pending = self.pending, None
        for item in failed if isinstance(failed, list) else []:
            if isinstance(item, dict) and isinstance(item.get("name"), str):
                self.unloadable[item["name"]] = str(item.get("error") or "unknown error")[:300]
        return pending

    def timed_out(self, site: SiteData, now: float) -> Pending | None:
        """Extensions still not loaded after LOAD_SECONDS (a fetch that hangs): they count as
        failed, and the survey that waited is returned (to be given up, said once)."""
        if self.pending is None or now + TIMER_SLACK < self.until:
            return None
        pending, self.pending = self.pending, None
        for ref in extensions.needed(site, pending.survey):
            self.unloadable.setdefault(ref.name, f"not loaded within {LOAD_SECONDS:g} s")
        return pending

    def cancel(self) -> None:
        self.pending = None
