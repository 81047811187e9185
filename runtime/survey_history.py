"""Which surveys this visitor was shown and answered, kept in their browser, and the hint the
loader reads from it (what could still show them anything)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import hints, protocol, showing_plan, visitor_state
from .protocol import Effects
from .survey_format import SiteData
from .targeting import History


@dataclass
class SurveyHistory(History):
    # The visitor's hint carries the plans of the showings it shows ahead (a scratch runtime
    # playing one of them writes a hint without).
    planning: bool = True

    def read(self, site: str, storage: dict[str, Any]) -> Effects:
        """This visitor's history as stored (any known version), and its migration."""
        history, effects = visitor_state.read_history(site, storage)
        self.shown, self.responded = history.shown, history.responded
        return effects

    @staticmethod
    def forget_old_hint(site: str, storage: dict[str, Any]) -> Effects:
        """An older version's hint is never read again (a new one is written at start)."""
        return visitor_state.forget_old_hint(site, storage)

    def store(self, site: str) -> protocol.StoreEffect:
        return protocol.store(protocol.storage_key(site, "history"), visitor_state.history_to_json(self))

    def take_in(self, value: Any) -> bool:
        """Another tab of the same site changed the history: merge it (False: unreadable)."""
        theirs = visitor_state.history_from_json(value)
        if theirs is None:
            return False
        self.merge(theirs)
        return True

    def hint(self, site: SiteData, data_id: str, visitor_id: str, now: float,
             plans: bool = True) -> protocol.StoreEffect:
        """This visitor's hint for the loader: what could still show them anything.

        It names the survey data it was computed from, so new surveys void it. With it, the
        plan of each showing it shows ahead (runtime/showing_plan.py), for the history and the
        visitor's id as this runtime stores them.
        """
        value = hints.hint(site.surveys, self, site.settings, visitor_id, now)
        if plans and self.planning and visitor_id:
            ahead: dict[str, str | None] = {sid: event for event, sid in value["event_surveys"].items()}
            if value["page_view_survey"] is not None:
                ahead[value["page_view_survey"]["id"]] = None
            stored = {protocol.storage_key(site.site, "history"): visitor_state.history_to_json(self),
                      protocol.storage_key(site.site, "visitor"): visitor_id}
            planned = showing_plan.for_hint(site, data_id, ahead, stored, now)
            if planned:
                value["plans"] = planned
        return protocol.store(protocol.storage_key(site.site, "hint"),
                              {"version": protocol.HINT_VERSION, "data": data_id, **value})
