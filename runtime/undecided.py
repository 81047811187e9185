"""Occurrences decided before the visitor was known, kept to be decided again.

Segment's Iterate destination delivers the calls a page makes while it loads in the order
its action plugins become ready, not in call order: ``Iterate('event', …)`` arrives before
``Iterate('identify', …)``. An event whose survey was not shown *only* because of who the
visitor is (the ``audience`` stage: identified, traits, language) is therefore kept, and an
``identify`` that arrives within :data:`WINDOW_SECONDS` decides it again. Everything queued
before the runtime started counts as arriving together: the window starts when the runtime
has taken in its start-up queue.

What was rightly not shown (page rules, frequency, cooldown, sample) is never kept, and an
occurrence that shows a survey is dropped, so no occurrence ever shows two surveys.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .survey_format import Survey
from .targeting import PAGE_BOUND, Decision, Occurrence

WINDOW_SECONDS = 5.0
MAX_KEPT = 20


@dataclass
class Undecided:
    what: Occurrence
    url: str                  # the page it happened on (page rules are checked there)
    at: float
    survey_ids: list[str] = field(default_factory=list)


class AwaitingIdentity:
    """The occurrences an ``identify`` may still decide differently."""

    def __init__(self) -> None:
        self.items: list[Undecided] = []
        self.starting = True      # until the start-up queue is taken in, no window runs

    def keep(self, what: Occurrence, url: str, decisions: list[tuple[Survey, Decision]],
             now: float) -> list[str]:
        """Keep ``what`` if some survey failed it only on audience; returns those survey ids."""
        ids = [s.id for s, d in decisions if d.stage == "audience"]
        if ids:
            self.items.append(Undecided(what, url, now, ids))
            del self.items[:-MAX_KEPT]
        return ids

    def started(self, now: float) -> None:
        """The start-up queue is taken in: from now on each kept occurrence has its window."""
        self.starting = False
        for item in self.items:
            item.at = now

    def live(self, now: float) -> list[Undecided]:
        """What an identify arriving now decides again (expired ones are forgotten)."""
        if not self.starting:
            self.items = [i for i in self.items if now - i.at <= WINDOW_SECONDS]
        return list(self.items)

    def settled(self, item: Undecided, decisions: list[tuple[Survey, Decision]], shown: bool) -> None:
        """After deciding ``item`` again: drop it if it showed a survey; else keep only the
        surveys that still fail on audience alone (another identify may change them)."""
        item.survey_ids = [] if shown else [s.id for s, d in decisions if d.stage == "audience"]
        if not item.survey_ids and item in self.items:
            self.items.remove(item)

    def new_page(self) -> None:
        """Page-bound occurrences belong to the page they happened on."""
        self.items = [i for i in self.items if i.what.kind not in (*PAGE_BOUND, "timer")]

    def clear(self) -> None:
        self.items = []
