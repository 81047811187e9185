"""Delivery of answer records to the collector: the durable outbox and its one request in flight.

Each runtime (tab) keeps its unsent records under its own storage key; at start it takes in
every outbox it finds (other tabs', closed or not, and those of older storage versions) and
sends them too. A record may then be sent twice (the collector keeps one), but none is
left behind. Records are stored before anything is sent, each time with the plan the loader
carries out when no runtime sends them (:mod:`delivery_plan`).
"""

from __future__ import annotations

from typing import Any

from . import protocol, visitor_state
from .outbox import BATCH, Outbox
from .protocol import Effects
from .records import is_view


class Delivery:
    def __init__(self, collector: str | None) -> None:
        self.collector = collector
        self.outbox = Outbox()
        self.key = ""
        self.in_flight = False
        self.held_until = 0.0     # nothing is sent before (answers wait for the visitor's ids)
        self.batch_limit = BATCH
        self.warned: set[str] = set()    # one console warning per reason

    def adopt(self, site: str, storage: dict[str, Any], tab_id: str) -> Effects:
        """Take in every outbox found in ``storage`` (but what the loader already delivered,
        ``acked``); this tab's own key is ``tab_id``'s."""
        self.key = protocol.storage_key(site, f"outbox:{tab_id}")
        self.outbox = Outbox()
        acked, effects = visitor_state.read_acked(site, storage)
        for key, value in visitor_state.outboxes(site, storage):
            for record in visitor_state.outbox_from_json(value).items:
                if record["id"] not in acked:
                    self.outbox.add(record)
            effects.append(protocol.store(key, None))
        if self.outbox.items:
            effects.append(self.save())
        return effects

    def take_in(self, value: Any, now: float) -> Effects:
        """Another tab's outbox changed: its answers are sent from here too (the collector
        keeps one of each), so none is left behind if that tab is closed."""
        before = len(self.outbox.items)
        for record in visitor_state.outbox_from_json(value).items:
            self.outbox.add(record)
        if len(self.outbox.items) == before:
            return []
        return [self.save(), *self.flush(now)]

    def add(self, record: dict[str, Any]) -> Effects:
        self.outbox.add(record)
        return [self.save()]

    def stamp(self, response_id: str, field: str, values: dict[str, Any]) -> Effects:
        """What was learnt about the visitor after they answered goes on the answers of the
        showing ``response_id`` not yet sent (what each answer already had is kept); its view
        says nothing of them."""
        stamped = False
        for record in self.outbox.items:
            if response_id and record.get("response_id") == response_id and not is_view(record):
                merged = {**values, **(record.get(field) or {})}
                if merged != record.get(field):
                    record[field], stamped = merged, True
        return [self.save()] if stamped else []

    def save(self) -> protocol.StoreEffect:
        return protocol.store(self.key, visitor_state.outbox_to_json(self.outbox))

    def hold(self, until: float) -> None:
        """Send nothing before ``until`` (the records are stored meanwhile)."""
        self.held_until = until

    def release(self, now: float) -> Effects:
        self.held_until = 0.0
        return self.flush(now)

    def flush(self, now: float) -> Effects:
        if self.in_flight or not self.collector or now < self.held_until:
            return []
        batch = self.outbox.due(now, self.batch_limit)
        if not batch:
            return []
        self.in_flight = True
        return [protocol.deliver(self.collector, batch)]

    def woken(self, now: float) -> Effects:
        """A timer fired: send what is due. A timer can fire a little before the retry is
        due (its delay is in whole milliseconds, the clocks differ): the retry then waits
        again rather than until the next answer or page view."""
        effects = self.flush(now)
        if effects or self.in_flight or not self.collector or not self.outbox.items:
            return effects
        return [protocol.wake(max(self.outbox.next_try - now, self.held_until - now, 0.001))]

    def online(self, now: float) -> Effects:
        """The browser is back online: what was waiting for a retry is sent at once."""
        self.outbox.attempts = 0
        self.outbox.next_try = 0.0
        return self.flush(now)

    def reported(self, message: dict[str, Any], now: float, jitter: float) -> Effects:
        """The worker's report on a batch: ``delivered`` (what the collector answered; status
        0: nothing) or ``undelivered`` (it could not be sent)."""
        ids = [str(i) for i in message.get("ids", [])]
        if message.get("type") == "undelivered":
            return self.result(ids, 0, None, None, now, jitter)
        status, retry_after = message.get("status"), message.get("retry_after")
        return self.result(ids, status if isinstance(status, int) else 200, message.get("body"),
                           float(retry_after) if isinstance(retry_after, (int, float)) else None, now, jitter)

    def result(self, ids: list[str], status: int, body: Any, retry_after: float | None, now: float,
               jitter: float) -> Effects:
        """What the collector said about a batch (``status`` 0: no answer at all).

        - 2xx: the stored and duplicate ids are done; each refused record is dropped, with
          one console warning per reason (retrying would never help), but one refused for the
          page it comes from (``retry``: a site's ``origins`` that do not name it), which is
          kept and sent again with backoff, with one clear warning.
        - no answer, 408, 429, 5xx: the whole batch waits and is tried again (backoff with
          jitter, at least the collector's Retry-After).
        - 413: the batch was too large: try again at once with half as many records; a single
          record that is too large is dropped with a warning.
        - any other 4xx: the batch is refused for good: dropped, with one warning.
        """
        self.in_flight = False
        effects: Effects = []
        if 200 <= status < 300:
            refused = body.get("rejected") if isinstance(body, dict) else None
            done = set(ids)
            kept: list[str] = []
            for item in refused if isinstance(refused, list) else []:
                if not isinstance(item, dict) or item.get("id") not in done:
                    continue
                if item.get("retry") is True:   # refused for where it comes from, not for what it is
                    kept.append(str(item["id"]))
                else:
                    effects += self._dropped([str(item["id"])], str(item.get("reason") or "refused"))
            attempts = self.outbox.attempts
            self.outbox.delivered([i for i in ids if i not in kept])
            self.batch_limit = BATCH
            if kept:
                self.outbox.attempts = attempts
                return [*effects, *self._kept(kept, body), *self._retry_later(now, jitter, retry_after)]
            return [*effects, self.save(), *self.flush(now)]
        if status == 0 or status in (408, 429) or status >= 500:
            return self._retry_later(now, jitter, retry_after)
        if status == 413 and len(ids) > 1:
            self.batch_limit = max(1, len(ids) // 2)
            return self.flush(now)
        reason = _error_text(body) or f"HTTP {status}"
        effects += self._dropped(ids, f"HTTP {status}: {reason}")
        self.outbox.delivered(ids)
        return [*effects, self.save(), *self.flush(now)]

    def _retry_later(self, now: float, jitter: float, retry_after: float | None) -> Effects:
        """Back off; the stored outbox's plan says when, so the loader waits as long."""
        wait = self.outbox.failed(now, jitter, retry_after)
        return [self.save(), protocol.wake(wait)]

    def _kept(self, ids: list[str], body: dict[str, Any]) -> Effects:
        """Answers the collector refused for the page they come from (a site's `origins` that
        do not name it): a configuration to fix, not a bad answer. They stay here and are sent
        again with backoff, so they arrive once the configuration is fixed; said once."""
        reasons = {str(r.get("reason")) for r in body.get("rejected", []) if isinstance(r, dict) and r.get("id") in ids}
        reason = "; ".join(sorted(reasons))[:400]
        if reason in self.warned:
            return []
        self.warned.add(reason)
        return [protocol.console("warn", f"Sondage: the collector refuses {len(ids)} answer(s) for the page they come "
                                         f"from: {reason}. Add this page's origin to the site's `origins` in "
                                         f"surveys/sites.yaml (or the collector's allow_origins); the answers are "
                                         f"kept in this browser and sent again until it takes them")]

    def _dropped(self, ids: list[str], reason: str) -> Effects:
        if reason in self.warned:
            return []
        self.warned.add(reason)
        return [protocol.console("warn", f"Sondage: the collector refused {len(ids)} answer(s) for good "
                                         f"({', '.join(ids[:3])}{'...' if len(ids) > 3 else ''}): {reason}; "
                                         f"dropped")]


def _error_text(body: Any) -> str:
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return str(body["error"])[:300]
    return ""
