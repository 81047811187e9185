"""Who the visitor is: their sticky id, their traits, their response properties and their ids
in the vendors' tools, as ``Iterate('identify')``, the page's SDKs and a survey link say."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import link_params, protocol, visitor_state
from .page import Page
from .protocol import Effects
from .records import MAX_PROPERTIES, message_identity
from .survey_format import Survey
from .targeting import Context, visitor_language
from .vendors import registry


class Visitor:
    def __init__(self) -> None:
        self.id = ""
        self.traits: dict[str, Any] = {}
        self.response_properties: dict[str, Any] = {}
        self.identities: dict[str, str] = {}  # the visitor's ids in the vendors' tools
        self.identified = False               # an Iterate('identify') came on this page

    def read(self, site: str, storage: dict[str, Any], new_id: Callable[[], str]) -> Effects:
        """The visitor's sticky id (sampling), kept with the rest of their state; a new one
        for a new visitor."""
        visitor, effects = visitor_state.read_visitor(site, storage)
        if visitor is not None:
            self.id = visitor
        else:
            self.id = new_id()
            effects.append(protocol.store(protocol.storage_key(site, "visitor"), self.id))
        return effects

    def take_link(self, params: link_params.LinkParams) -> None:
        """The survey's own page: who the visitor is comes in the link."""
        self.traits.update(params.traits)
        self.response_properties.update(params.response_properties)
        self.identities.update(params.identities)

    def take_message_ids(self, ids: Any) -> None:
        """Inside a vendor's message: the ids its merge tags filled in when it was sent (a tag
        the vendor left as it is, or an empty one, is no id)."""
        for name, value in (ids.items() if isinstance(ids, dict) else ()):
            given = message_identity(value)
            if name in registry.message_identity_names() and given is not None:
                self.identities[name] = given

    def identify(self, traits: dict[str, Any], response_properties: dict[str, Any]) -> Effects:
        """Iterate('identify'): kept within MAX_PROPERTIES across calls too (a warning per one left out)."""
        self.identified = True
        effects: Effects = []
        for target, given, what in ((self.traits, traits, "traits"),
                                    (self.response_properties, response_properties, "response properties")):
            for key, value in given.items():
                if key in target or len(target) < MAX_PROPERTIES:
                    target[key] = value
                else:
                    effects.append(protocol.console("warn", f"Sondage: Iterate('identify'): more than "
                                                            f"{MAX_PROPERTIES} {what} in all; {key!r} ignored"))
        return effects

    def note_id(self, name: Any, value: Any) -> None:
        """A page SDK's answer: one of the visitor's ids in a vendor's tool."""
        if name in registry.identity_names() and isinstance(value, (str, int)) and not isinstance(value, bool) \
                and str(value).strip():
            self.identities[name] = str(value)[:200]

    def context(self, page: Page, now: float) -> Context:
        """What the targeting engine knows when it decides."""
        return Context(url=page.url, traits=dict(self.traits), preview_id=page.preview_id, now=now,
                       device=page.device, language=page.language, visitor_id=self.id, closed=page.closed)

    def language(self, page: Page, now: float) -> str:
        """The language the visitor reads: their `language` trait, else the browser's."""
        return visitor_language(self.context(page, now))

    def link_id(self, page: Page, kind: str, survey: Survey, preview: bool, question_id: str = "",
                value: Any = None) -> str | None:
        """On a survey's own page (not in preview), the id of a showing, its view or an answer,
        derived from the recipient and the send (link_params.link_id); None elsewhere."""
        if page.channel != "hosted" or preview or page.site is None:
            return None
        who = link_params.recipient(self.identities, self.traits, self.id)
        return link_params.link_id(kind, page.site.site, survey.id, who, page.link_send, question_id, value) \
            if who else None
