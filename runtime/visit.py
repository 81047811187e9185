"""One page view's shared parts, which the runtime's steps (deciding, showing, answering)
all read: the page, the visitor and their survey history, the outbox, the timers, the
caller's mistakes already said, the clock and the source of new ids.

Each part owns its state in its own module; this holds them together and says nothing itself.
"""

from __future__ import annotations

from collections.abc import Callable

from . import protocol
from .commands import Misuses
from .delivery import Delivery
from .page import Page
from .survey_history import SurveyHistory
from .timers import Timers
from .visitor import Visitor

# The hint's plans are written this long after a showing (seconds).
PLANS_AFTER = 0.3


class Visit:
    def __init__(self, clock: Callable[[], float], new_id: Callable[[], str]) -> None:
        self.clock = clock
        self.new_id = new_id
        self.page = Page()
        self.visitor = Visitor()
        self.history = SurveyHistory()
        self.delivery = Delivery(None)
        self.timers = Timers()
        self.misuses = Misuses()
        self.plans_due = False   # the hint was written without its plans: they follow at a wake
        self.plans_unwoken = False   # ... which is not asked for yet

    def start_delivery(self, collector: str | None) -> None:
        self.delivery = Delivery(collector)

    def store_history(self) -> protocol.StoreEffect:
        assert self.page.site is not None
        return self.history.store(self.page.site.site)

    def store_hint(self) -> protocol.StoreEffect:
        assert self.page.site is not None
        # Plans for the site's own pages only (not inside a vendor's message, nor on a survey's own page).
        return self.history.hint(self.page.site, self.page.data_id, self.visitor.id, self.clock(),
                                 plans=self.page.embedded is None)

    def store_hint_soon(self) -> protocol.Effects:
        """The hint now, and with its plans a moment later (``plans_due``: at the next wake):
        playing the plans takes milliseconds a survey being shown should not wait for."""
        assert self.page.site is not None
        now = self.clock()
        effects: protocol.Effects = [self.history.hint(self.page.site, self.page.data_id, self.visitor.id, now,
                                                       plans=False)]
        self.plans_due = self.plans_unwoken = self.history.planning
        return effects

    def plans_wake(self, effects: protocol.Effects) -> protocol.Effects:
        """A message's effects, with the wake that writes the hint's plans if it needs one (once
        per showing; a wake already asked for does it too)."""
        if self.plans_unwoken:
            self.plans_unwoken = False
            if not any(e["type"] == "wake" for e in effects):
                effects.append(protocol.wake(PLANS_AFTER))
        return effects
