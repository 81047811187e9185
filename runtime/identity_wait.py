"""What the answers of a showing wait for before they are sent (stored meanwhile): the page's
SDKs saying who the visitor is, and an ``identify`` that may follow an early event.

Segment's destination delivers a page's buffered event before its identify, and the vendor
SDKs answer asynchronously; answers sent at once would miss the traits and ids they carry.
"""

from __future__ import annotations

from typing import Any

from . import forwarding, protocol, undecided
from .protocol import Effects
from .survey_format import SiteSettings, Survey

# How long answers wait for the page's SDKs to say who the visitor is.
IDENTITY_WAIT = 2.0


class IdentityWait:
    def __init__(self) -> None:
        self.pending: set[str] = set()   # vendor ids asked for and not yet answered
        # Answers of this showing are stored but not sent before these (0: not waiting):
        self.ids_until = 0.0      # ... the page's SDKs say who the visitor is
        self.traits_until = 0.0   # ... an identify that may follow the event (Segment's order)

    @property
    def until(self) -> float:
        """Nothing of this showing is sent before this (0: nothing waits)."""
        return max(self.ids_until, self.traits_until)

    def ask(self, settings: SiteSettings, survey: Survey, channel: forwarding.Channel, now: float) -> Effects:
        """Ask the page's SDKs who the visitor is; answers wait at most IDENTITY_WAIT for them."""
        queries = forwarding.identity_queries(settings, survey, channel)
        if not queries:
            return []
        self.pending = {q["reply"] for q in queries if q["reply"]}
        self.ids_until = now + IDENTITY_WAIT
        return [protocol.sdk(list(queries)), protocol.wake(IDENTITY_WAIT)]

    def replied(self, name: Any) -> bool:
        """An SDK answered: True once every id asked for is known (or known to be missing)."""
        if name not in self.pending:
            return False
        self.pending.discard(name)
        if self.pending:
            return False
        self.ids_until = 0.0
        return True

    def for_identify(self, now: float) -> Effects:
        """An event from before the runtime started: wait a moment for the identify after it."""
        self.traits_until = now + undecided.WINDOW_SECONDS
        return [protocol.wake(undecided.WINDOW_SECONDS)]

    def identified(self) -> bool:
        """An identify came: True if the answers waited for it (they wait no more)."""
        if not self.traits_until:
            return False
        self.traits_until = 0.0
        return True
