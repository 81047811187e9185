"""Answers forwarded to the vendors' SDKs on the page: every call decided here, in Python.

For each answered question this computes the exact SDK calls (target object, method chain,
arguments) for Segment (analytics.js), Braze (the Web SDK, or ``brazeBridge`` inside a
Braze in-app message) and CleverTap (the Web SDK, also from inside a CleverTap web pop-up).
The loader only looks the target up and makes the calls; a missing or broken SDK costs one
console warning, never the page or the survey.

Field names are Iterate's (as its Segment source emits them). Vendor rules followed here:
Braze custom attributes are typed (number, string, string array, date); CleverTap events
are flat (no arrays or objects: a multiple-choice answer is joined with ", "), while its
profile takes string arrays (multi-value properties).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, TypedDict

from .extensions import REGISTRY, ForwardContext, Forwarder
from .survey_format import Question, SiteSettings, Survey

SEGMENT_EVENT = "Survey Question Response"
BRAZE_EVENT = "survey-question-response"
# Embeds: where the survey runs inside a vendor's message (iterateSettings.channel).
# "hosted": the survey's own page, opened from a link or an email (no SDK there: the
# collector relays its answers to the vendors' REST APIs instead).
Channel = Literal["page", "braze-inapp", "clevertap-popup", "hosted"]
CHANNELS: tuple[Channel, ...] = ("page", "braze-inapp", "clevertap-popup", "hosted")
# Record fields every vendor gets, in Iterate's names.
ITERATE_FIELDS = ("survey_id", "survey_name", "question", "label", "response", "response_int",
                  "response_string", "response_array", "response_year", "response_month", "response_day",
                  "response_properties")


class SdkCall(TypedDict):
    """``target`` (a global of the page, or of its parent frame) then each ``[name, args]`` of
    ``chain`` in turn: a method call, or with ``args`` None a property read. ``{"$date": s}``
    in args is a Date. ``wait_for``: a window event to wait for if the target is not there
    yet (Braze's ``ab.BridgeReady``). ``reply``: post the result back under this name.
    ``optional``: a missing target is no news (identity look-ups), not a warning."""

    vendor: str
    target: str
    chain: list[list[Any]]
    wait_for: str | None
    reply: str | None
    optional: bool


def _call(vendor: str, target: str, chain: list[list[Any]], *, wait_for: str | None = None,
          reply: str | None = None) -> SdkCall:
    return {"vendor": vendor, "target": target, "chain": chain, "wait_for": wait_for, "reply": reply,
            "optional": reply is not None}


@dataclass(frozen=True)
class Vendors:
    segment: bool
    braze: bool
    clevertap: bool


def vendors(settings: SiteSettings, survey: Survey, channel: Channel) -> Vendors:
    """Who gets this survey's answers: the site's settings, the survey's overrides, and the
    channel's own vendor (an answer given inside a Braze message always goes to Braze)."""
    site, own = settings.forward, survey.forward

    def pick(survey_value: bool | None, site_value: bool) -> bool:
        return site_value if survey_value is None else survey_value

    return Vendors(segment=pick(own.segment, site.segment),
                   braze=channel == "braze-inapp" or pick(own.braze, site.braze),
                   clevertap=channel == "clevertap-popup" or pick(own.clevertap, site.clevertap))


def typed_value(question: Question, value: Any) -> Any:
    """The answer typed for a vendor's attribute: number, string array or string."""
    if question.type in ("nps", "rating"):
        return int(value)
    if isinstance(value, list):
        return [str(v) for v in value]
    return str(value)


def _date(value: Any) -> Any:
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


def clevertap_event_data(record: dict[str, Any]) -> dict[str, Any]:
    """CleverTap's event properties: flat (a multiple-choice answer joined with ", "), and
    the response properties on the event."""
    event: dict[str, Any] = {k: v for k, v in iterate_fields(record).items()
                             if k not in ("response_array", "response_properties")}
    if record.get("response_array") is not None:
        event["response_array"] = ", ".join(record["response_array"])
    for key, prop in record.get("response_properties", {}).items():
        event.setdefault(key, _date(prop))
    return event


def clevertap_profile(record: dict[str, Any], value: Any, user_properties: list[str],
                      traits: dict[str, Any]) -> dict[str, Any]:
    """CleverTap's profile update: the answer under its label, and the user properties."""
    profile: dict[str, Any] = {record["label"]: value}
    for key in user_properties:
        if key in traits:
            profile.setdefault(key, _date(traits[key]))
    return profile


def segment_calls(record: dict[str, Any]) -> list[SdkCall]:
    return [_call("Segment", "analytics", [["track", [SEGMENT_EVENT, iterate_fields(record)]]])]


def braze_calls(record: dict[str, Any], question: Question, value: Any, channel: Channel) -> list[SdkCall]:
    in_message = channel == "braze-inapp"
    target, wait = ("brazeBridge", "ab.BridgeReady") if in_message else ("braze", None)
    props = iterate_fields(record)
    props["response_properties"] = {k: _date(v) for k, v in record.get("response_properties", {}).items()}
    return [
        _call("Braze", target, [["getUser", []], ["setCustomUserAttribute", [record["label"],
                                                                            typed_value(question, value)]]],
              wait_for=wait),
        _call("Braze", target, [["logCustomEvent", [BRAZE_EVENT, props]]], wait_for=wait),
        _call("Braze", target, [["requestImmediateDataFlush", []]], wait_for=wait),
    ]


def clevertap_calls(record: dict[str, Any], question: Question, value: Any, settings: SiteSettings,
                    traits: dict[str, Any]) -> list[SdkCall]:
    forward = settings.forward
    event = clevertap_event_data(record)
    profile = clevertap_profile(record, typed_value(question, value), forward.clevertap_user_properties, traits)
    return [
        _call("CleverTap", "clevertap", [["event", None], ["push", [forward.clevertap_event, event]]]),
        _call("CleverTap", "clevertap", [["profile", None], ["push", [{"Site": profile}]]]),
    ]


def _segment(ctx: ForwardContext) -> list[SdkCall]:
    return segment_calls(ctx.record) if vendors(ctx.settings, ctx.survey, ctx.channel).segment else []


def _braze(ctx: ForwardContext) -> list[SdkCall]:
    return braze_calls(ctx.record, ctx.question, ctx.value, ctx.channel) \
        if vendors(ctx.settings, ctx.survey, ctx.channel).braze else []


def _clevertap(ctx: ForwardContext) -> list[SdkCall]:
    return clevertap_calls(ctx.record, ctx.question, ctx.value, ctx.settings, ctx.traits) \
        if vendors(ctx.settings, ctx.survey, ctx.channel).clevertap else []


BUILTIN_FORWARDERS = ("segment", "braze", "clevertap")
for _forwarder in (Forwarder("segment", _segment), Forwarder("braze", _braze), Forwarder("clevertap", _clevertap)):
    REGISTRY.forwarder(_forwarder)


def answer_calls(record: dict[str, Any], question: Question, value: Any, survey: Survey, settings: SiteSettings,
                 channel: Channel, traits: dict[str, Any]) -> list[SdkCall]:
    """Every SDK call for one answered question, in order: the built-in vendors, then the
    site's extension forwarders. One that is not loaded is skipped; one that fails costs a
    console warning (the answer is already stored for the collector)."""
    if record.get("preview") or channel == "hosted":
        return []   # preview answers reach no profile; a hosted page's are relayed by the server
    calls: list[SdkCall] = []
    wanted: list[tuple[str, dict[str, Any]]] = [(name, {}) for name in BUILTIN_FORWARDERS]
    wanted += [(f.name, dict(f.options)) for f in settings.forwarders]
    for name, options in wanted:
        forwarder = REGISTRY.forwarders.get(name)
        if forwarder is None:
            continue
        ctx = ForwardContext(record=record, question=question, value=value, survey=survey, settings=settings,
                             channel=channel, traits=traits, options=dict(options))
        try:
            made = forwarder.forward(ctx)
            if not isinstance(made, list) or not all(isinstance(c, dict) and {"target", "chain"} <= set(c)
                                                     for c in made):
                raise TypeError(f"returned {type(made).__name__}, not a list of SdkCall")
        except Exception as e:      # a forwarder's bug never costs the answer or the page
            made = [_call("Sondage", "console", [["warn", [f"Sondage: forwarder {name!r} failed: "
                                                          f"{type(e).__name__}: {str(e)[:200]}"]]])]
        calls += made
    return calls


def identity_queries(settings: SiteSettings, survey: Survey, channel: Channel) -> list[SdkCall]:
    """Ask the page's SDKs who the visitor is, for the collector to store with each answer."""
    if channel == "hosted":
        return []
    chosen = vendors(settings, survey, channel)
    calls: list[SdkCall] = []
    if chosen.braze:
        calls += [_call("Braze", "braze", [["getUser", []], ["getUserId", []]], reply="braze_external_id"),
                  _call("Braze", "braze", [["getDeviceId", []]], reply="braze_device_id")]
    if chosen.clevertap:
        calls.append(_call("CleverTap", "clevertap", [["getCleverTapID", []]], reply="clevertap_id"))
    return calls


def close_calls(channel: Channel, campaign: str) -> list[SdkCall]:
    """Close the vendor's message the survey runs in, once it is finished or dismissed."""
    if channel == "braze-inapp":
        return [_call("Braze", "brazeBridge", [["closeMessage", []]], wait_for="ab.BridgeReady")]
    if channel == "clevertap-popup":
        return [_call("CleverTap", "$WZRK_WR", [["closeIframe", [campaign or "-1", ""]]])]
    return []
