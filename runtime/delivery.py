"""Delivery of answer records to the collector: the durable outbox and its one request in flight.

Each runtime (tab) keeps its unsent records under its own storage key; at start it takes in
every outbox it finds (other tabs', closed or not, and those of older storage versions) and
sends them too. A record may then be sent twice (the collector keeps one), but none is
left behind. Records are stored before anything is sent.
"""

from __future__ import annotations

from typing import Any

from . import protocol, stored
from .protocol import Effects
from .responses import Outbox


class Delivery:
    def __init__(self, collector: str | None) -> None:
        self.collector = collector
        self.outbox = Outbox()
        self.key = ""
        self.in_flight = False

    def adopt(self, site: str, storage: dict[str, Any], tab_id: str) -> Effects:
        """Take in every outbox found in ``storage``; this tab's own key is ``tab_id``'s."""
        self.key = protocol.storage_key(site, f"outbox:{tab_id}")
        self.outbox = Outbox()
        effects: Effects = []
        for key, value in stored.outboxes(site, storage):
            for record in stored.outbox_from_json(value).items:
                self.outbox.add(record)
            effects.append(protocol.store(key, None))
        if self.outbox.items:
            effects.append(self.save())
        return effects

    def add(self, record: dict[str, Any]) -> Effects:
        self.outbox.add(record)
        return [self.save()]

    def save(self) -> protocol.StoreEffect:
        return protocol.store(self.key, stored.outbox_to_json(self.outbox))

    def flush(self, now: float) -> Effects:
        if self.in_flight or not self.collector:
            return []
        batch = self.outbox.due(now)
        if not batch:
            return []
        self.in_flight = True
        return [protocol.deliver(self.collector, batch)]

    def delivered(self, ids: list[str], now: float) -> Effects:
        self.in_flight = False
        self.outbox.delivered(ids)
        return [self.save(), *self.flush(now)]

    def undelivered(self, now: float) -> Effects:
        self.in_flight = False
        return [protocol.wake(self.outbox.failed(now))]
