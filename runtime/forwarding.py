"""Answers forwarded to the vendors' SDKs on the page: every call decided here, in Python.

For each answered question this asks each vendor (``runtime/vendors/``, in the registry's
order: Segment, then the others) for the exact SDK calls (target object, method chain,
arguments), then the site's extension forwarders. The loader only looks the target up and
makes the calls; a missing or broken SDK costs one console warning, never the page or the
survey. Field names are Iterate's (as its Segment source emits them); each vendor's own
rules (typed attributes, flat events) are in its module.
"""

from __future__ import annotations

from typing import Any

from .extensions import REGISTRY, ForwardContext
from .survey_format import Question, SiteSettings, Survey
from .vendors import registry
from .vendors.base import SdkCall, call

__all__ = ["HOSTED", "PAGE", "Channel", "SdkCall", "answer_calls", "channels", "close_calls", "identity_queries",
           "vendors"]

# Where the survey runs (iterateSettings.channel): "page", a vendor's message (its embed's
# channel), or "hosted": the survey's own page, opened from a link or an email (no SDK
# there: the collector relays its answers to the vendors' REST APIs instead).
Channel = str
PAGE, HOSTED = "page", "hosted"


def channels() -> tuple[Channel, ...]:
    """Where a survey may run: the page, each vendor's message, its own page."""
    return (PAGE, *registry.embed_channels(), HOSTED)


def vendors(settings: SiteSettings, survey: Survey, channel: Channel) -> dict[str, bool]:
    """Who gets this survey's answers, by vendor: the site's settings, the survey's overrides,
    and the channel's own vendor (an answer given inside a vendor's message goes to it)."""
    return {name: vendor.enabled(settings, survey, channel) for name, vendor in registry.VENDORS.items()}


def answer_calls(record: dict[str, Any], question: Question, value: Any, survey: Survey, settings: SiteSettings,
                 channel: Channel, traits: dict[str, Any]) -> list[SdkCall]:
    """Every SDK call for one answered question, in order: the vendors, then the site's
    extension forwarders. One that is not loaded is skipped; one that fails costs a console
    warning (the answer is already stored for the collector)."""
    if record.get("preview") or channel == HOSTED:
        return []   # preview answers reach no profile; a hosted page's are relayed by the server
    calls: list[SdkCall] = []
    wanted: list[tuple[str, dict[str, Any]]] = [(name, {}) for name in registry.VENDORS]
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
            made = [call("Sondage", "console", [["warn", [f"Sondage: forwarder {name!r} failed: "
                                                         f"{type(e).__name__}: {str(e)[:200]}"]]])]
        calls += made
    return calls


def identity_queries(settings: SiteSettings, survey: Survey, channel: Channel) -> list[SdkCall]:
    """Ask the page's SDKs who the visitor is, for the collector to store with each answer."""
    if channel == HOSTED:
        return []
    return [query for vendor in registry.VENDORS.values() if vendor.enabled(settings, survey, channel)
            for query in vendor.identity_queries()]


def close_calls(channel: Channel, campaign: str) -> list[SdkCall]:
    """Close the vendor's message the survey runs in, once it is finished or dismissed."""
    vendor = registry.by_channel(channel)
    return vendor.close_calls(campaign, channel) if vendor is not None else []
