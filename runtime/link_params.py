"""Iterate's typed link parameters, read from a hosted survey page's URL.

- ``user_<key>=v`` sticks to the user (a trait); ``response_<key>=v`` to this response only
  (a response property). A type prefix types the value: ``user_number_age=33``,
  ``response_boolean_trial=true``, ``user_date_joined=2024-01-31`` (or unix seconds).
- Identities from an email service's merge tags: ``user_braze_id`` (Braze's
  ``{{${braze_id}}}``), ``user_email`` (CleverTap's ``{{ Profile.Identity }}``),
  ``user_external_id``. They become traits too, and the identities the server relays with.
- ``answer=<value>``: the answer to the first question, clicked in an email; recorded at
  once, and the survey goes on with question 2.

A merge tag the service did not fill (``{{...}}``, or CleverTap's ``null`` default) is
ignored, never stored as a value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from .responses import MAX_PROPERTIES, MAX_PROPERTY_NAME, MAX_PROPERTY_TEXT
from .survey_format import parse_date

ANSWER = "answer"
IDENTITY_PARAMS = {"braze_id": "braze_id", "email": "clevertap_identity", "external_id": None}


@dataclass
class LinkParams:
    traits: dict[str, Any] = field(default_factory=dict)
    response_properties: dict[str, Any] = field(default_factory=dict)
    identities: dict[str, str] = field(default_factory=dict)
    answer: str | None = None
    problems: list[str] = field(default_factory=list)


def _unfilled(value: str) -> bool:
    text = value.strip()
    return not text or text == "null" or ("{{" in text and "}}" in text) or text.startswith("@Profile")


def _typed(kind: str, value: str) -> Any:
    if kind == "number":
        number = float(value)
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    if kind == "boolean":
        lowered = value.strip().lower()
        if lowered in ("true", "1", "yes"):
            return True
        if lowered in ("false", "0", "no"):
            return False
        raise ValueError("not a boolean")
    if kind == "date":
        try:
            return {"type": "date", "value": int(float(value))}
        except ValueError:
            seconds = parse_date(value)
            if seconds is None:
                raise ValueError("not a date") from None
            return {"type": "date", "value": int(seconds)}
    return value


def parse(url: str) -> LinkParams:
    out = LinkParams()
    for name, value in parse_qsl(urlsplit(url).query, keep_blank_values=False):
        if name == ANSWER:
            if not _unfilled(value):
                out.answer = value[:MAX_PROPERTY_TEXT]
            continue
        for prefix, target in (("user_", out.traits), ("response_", out.response_properties)):
            if not name.startswith(prefix):
                continue
            key = name[len(prefix):]
            kind = "string"
            for k in ("number", "boolean", "date"):
                if key.startswith(k + "_"):
                    kind, key = k, key[len(k) + 1:]
            if not key or len(key) > MAX_PROPERTY_NAME or _unfilled(value) or len(value) > MAX_PROPERTY_TEXT:
                continue
            try:
                typed = _typed(kind, value)
            except ValueError:
                out.problems.append(f"link parameter {name}={value[:40]!r} is not a {kind}; ignored")
                continue
            if len(target) < MAX_PROPERTIES:
                target[key] = typed
            if target is out.traits and key in IDENTITY_PARAMS and isinstance(typed, str):
                identity = IDENTITY_PARAMS[key]
                if identity:
                    out.identities[identity] = typed[:200]
    return out
