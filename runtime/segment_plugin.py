"""The Segment side: what a Segment call means for Iterate's embed.

Segment's "Iterate Web (Actions)" destination maps, by default, a track call to
``Iterate('event', name)`` with ``name`` from the event name, and an identify call to
``Iterate('identify', {...traits, external_id: userId})``. When a site registers
Sondage's own Segment plugin instead (``sondage snippet --segment-plugin``), the plugin
forwards each Segment event unchanged as ``Iterate('segment', event)`` and this module
maps it the same way, plus page calls, which count as a page change.

The other way, each answer goes to Segment as ``analytics.track('Survey Question Response',
{...record})`` when the site forwards to it (:class:`Segment`, a vendor like the others in
``runtime/vendors/``: it has no embed, no merge tags and no relay).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .vendors.base import SdkCall, Vendor, call, iterate_fields, pick

if TYPE_CHECKING:
    from .extensions import ForwardContext
    from .survey_format import SiteSettings, Survey

Command = tuple[str, list[Any]]

# The Iterate command each Segment call type stands for ("page": a page change), and the field
# of a track call that names the event. The loader reads both (written in by the build) to
# know, before Python is up, whether a Segment call could show a survey.
AS_COMMAND = {"track": "event", "identify": "identify", "page": "page"}
EVENT_NAME = "event"
# The event each answer is tracked as.
ANSWER_EVENT = "Survey Question Response"


class SegmentEventError(ValueError):
    pass


def _page_url(event: dict[str, Any]) -> str | None:
    context = event.get("context")
    page = context.get("page") if isinstance(context, dict) else None
    for source in (page, event.get("properties")):
        url = source.get("url") if isinstance(source, dict) else None
        if isinstance(url, str) and url:
            return url
    return None


def commands(event: Any) -> list[Command]:
    """The Iterate commands a Segment event stands for, in order.

    A page call becomes the pseudo-command ``("page", [url])``: a page change.
    """
    if not isinstance(event, dict):
        raise SegmentEventError("a Segment event must be an object")
    command = AS_COMMAND.get(str(event.get("type")))
    if command == "event":
        name = event.get(EVENT_NAME)
        if not isinstance(name, str) or not name:
            raise SegmentEventError("a track call needs the event name")
        properties = event.get("properties")
        return [("event", [name, properties] if isinstance(properties, dict) and properties else [name])]
    if command == "identify":
        traits = event.get("traits")
        traits = dict(traits) if isinstance(traits, dict) else {}
        user_id = event.get("userId")
        if user_id not in (None, ""):
            traits["external_id"] = user_id
        return [("identify", [traits])]
    if command == "page":
        url = _page_url(event)
        return [("page", [url])] if url else []
    return []   # group, alias, screen: nothing for surveys


class Segment(Vendor):
    """Answers to analytics.js: one track call each, with the record's fields."""

    name = "segment"
    label = "Segment"

    def enabled(self, settings: SiteSettings, survey: Survey, channel: str) -> bool:
        return pick(survey.forward.segment, settings.forward.segment)

    def answer_calls(self, ctx: ForwardContext) -> list[SdkCall]:
        return [call(self.label, "analytics", [["track", [ANSWER_EVENT, iterate_fields(ctx.record)]]])]
