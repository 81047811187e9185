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

    def start_delivery(self, collector: str | None) -> None:
        self.delivery = Delivery(collector)

    def store_history(self) -> protocol.StoreEffect:
        assert self.page.site is not None
        return self.history.store(self.page.site.site)

    def store_hint(self) -> protocol.StoreEffect:
        assert self.page.site is not None
        return self.history.hint(self.page.site, self.page.data_id, self.visitor.id, self.clock())
