"""The one interface every vendor is behind (as Segment analytics-next's destinations).

A vendor contributes, each through one part of :class:`Vendor`:

- **In the page**: whether an answer goes to it (:meth:`Vendor.enabled`), the SDK calls an
  answer makes (:meth:`Vendor.answer_calls`), the calls asking its SDK who the visitor is
  (:meth:`Vendor.identity_queries`; the replies' names are :attr:`Vendor.identity_names`,
  the ids an answer record carries and the collector stores), and closing its message.
- **In its embed**: the message the survey runs inside (:class:`Embed`: the channel the
  snippet names, how the survey sits there, the page around the snippet).
- **In links and emails**: its merge tags (:class:`LinkTags`: the recipient's identity, the
  send), a tag it leaves unfilled, a tag written its editor's way.
- **In the collector's relay**: from its configuration (:meth:`Vendor.relay`, whose settings
  :attr:`Vendor.relay_settings` lists for a form) a :class:`Relay` that turns a record into the
  request to its REST API and reads its reply.
  When to try again (429, 5xx, Retry-After, backoff) stays the collector's queue's.

The helpers below (typed values, Iterate's record fields, dates) are what vendors share.
Nothing here imports the server: this package ships into the browser with the runtime.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypedDict

if TYPE_CHECKING:
    from ..extensions import ForwardContext
    from ..survey_format import Question, SiteSettings, Survey

# Record fields every vendor gets, in Iterate's names.
ITERATE_FIELDS = ("survey_id", "survey_name", "question", "label", "response", "response_int",
                  "response_string", "response_array", "response_year", "response_month", "response_day",
                  "response_properties")


class SdkCall(TypedDict):
    """``target`` (a global of the page, or of its parent frame) then each ``[name, args]`` of
    ``chain`` in turn: a method call, or with ``args`` None a property read. ``{"$date": s}``
    in args is a Date. ``wait_for``: a window event to wait for if the target is not there
    yet (a bridge a vendor's message gives once ready). ``reply``: post the result back under
    this name. ``optional``: a missing target is no news (identity look-ups), not a warning.
    ``else_target`` and ``else_chain``: the same call through another bridge, made when
    ``target`` is not there (a vendor's Android interface, else its iOS message handler)."""

    vendor: str
    target: str
    chain: list[list[Any]]
    wait_for: str | None
    reply: str | None
    optional: bool
    else_target: str | None
    else_chain: list[list[Any]] | None


def call(vendor: str, target: str, chain: list[list[Any]], *, wait_for: str | None = None,
         reply: str | None = None, otherwise: tuple[str, list[list[Any]]] | None = None) -> SdkCall:
    return {"vendor": vendor, "target": target, "chain": chain, "wait_for": wait_for, "reply": reply,
            "optional": reply is not None, "else_target": otherwise[0] if otherwise else None,
            "else_chain": otherwise[1] if otherwise else None}


def typed_value(question: Question, value: Any) -> Any:
    """The answer typed for a vendor's attribute: number, string array or string."""
    if question.type in ("nps", "rating"):
        return int(value)
    if isinstance(value, list):
        return [str(v) for v in value]
    return str(value)


def as_date(value: Any) -> Any:
    """A trait or property as the SDKs take it: Iterate's typed date becomes a Date."""
    if isinstance(value, dict) and value.get("type") == "date":
        return {"$date": value.get("value")}
    return value


def iterate_fields(record: dict[str, Any]) -> dict[str, Any]:
    return {k: record[k] for k in ITERATE_FIELDS if record.get(k) is not None}


def record_value(record: dict[str, Any]) -> Any:
    """The answer typed for a profile attribute, from the record alone (the server relay)."""
    if record.get("response_array") is not None:
        return list(record["response_array"])
    if record.get("response_int") is not None:
        return record["response_int"]
    return record.get("response_string") or str(record.get("response", ""))


def pick(survey_value: bool | None, site_value: bool) -> bool:
    """A survey's forwarding override, else the site's setting."""
    return site_value if survey_value is None else survey_value


@dataclass(frozen=True)
class Embed:
    """The vendor's message a survey runs inside: ``channel`` (iterateSettings.channel, and
    ``sondage embed CHANNEL``), how the survey sits there (``presentation``: "modal" centred
    over a backdrop, "fill" filling the message), and the page the marketer pastes: more
    iterateSettings, a style and a body around the snippet.

    ``in_app``: the message is shown by a mobile SDK in its WebView too (no parent page, an
    opaque origin, maybe no storage, no frame may navigate): the page then holds the survey's
    first question itself and runs the runtime's worker without a frame (``static/inapp.js``).
    ``identities``: the vendor's ids filled in by its merge tags when the message is sent
    (identity name -> tag), which the answers carry to the collector."""

    channel: str
    title: str                               # what it is, for the gallery and the CLI's help
    presentation: Literal["modal", "fill"]
    settings: Mapping[str, str]
    style: str
    body: str = ""
    in_app: bool = False
    identities: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class LinkTags:
    """The vendor as an email service: the link parameter ``user_<trait>`` its ``identity``
    merge tag fills (the recipient's id, which the relay writes to: ``relay_identity`` in the
    record's identities), and ``send``, the tag naming each send of a campaign ("": none)."""

    trait: str
    relay_identity: str
    identity: str
    send: str = ""


@dataclass(frozen=True)
class RelaySetting:
    """One setting of a vendor's relay as a person gives it (the studio's Integrations page):
    ``name`` is its key in the relay's configuration, a ``secret``'s key there being ``<name>_env``
    (the environment variable that holds it)."""

    name: str
    words: str              # what it is, for people
    secret: bool = False


class RelayConfigError(ValueError):
    """A vendor's relay settings in the collector's configuration, wrong: the message names the key."""


class Relay:
    """Turns one answer record into a request to the vendor's REST API, and reads its reply."""

    @property
    def url(self) -> str:
        raise NotImplementedError

    def headers(self) -> dict[str, str]:
        raise NotImplementedError

    def body(self, record: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def refusal(self, reply: bytes) -> str | None:
        """A 2xx reply that still says it did not take everything: why (None: taken)."""
        return json_refusal(reply)


def json_refusal(reply: bytes) -> str | None:
    """A JSON reply saying ``"status": "fail"`` or listing what was ``unprocessed``."""
    try:
        data = json.loads(reply) if reply.strip() else None
    except ValueError:
        return None
    if isinstance(data, dict) and (data.get("status") == "fail" or data.get("unprocessed")):
        return "refused: " + json.dumps(data)[:400]
    return None


def secret(entry: Mapping[str, Any], name: str, here: str, env: Mapping[str, str]) -> str:
    """A credential, from the environment variable the configuration names."""
    variable = entry.get(name)
    if not isinstance(variable, str) or not env.get(variable):
        raise RelayConfigError(f"{here}.{name}: name an environment variable that holds it ({variable!r} is not set)")
    return str(env[variable])


def http_url(value: Any) -> bool:
    return isinstance(value, str) and re.match(r"https?://", value) is not None


class Vendor:
    """What one vendor contributes. ``name``: its key (sites.yaml's ``forward``, the relay's
    configuration, ``--esp``, the relay's deliveries); ``label``: its name for people (and
    each :class:`SdkCall`'s ``vendor``). A part a vendor does not have keeps the default."""

    name: str = ""
    label: str = ""
    identity_names: tuple[str, ...] = ()     # the ids its SDK gives (identity_queries' replies)
    embed: Embed | None = None
    more_embeds: tuple[Embed, ...] = ()      # its other messages (a mobile in-app message)
    link: LinkTags | None = None
    relay_settings: tuple[RelaySetting, ...] = ()   # what :meth:`relay` reads, for a form

    @property
    def embeds(self) -> tuple[Embed, ...]:
        """Every message of this vendor a survey can run inside."""
        return ((self.embed,) if self.embed is not None else ()) + self.more_embeds

    # -- in the page ------------------------------------------------------------------------
    def enabled(self, settings: SiteSettings, survey: Survey, channel: str) -> bool:
        """Whether this survey's answers go to this vendor here."""
        return False

    def answer_calls(self, ctx: ForwardContext) -> list[SdkCall]:
        """The SDK calls one answer makes (only asked when :meth:`enabled`)."""
        return []

    def forward(self, ctx: ForwardContext) -> list[SdkCall]:
        """The vendor as an answer forwarder (extensions.Forwarder)."""
        return self.answer_calls(ctx) if self.enabled(ctx.settings, ctx.survey, ctx.channel) else []

    def identity_queries(self) -> list[SdkCall]:
        """Ask its SDK who the visitor is; each call's ``reply`` is one of identity_names."""
        return []

    def close_calls(self, campaign: str, channel: str = "") -> list[SdkCall]:
        """Close its message (the embed of ``channel``) the survey ran in."""
        return []

    # -- in links and emails ----------------------------------------------------------------
    def merge_tag(self, tag: str) -> str:
        """A merge tag as the service fills it (a tag written as its editor shows it, rewritten)."""
        return tag

    def unfilled(self, value: str) -> bool:
        """A link parameter its service left unfilled (its own placeholder)."""
        return False

    # -- in the collector's relay -------------------------------------------------------------
    def relay(self, entry: Any, here: str, env: Mapping[str, str]) -> Relay:
        """Its relay from the collector's configuration (``relay.<site>.<name>``);
        RelayConfigError names what is wrong. ``env``: where credentials are read."""
        raise RelayConfigError(f"{here}: {self.label} has no relay")
