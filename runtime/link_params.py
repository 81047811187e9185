"""Iterate's typed link parameters, read from a hosted survey page's URL.

- ``user_<key>=v`` sticks to the user (a trait); ``response_<key>=v`` to this response only
  (a response property). A type prefix types the value: ``user_number_age=33``,
  ``response_boolean_trial=true``, ``user_date_joined=2024-01-31`` (or unix seconds).
- Identities from an email service's merge tags: ``user_<trait>`` as each vendor's links
  say (``runtime/vendors/``: its ``LinkTags``), and ``user_external_id``. They become traits
  too, and the identities the server relays with.
- ``answer=<value>``: the answer to the first question, clicked in an email; recorded at
  once, and the survey goes on with question 2.
- ``send=<id>``: the email send the link came in (a vendor's send tag), so that each send
  of a recurring campaign gets its own answer.

A merge tag the service did not fill (``{{...}}``, a ``null`` default, or a vendor's own
placeholder) is ignored, never stored as a value.

**One answer per recipient, survey, question and send.** A link is opened again and again:
the recipient reloads it, clicks another answer in the same email, a mail scanner opens it
first. So what is recorded on a survey's own page has ids derived from who answered and what
(:func:`link_id`), not random ones. The recipient is the identity the link carries
(each vendor's, in the registry's order, then ``user_external_id``), else this browser's visitor id.
The showing (``response_id``) and its view are derived from the recipient, the survey and
the send, so a reload is the same response, not another one. An answer's id adds its
question and value: the same answer again has the same id, which the collector already has
(a duplicate: nothing stored, nothing relayed); another answer to the same question of the
same showing replaces the earlier one there (the collector keeps the latest given).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

try:   # the C module itself: in Pyodide it is built in, and hashlib.py stays out of the browser's zip
    from _sha2 import sha256  # type: ignore[import-not-found,unused-ignore]
except ImportError:   # CPython 3.11
    from hashlib import sha256

from .records import MAX_PROPERTIES, MAX_PROPERTY_NAME, MAX_PROPERTY_TEXT
from .survey_format import parse_date
from .vendors import registry

ANSWER = "answer"
SEND = "send"
LINK_ID_PREFIX = "link-"        # ids derived by link_id(); the collector replaces such an answer when it changes


@dataclass
class LinkParams:
    traits: dict[str, Any] = field(default_factory=dict)
    response_properties: dict[str, Any] = field(default_factory=dict)
    identities: dict[str, str] = field(default_factory=dict)
    answer: str | None = None
    send: str = ""                  # the email send the link came in ("": not said)
    problems: list[str] = field(default_factory=list)


def _unfilled(value: str) -> bool:
    text = value.strip()
    return not text or text == "null" or ("{{" in text and "}}" in text) \
        or any(vendor.unfilled(text) for vendor in registry.VENDORS.values())


def _identities() -> dict[str, str]:
    """The trait a link's identity parameter sets (``user_<trait>``) -> the identity it is."""
    return {vendor.link.trait: vendor.link.relay_identity for vendor in registry.link_vendors()
            if vendor.link is not None}


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
    identities = _identities()
    for name, value in parse_qsl(urlsplit(url).query, keep_blank_values=False):
        if name == ANSWER:
            if not _unfilled(value):
                out.answer = value[:MAX_PROPERTY_TEXT]
            continue
        if name == SEND:
            if not _unfilled(value):
                out.send = value.strip()[:200]
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
            if target is out.traits and key in identities and isinstance(typed, str):
                out.identities[identities[key]] = typed[:200]
    return out


def recipient(identities: dict[str, str], traits: dict[str, Any], visitor_id: str) -> str:
    """Who answers on a survey's own page: the identity the link carries, else this browser's
    visitor ("" if neither is known: then answers get random ids)."""
    for name in _identities().values():
        if identities.get(name):
            return f"{name}:{identities[name]}"
    external = traits.get("external_id")
    if isinstance(external, (str, int)) and not isinstance(external, bool) and str(external):
        return f"external_id:{external}"
    return f"visitor:{visitor_id}" if visitor_id else ""


def link_id(kind: str, site: str, survey_id: str, who: str, send: str, question_id: str = "",
            value: Any = None) -> str:
    """The id of a showing on a survey's own page (``kind`` "response"), of its view ("view")
    or of an answer ("answer", with its question and value): the same for the same recipient,
    survey, send (and question and answer), whatever the page load. 45 characters, within a
    record id's pattern."""
    answer = json.dumps(value, sort_keys=True, separators=(",", ":")) if kind == "answer" else ""
    key = "\x1f".join(("sondage-link-1", kind, site, survey_id, who, send, question_id, answer))
    digest: str = sha256(key.encode()).hexdigest()
    return LINK_ID_PREFIX + digest[:40]


def is_link_id(record_id: str) -> bool:
    return record_id.startswith(LINK_ID_PREFIX)
