"""Answers from links and emails, relayed to Braze's and CleverTap's REST APIs by the
collector (no SDK runs on a survey's own page, so the server writes to the profile).

An answer is relayed when it carries the identity its link gave: ``braze_id`` (from
``user_braze_id={{${braze_id}}}``) to Braze, ``clevertap_identity`` (from
``user_email={{ Profile.Identity }}``) to CleverTap, for sites whose relay is configured
in the collector's config file (credentials only there, never in the bundle). Requests
go through the collector's durable queue (``webhooks``): once per answer, retried
on 429 and 5xx (when the vendor's ``Retry-After`` says, bounded to 1 s .. 1 hour, else with
backoff), kept across restarts.

- Braze: ``POST <rest_endpoint>/users/track``, ``Authorization: Bearer <REST API key>``
  (a key with ``users.track``); body ``{"attributes": [{"braze_id", <label>: value}],
  "events": [{"braze_id", "name": "survey-question-response", "time", "properties"}]}``.
  One answer per request: well within Braze's 75 attributes and 75 events a request.
- CleverTap: ``POST https://<region>.api.clevertap.com/1/upload`` with
  ``X-CleverTap-Account-Id`` and ``X-CleverTap-Passcode``; body ``{"d": [{"type": "event",
  "identity", "ts", "evtName", "evtData"}, {"type": "profile", "identity", "ts",
  "profileData"}]}``: the event flat, the answer and the user properties on the profile.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ..runtime import forwarding
from ..runtime.survey_format import parse_date

CLEVERTAP_HOSTS = {"eu1": "api.clevertap.com", "in1": "in1.api.clevertap.com", "sg1": "sg1.api.clevertap.com",
                   "us1": "us1.api.clevertap.com", "aps3": "aps3.api.clevertap.com",
                   "mec1": "mec1.api.clevertap.com"}


@dataclass(frozen=True)
class BrazeRelay:
    rest_endpoint: str
    api_key: str

    @property
    def url(self) -> str:
        return self.rest_endpoint.rstrip("/") + "/users/track"

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}

    def body(self, record: dict[str, Any]) -> dict[str, Any]:
        who = {"braze_id": record["identities"]["braze_id"]}
        properties = forwarding.iterate_fields(record)
        return {"attributes": [{**who, record["label"]: forwarding.record_value(record)}],
                "events": [{**who, "name": forwarding.BRAZE_EVENT, "time": record["answered_at"],
                            "properties": properties}]}


@dataclass(frozen=True)
class CleverTapRelay:
    account_id: str
    passcode: str
    region: str = "eu1"
    endpoint: str = ""                     # instead of the region's host (a proxy, the tests)
    event: str = "survey_question_response"
    user_properties: tuple[str, ...] = field(default_factory=tuple)

    @property
    def url(self) -> str:
        base = self.endpoint.rstrip("/") if self.endpoint else f"https://{CLEVERTAP_HOSTS[self.region]}"
        return base + "/1/upload"

    def headers(self) -> dict[str, str]:
        return {"X-CleverTap-Account-Id": self.account_id, "X-CleverTap-Passcode": self.passcode}

    def body(self, record: dict[str, Any]) -> dict[str, Any]:
        identity = record["identities"]["clevertap_identity"]
        seconds = parse_date(record["answered_at"])
        if seconds is None:
            raise ValueError(f"answered_at: not an ISO date-time: {record['answered_at']!r}")
        when = int(seconds)
        event = {k: _flat(v) for k, v in forwarding.clevertap_event_data(record).items()}
        profile = forwarding.clevertap_profile(record, forwarding.record_value(record), list(self.user_properties),
                                               record.get("user") or {})
        return {"d": [{"type": "event", "identity": identity, "ts": when, "evtName": self.event, "evtData": event},
                      {"type": "profile", "identity": identity, "ts": when,
                       "profileData": {k: _flat(v) for k, v in profile.items()}}]}


def _flat(value: Any) -> Any:
    """A date (the browser's {"$date": s}) as CleverTap's upload API writes one: "$D_<s>"."""
    if isinstance(value, dict) and "$date" in value:
        return f"$D_{int(value['$date'])}"
    return value


@dataclass
class Relays:
    braze: BrazeRelay | None = None
    clevertap: CleverTapRelay | None = None


def relay_jobs(record: dict[str, Any], relays: Relays) -> list[tuple[str, str, str]]:
    """(kind, url, JSON body) of each relay this answer goes to."""
    identities = record.get("identities") or {}
    jobs = []
    if relays.braze and identities.get("braze_id") and not record.get("preview"):
        jobs.append(("braze", relays.braze.url, json.dumps(relays.braze.body(record), sort_keys=True)))
    if relays.clevertap and identities.get("clevertap_identity") and not record.get("preview"):
        jobs.append(("clevertap", relays.clevertap.url, json.dumps(relays.clevertap.body(record), sort_keys=True)))
    return jobs
