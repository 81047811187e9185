"""Surveys that end themselves: ``GET /status/<site>.json`` says which of a site's surveys with
a response limit (``limit`` in the survey format) have reached it.

The worker of a page that starts the runtime reads it while Python starts (the site's survey
data names it only for sites with a limited survey), so a CDN-hosted bundle learns it too: the
collector is always a live server. Counted by SQL on either database, at most every
``RECOUNT_S`` per site and process; the reply may be cached ``protocol.STATUS_MAX_AGE_S`` by
browsers and proxies. No new visitor is shown a closed survey after at most the sum of both.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from runtime.protocol import SiteStatus
from runtime.survey_format import Survey

from .database import Store

RECOUNT_S = 10.0


class LimitCounter:
    def __init__(self, store: Store, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock = clock
        self._known: dict[str, SiteStatus] = {}
        self._lock = threading.Lock()

    def status(self, site: str, surveys: list[Survey]) -> SiteStatus:
        now = self.clock()
        with self._lock:
            known = self._known.get(site)
        if known is not None and now - known["counted_at"] < RECOUNT_S:
            return known
        limited = [s for s in surveys if s.limit is not None]
        counts = self.store.showings_answered(site, [s.id for s in limited]) if limited else {}
        closed = []
        for s in limited:
            assert s.limit is not None
            answered, completed = counts.get(s.id, (0, 0))
            if (completed if s.limit.count == "responses" else answered) >= s.limit.responses:
                closed.append(s.id)
        fresh: SiteStatus = {"closed": closed, "counted_at": now}
        with self._lock:
            self._known[site] = fresh
        return fresh
