"""The runtime's clocks: each survey's seconds trigger, and the thank-you step's auto-close.

Time passes in ``wake`` messages (the browser sets a timer for each ``wake`` effect).
"""

from __future__ import annotations

from collections.abc import Callable

from . import protocol
from .protocol import Effects
from .survey_format import Survey
from .targeting import Decision

# A wake may arrive a little before what it was set for (its delay is in whole milliseconds
# and the browser's timers and clock differ): a timer that close is due.
TIMER_SLACK = 0.01


class Timers:
    def __init__(self) -> None:
        self.triggers: dict[str, float] = {}   # survey id -> when its seconds trigger fires
        self.close_at: float | None = None     # auto-close of the thank-you step

    def start(self, decisions: list[tuple[Survey, Decision]], now: float) -> Effects:
        """A seconds trigger for each survey that waits (one per survey)."""
        effects: Effects = []
        for waiting, d in decisions:
            if d.wait and waiting.id not in self.triggers:
                self.triggers[waiting.id] = now + d.wait
                effects.append(protocol.wake(d.wait))
        return effects

    def fire(self, now: float, occur: Callable[[str], Effects]) -> Effects:
        """Each trigger due, earliest first: removed, then ``occur(survey_id)``."""
        effects: Effects = []
        for survey_id, due in sorted(self.triggers.items(), key=lambda kv: kv[1]):
            if due <= now + TIMER_SLACK:
                del self.triggers[survey_id]
                effects.extend(occur(survey_id))
        return effects

    def clear(self) -> None:
        """Time on the page starts again (or stops): pending triggers are cancelled."""
        self.triggers.clear()

    def close_after(self, after: float, now: float) -> Effects:
        self.close_at = now + after
        return [protocol.wake(after)]

    def close_due(self, now: float) -> bool:
        return self.close_at is not None and now + TIMER_SLACK >= self.close_at
