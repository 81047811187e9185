"""Answers from links and emails, relayed to the vendors' REST APIs by the collector (no SDK
runs on a survey's own page, so the server writes to the profile).

An answer is relayed to a vendor when it carries the identity the vendor's link gave (its
``LinkTags.relay_identity``, from ``user_<trait>=<merge tag>``), for sites whose relay to
that vendor is configured in the collector's config file (``relay.<site>.<vendor>``;
credentials only there, never in the bundle). What each request holds, where it goes and
how the vendor's reply says no is the vendor's own (``runtime/vendors/``: its ``Relay``).
Requests go through the collector's durable queue (``webhooks``): once per answer, retried
on 429 and 5xx (when the vendor's ``Retry-After`` says, bounded to 1 s .. 1 hour, else with
backoff), kept across restarts.
"""

from __future__ import annotations

import json
from typing import Any

from runtime.vendors import registry
from runtime.vendors.base import Relay

Relays = dict[str, Relay]       # one site's relays, by vendor name


def relay_jobs(record: dict[str, Any], relays: Relays) -> list[tuple[str, str, str]]:
    """(vendor, url, JSON body) of each relay this answer goes to, in the registry's order."""
    if record.get("preview"):
        return []
    identities = record.get("identities") or {}
    jobs = []
    for name, vendor in registry.VENDORS.items():
        relay = relays.get(name)
        if relay is not None and vendor.link is not None and identities.get(vendor.link.relay_identity):
            jobs.append((name, relay.url, json.dumps(relay.body(record), sort_keys=True)))
    return jobs
