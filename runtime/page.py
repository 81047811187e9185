"""The page the runtime serves: the site's surveys, where the page is, and how it was opened.

What ``init`` said about the page (its URL, language, device, ``iterate_preview``,
``iterate_look``, ``iterate_debug``), the channel the survey runs in (the page itself, a
vendor's message, or the survey's own page), and whether page views count (``mode``).
"""

from __future__ import annotations

from typing import Any, Literal

from . import forwarding, link_params, protocol
from .placement import survey_look, with_look
from .protocol import Effects
from .survey_format import SiteData, Survey, load_site_data
from .targeting import device_type
from .vendors import registry

# Whether page views count: not before install() (installOnLoad implies it), never after
# uninstall() until the next install.
Mode = Literal["waiting", "installed", "uninstalled"]


def closed_surveys(status: Any) -> frozenset[str] | None:
    """The ids in the collector's status (protocol.SiteStatus); None if there is none or it
    is not one (the limited surveys then show: a page never waits on the collector)."""
    if not isinstance(status, dict) or not isinstance(status.get("closed"), list):
        return None
    return frozenset(i for i in status["closed"] if isinstance(i, str))


class Page:
    def __init__(self) -> None:
        self.site: SiteData | None = None
        self.data_id = ""
        self.url = ""
        self.language = ""
        self.device = "desktop"
        self.preview_id: str | None = None
        self.look: tuple[str, str] | None = None    # (position, theme) for the previewed survey
        self.debug = False
        self.mode: Mode = "waiting"
        self.channel: forwarding.Channel = forwarding.PAGE
        self.campaign = ""                    # the vendor's campaign id, in its message (an embed's setting)
        self.link_answer: str | None = None   # a hosted page's answer=, for question 1
        self.link_send = ""                   # ... and its send= (the email send it came in)
        self.closed: frozenset[str] | None = None   # limited surveys the collector closed (None: unknown)

    def start(self, message: dict[str, Any]) -> Effects:
        """Take in what ``init`` says about the site and the page; warnings for what it ignores."""
        data = message["site_data"]   # a showing's plan plays it with the site's data as read
        self.site = data if isinstance(data, SiteData) else load_site_data(data)
        self.data_id = str(message.get("data_id") or "")
        page = message.get("page") or {}
        self.url = str(page.get("url", ""))
        self.language = str(page.get("language") or "")
        self.device = device_type(str(page.get("user_agent") or ""), int(page.get("touch_points") or 0))
        preview = message.get("preview")
        self.preview_id = str(preview) if preview else None
        self.look, problem = survey_look(message.get("look"))
        self.debug = bool(message.get("debug"))
        self.closed = closed_surveys(message.get("status"))
        return [protocol.console("warn", f"Sondage: iterate_look: {problem}; ignored")] if problem else []

    def set_channel(self, channel: Any, campaign: Any) -> tuple[Effects, link_params.LinkParams | None]:
        """iterateSettings.channel: the survey runs inside a vendor's message (an embed); on
        the survey's own page, what its link says (who the visitor is, maybe an answer)."""
        if channel in (None, "", "page"):
            return [], None
        known = forwarding.channels()
        if channel not in known:
            return [protocol.console("warn", f"Sondage: iterateSettings.channel {channel!r} is not one of "
                                             f"{', '.join(known)}; ignored")], None
        self.channel = channel
        self.campaign = str(campaign)[:100] if isinstance(campaign, (str, int)) else ""
        if channel != "hosted":
            return [], None
        params = link_params.parse(self.url)
        self.link_answer = params.answer
        self.link_send = params.send
        return [protocol.console("warn", f"Sondage: {p}") for p in params.problems], params

    @property
    def embedded(self) -> str | None:
        """How the survey sits: inside a vendor's message, as its embed says ("modal": centred
        over a backdrop; "fill": filling it), "page" on its own page, else None (a corner)."""
        if self.channel == forwarding.HOSTED:
            return "page"
        embed = registry.embed(self.channel)
        return embed.presentation if embed is not None else None

    @property
    def in_message(self) -> bool:
        """The survey runs inside a vendor's message (an embed)."""
        return registry.by_channel(self.channel) is not None

    def key(self, name: str) -> str:
        assert self.site is not None
        return protocol.storage_key(self.site.site, name)

    def has_survey(self, survey_id: str) -> bool:
        assert self.site is not None
        return any(s.id == survey_id for s in self.site.surveys)

    def preview_survey(self) -> Survey | None:
        assert self.site is not None
        return next((s for s in self.site.surveys if s.id == self.preview_id), None)

    def dressed(self, survey: Survey, preview: bool) -> Survey:
        """QA's gallery: a previewed survey in the look ``iterate_look`` asks for."""
        return with_look(survey, *self.look) if preview and self.look is not None else survey

    def close_calls(self) -> list[forwarding.SdkCall]:
        """Closing the vendor's message the survey runs in, if it runs in one."""
        return forwarding.close_calls(self.channel, self.campaign)
