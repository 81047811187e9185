"""What showing a survey ahead changes, decided by Python before the showing.

A survey shown ahead (runtime/hints.py) is on screen before Python is up. (Only on the site's
own pages: inside a vendor's message or on a survey's own page, Python starts as before.) Most visitors
never answer it: for them Python need not start at all. So Python decides beforehand what
that showing changes, by playing it: a scratch :class:`~runtime.embed.Runtime` is given the
visitor's stored state, the page view or the event, then the visitor's dismissal, and the
effects it returns (the history, the next hint, the visitor's id, the view record in an
outbox with its delivery plan, the ``onLoad`` / ``onEvent`` / ``onClose`` callbacks and the
vendors' calls) are the plan (:class:`protocol.ShowingPlan`). The frame carries it out when
the visitor never engages; the JavaScript fills in the time, new ids and the page's URL
(``protocol.PLAN_TOKENS``) and decides nothing.

What depends on the moment of the showing is found by playing it twice, ``DELTA`` seconds
apart: a number that moved by ``DELTA`` is that moment plus an offset; anything else that
moved makes the showing unplannable (then Python starts at once, as without a plan). The new
ids are sentinels the scratch runtime is given, found again in what it returned.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from typing import Any

from . import protocol
from .protocol import ShowingPlan
from .records import URL_CUT, URL_MAX
from .survey_format import SiteData

# The second play is this much later (seconds): what moved by it is the moment of the showing.
DELTA = 4321.125
# The scratch runtime's new ids: "SNDG" + four digits, padded with Q to 32 characters (as the
# runtime's own ids); a prefix of one (an outbox's tab id is 12 characters) is still found.
_ID = re.compile(r"SNDG(\d{4})(Q*)")
# The page's URL in the scratch runtime (the view record keeps it up to `URL_CUT`).
PAGE_URL = "https://sondage-page.invalid/sondage-page-url"
# The scratch runtime's collector (its batches are read from the outbox, never sent).
COLLECTOR = "https://sondage-collector.invalid/collect"
_ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
# The effects of a showing a plan carries out (mount: the frame already shows it; deliver:
# the outbox's own delivery plan sends it; console: only said in debug, which starts Python).
_CARRIED = ("store", "callback", "sdk")
# The storage a plan reads: the visitor's history and id, this version's and the one before.
_READS = ("history", "visitor")


class Unplannable(Exception):
    pass


def plan(site: SiteData, data_id: str, survey_id: str, event: str | None, storage: dict[str, Any],
         now: float) -> ShowingPlan | None:
    """The plan for showing ``survey_id`` ahead on a page view (``event`` None) or on
    ``event``, to a visitor whose stored state is ``storage`` (``{}``: a new visitor); None
    when the showing cannot be decided ahead (then Python starts at once)."""
    survey = next((s for s in site.surveys if s.id == survey_id), None)
    if survey is None or survey.translations:
        return None   # a translated survey is drawn in the visitor's language, which only the page knows
    requires = {protocol.storage_key(site.site, name, version): storage.get(protocol.storage_key(
        site.site, name, version)) for name in _READS for version in (protocol.STORAGE_VERSION, 0)}
    if any(requires[protocol.storage_key(site.site, name, 0)] is not None for name in _READS):
        return None   # the runtime migrates those first
    page_view = {"type": "command", "name": "install", "args": []}
    covers = [{"type": "command", "name": "event", "args": [event]} if event is not None else page_view]
    # On an event, the page view the loader also passes on (installOnLoad) may come first:
    # covered too if it decides nothing for this visitor (no survey, no timer).
    for quiet in ([page_view], []) if event is not None else ([],):
        try:
            first = _play(site, data_id, survey_id, quiet, covers[0], requires, now)
            second = _play(site, data_id, survey_id, quiet, covers[0], requires, now + DELTA)
            filled = Template(now).of(first, second)
        except Unplannable:
            continue
        return {"survey": survey_id, "data": data_id, "channel": None, "covers": covers, "quiet": quiet,
                "requires": requires, "shown": filled["shown"], "dismissed": filled["dismissed"],
                "facts": filled["facts"]}
    return None


def scratch_runtime(now: float) -> Any:
    """A :class:`~runtime.embed.Runtime` whose clock stands at ``now`` and whose new ids are the
    sentinels :class:`Template` finds again (also runtime/answer_plan.py's)."""
    from .embed import Runtime  # the scratch runtime is the runtime itself

    count = iter(range(1, 10_000))
    scratch = Runtime(clock=lambda: now, new_id=lambda: f"SNDG{next(count):04d}".ljust(32, "Q"))
    scratch.visit.history.planning = False    # the hint it writes holds no plans of its own
    return scratch


def scratch_init(site: SiteData, data_id: str, storage: dict[str, Any], shown_ahead: str | None = None,
                 channel: str | None = None, identities: dict[str, str] | None = None) -> dict[str, Any]:
    """The ``init`` a scratch runtime is given: the page at ``PAGE_URL``, a collector that is
    none, ``storage`` (its None values left out), in ``channel`` with the message's ids
    ``identities`` (also runtime/answer_plan.py's)."""
    page: dict[str, Any] = {"url": PAGE_URL, "referrer": "", "language": "", "user_agent": "", "touch_points": 0,
                            "font": "", "channel": channel, "campaign": None}
    if identities is not None:
        page["identities"] = identities
    return {"type": "init", "site": site.site, "preview": None, "look": None, "debug": False,
            "data_id": data_id, "shown_ahead": shown_ahead, "ahead": None, "ahead_event": None,
            "collector": COLLECTOR, "storage": {k: v for k, v in storage.items() if v is not None},
            "page": page, "site_data": site, "status": None}


def _play(site: SiteData, data_id: str, survey_id: str, quiet: list[dict[str, Any]], occurrence: dict[str, Any],
          storage: dict[str, Any], now: float) -> dict[str, Any]:
    """Show the survey in a scratch runtime at ``now``, then dismiss it: what each step returned."""
    scratch = scratch_runtime(now)
    init = scratch_init(site, data_id, storage)
    # Started, then the occurrence: what only the runtime's start-up waits for (an identify
    # Segment delivers after its event) concerns answers, which start Python anyway.
    shown = scratch.handle(init) + scratch.handle({"type": "started"})
    for message in quiet:
        if [e for e in scratch.handle(message) if e["type"] != "console"]:
            raise Unplannable(f"{message} decides something")
    shown += scratch.handle(occurrence)
    survey = scratch.screen.survey
    if survey is None or survey.id != survey_id or scratch.screen.state not in ("welcome", "question"):
        raise Unplannable(f"{survey_id} is not what the runtime shows")
    facts = {"survey": survey_id, "response_id": scratch.screen.response_id, "closed": False}
    dismissed = scratch.handle({"type": "ui", "action": "close", "survey_id": survey_id})
    return {"shown": _carried(shown, scratch, allow=()), "dismissed": _carried(dismissed, scratch, allow=("unmount",)),
            "facts": facts}


def _carried(effects: protocol.Effects, scratch: Any, allow: tuple[str, ...]) -> list[Any]:
    """The effects a plan carries out: the stores of the keys a showing changes (last value of
    each), the callbacks and the vendors' calls that ask nothing back."""
    out: list[dict[str, Any]] = []
    for typed in effects:
        effect: dict[str, Any] = dict(typed)
        kind = effect["type"]
        if kind in ("mount", "deliver", "console"):
            continue
        if kind in allow:
            out.append(effect)
            continue
        if kind not in _CARRIED:
            raise Unplannable(f"a {kind} effect")   # a timer, an extension to load: Python's work
        if kind == "sdk":
            calls = [c for c in effect["calls"] if not c.get("reply")]
            if calls:
                out.append({"type": "sdk", "calls": calls})
            continue
        if kind == "store":
            out = [e for e in out if not (e["type"] == "store" and e["key"] == effect["key"])]
        out.append(effect)
    return out


class Template:
    """Two plays, ``DELTA`` apart, as one template (``protocol.PLAN_TOKENS``)."""

    def __init__(self, now: float) -> None:
        self.now = now

    def of(self, a: Any, b: Any) -> Any:
        if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None:
            if a != b or type(a) is not type(b):
                raise Unplannable("a value that depends on the moment")
            return a
        if isinstance(a, (int, float)) and isinstance(b, (int, float)):
            return self._number(a, b)
        if isinstance(a, str) and isinstance(b, str):
            return self._text(a, b)
        if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
            return [self.of(x, y) for x, y in zip(a, b, strict=True)]
        if isinstance(a, dict) and isinstance(b, dict) and list(a) == list(b):
            if len(a) == 1 and next(iter(a)) in protocol.PLAN_TOKENS:
                raise Unplannable("a value that reads as a template")
            for key in a:
                if _ID.search(key) or key == PAGE_URL:
                    raise Unplannable("a new id as a key")
            return {k: self.of(a[k], b[k]) for k in a}
        raise Unplannable("two plays that differ in shape")

    def _number(self, a: float, b: float) -> Any:
        if a == b:
            return a
        if abs((b - a) - DELTA) < 1e-6:
            return {"$now": [a - self.now]}
        if abs((b - a) - DELTA * 1000) < 1e-3:
            return {"$now_ms": [a - self.now * 1000]}
        raise Unplannable("a number that moved otherwise than the moment")

    def _text(self, a: str, b: str) -> Any:
        if a[:1] in "{[" and b[:1] in "{[":
            try:
                parsed = json.loads(a), json.loads(b)
            except ValueError:
                parsed = None
            if parsed is not None:
                inner = self.of(*parsed)
                return a if a == b and inner == parsed[0] else {"$json": [inner]}
        if _ISO.match(a) and _ISO.match(b) and a != b:
            moved = (_parse_iso(b) - _parse_iso(a))
            if abs(moved - DELTA) < 0.002:
                return {"$iso": [round(_parse_iso(a) - self.now, 3)]}
            raise Unplannable("a time that moved otherwise than the moment")
        if a != b:
            raise Unplannable("a text that depends on the moment")
        parts: list[Any] = []
        at = 0
        for found in re.finditer(f"{_ID.pattern}|{re.escape(PAGE_URL)}", a):
            parts.append(a[at:found.start()])
            if found.group(0) == PAGE_URL:
                parts.append({"$page_url": [URL_CUT, URL_MAX]})
            else:
                parts.append({"$id": [int(found.group(1)), len(found.group(0))]})
            at = found.end()
        if not parts:
            return a
        parts.append(a[at:])
        parts = [p for p in parts if p != ""]
        return parts[0] if len(parts) == 1 else {"$concat": [parts]}


def _parse_iso(text: str) -> float:
    return _dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def for_hint(site: SiteData, data_id: str, ahead: dict[str, str | None], storage: dict[str, Any],
             now: float) -> dict[str, ShowingPlan]:
    """The plans of a hint: for each survey it shows ahead (survey id -> its event, None for
    the page view), the plan of showing it, where there is one."""
    out: dict[str, ShowingPlan] = {}
    for survey_id, event in ahead.items():
        found = plan(site, data_id, survey_id, event, storage, now)
        if found is not None:
            out[survey_id] = found
    return out

