"""The embed runtime: messages in, effects out.

:class:`Runtime` is plain Python. It takes the messages of :mod:`protocol` (``init``,
``command``, ``ui``, delivery results, ``wake``, ...) and answers with *effects* (typed in
:mod:`protocol`) that the thin JavaScript around it carries out without deciding anything.
It composes:

- :mod:`commands`: each Iterate command's arguments, checked before its handler runs;
- :mod:`screen`: the survey on screen, an explicit state machine;
- :mod:`delivery`: the durable outbox and the request in flight;
- :mod:`stored`: the visitor's versioned state in their browser;
- :mod:`targeting` and :mod:`undecided`: who sees what, and what an identify may change.

The browser boundary (``runtime/browser.py``) feeds it and carries the effects out.
"""

from __future__ import annotations

import os
import re
import zlib
from collections.abc import Callable
from typing import Any, Literal

from . import (
    commands,
    debug,
    extensions,
    flow,
    forwarding,
    hints,
    link_params,
    locale,
    protocol,
    render,
    segment_plugin,
    strings,
    undecided,
    visitor_state,
)
from .answers import AnswerError, parse_answer
from .delivery import Delivery
from .placement import survey_look, with_look
from .protocol import Effects
from .records import MAX_PROPERTIES, answer_record, is_view, view_record
from .schema import dump
from .screen import Screen
from .survey_format import Question, SiteData, Survey, load_site_data
from .targeting import Context, Decision, History, Occurrence, choose, device_type, visitor_language

# Whether page views count: not before install() (installOnLoad implies it), never after
# uninstall() until the next install.
Mode = Literal["waiting", "installed", "uninstalled"]
# Inside a vendor's message (an embed), the message closes this long after the thank-you.
AUTO_CLOSE_SECONDS = 3.0
# How long answers wait (stored, not sent) for the page's SDKs to say who the visitor is.
IDENTITY_WAIT = 2.0
# A wake may arrive a little before what it was set for (its delay is in whole milliseconds
# and the browser's timers and clock differ): a timer that close is due.
TIMER_SLACK = 0.01
# How long a survey waits for its extensions to load before it is given up (and said why).
LOAD_SECONDS = 15.0
IDENTITY_NAMES = ("braze_external_id", "braze_device_id", "clevertap_id")
_EARLY_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")


class Runtime:
    def __init__(self, clock: Callable[[], float],
                 new_id: Callable[[], str] = lambda: os.urandom(16).hex()) -> None:
        self.clock = clock
        self.new_id = new_id
        self.site: SiteData | None = None
        self.url = ""
        self.preview_id: str | None = None
        self.look: tuple[str, str] | None = None    # (position, theme) for the previewed survey
        self.traits: dict[str, Any] = {}
        self.response_properties: dict[str, Any] = {}
        self.history = History()
        self.delivery = Delivery(None)
        self.screen = Screen()
        self.mode: Mode = "waiting"
        self.data_id = ""
        self.device = "desktop"
        self.language = ""
        self.visitor_id = ""
        self.debug = False
        self.timers: dict[str, float] = {}   # survey id -> when its seconds trigger fires
        self.identity_wait: set[str] = set()   # vendor ids asked for and not yet answered
        # Answers of this showing are stored but not sent before these (0: not waiting):
        self.identity_until = 0.0   # ... the page's SDKs say who the visitor is
        self.traits_until = 0.0     # ... an identify that may follow the event (Segment's order)
        self.identified = False     # an Iterate('identify') came on this page
        self.misuses: set[str] = set()        # caller mistakes already warned about
        # Occurrences an identify may still decide differently (Segment delivers a page's
        # buffered event before its identify).
        self.awaiting = undecided.AwaitingIdentity()
        self.channel: forwarding.Channel = "page"
        self.campaign = ""                    # the vendor's campaign id, in a CleverTap pop-up
        self.identities: dict[str, str] = {}  # the visitor's ids in the vendors' tools
        self.close_at: float | None = None    # auto-close of an embed after its thank-you
        self._early_id: str | None = None
        self.link_answer: str | None = None   # a hosted page's answer=, for question 1
        self.link_send = ""                   # ... and its send= (the email send it came in)
        # A survey decided but waiting for its extensions to load (nothing else shows meanwhile),
        # and the extensions that failed to load on this page (never asked for again), with why.
        self.loading: tuple[Survey, Decision, bool] | None = None
        self.loading_until = 0.0
        self.identify_wait_when_shown = False
        self.unloadable: dict[str, str] = {}
        # The command being handled was made during the visitor's own gesture (a click): the
        # loader passes navigator.userActivation.isActive as a fact; what it means is decided here.
        self.gesture = False
        self._handlers: dict[str, Callable[..., Effects]] = {
            "identify": self._cmd_identify, "event": self._cmd_event, "install": self._cmd_install,
            "url": self._cmd_url, "uninstall": self._cmd_uninstall, "segment": self._cmd_segment,
            "debug": self._cmd_debug,
        }
        assert set(self._handlers) == set(protocol.COMMANDS)

    # -- entry point -------------------------------------------------------------------
    def handle(self, message: dict[str, Any]) -> Effects:
        kind = message.get("type")
        if kind == "init":
            return self._init(message)
        if kind == "started":   # the worker has handed over everything queued before start-up
            self.awaiting.started(self.clock())
            # A survey shown ahead whose occurrence never came is not left on screen.
            return self.screen.settle_ahead()
        if kind not in protocol.TO_RUNTIME:
            return [protocol.console("warn", f"Sondage: unknown message type {kind!r}; ignored")]
        if self.site is None:
            return [protocol.console("warn", f"Sondage: {kind!r} arrived before init; ignored")]
        if kind == "command":
            self.gesture = message.get("active") is True
            try:
                return self.command(str(message.get("name", "")), list(message.get("args") or []))
            finally:
                self.gesture = False
        if kind == "page":
            return self._page(message.get("url"))
        if kind == "scroll":
            percent = message.get("percent")
            if not isinstance(percent, (int, float)) or isinstance(percent, bool):
                return []
            return self._page_bound(Occurrence("scroll", percent=int(percent)))
        if kind == "exit_intent":
            return self._page_bound(Occurrence("exit_intent"))
        if kind == "storage":
            return self._other_tab(message.get("key"), message.get("value"))
        if kind == "ui":
            return self._ui(message)
        if kind == "delivered":   # what the collector answered (status 0: nothing)
            status = message.get("status")
            retry_after = message.get("retry_after")
            return self.delivery.result(
                [str(i) for i in message.get("ids", [])], status if isinstance(status, int) else 200,
                message.get("body"), float(retry_after) if isinstance(retry_after, (int, float)) else None,
                self.clock(), self._jitter())
        if kind == "undelivered":
            return self.delivery.result([str(i) for i in message.get("ids", [])], 0, None, None, self.clock(),
                                        self._jitter())
        if kind == "sdk_reply":
            return self._sdk_reply(message.get("name"), message.get("value"))
        if kind == "online":
            return self.delivery.online(self.clock())
        if kind == "loaded":
            return self._loaded(message.get("failed"))
        assert kind == "wake"
        return [*self._fire_timers(), *self._auto_close(), *self._load_timeout(),
                *self.delivery.woken(self.clock())]

    # -- init --------------------------------------------------------------------------
    def _init(self, message: dict[str, Any]) -> Effects:
        self.site = site = load_site_data(message["site_data"])
        self.data_id = str(message.get("data_id") or "")
        # A survey the loader already shows (from a hint) until this runtime decides the
        # page view, or the event the loader names, it waits for.
        event = message.get("ahead_event")
        self.screen.show_ahead(message.get("shown_ahead") or None,
                               f"event:{event}" if isinstance(event, str) and event else "page_view")
        self.delivery = Delivery(message.get("collector") or None)
        page = message.get("page") or {}
        self.url = str(page.get("url", ""))
        self.language = str(page.get("language") or "")
        self.device = device_type(str(page.get("user_agent") or ""), int(page.get("touch_points") or 0))
        self.screen.host_font = str(page.get("font") or "")
        preview = message.get("preview")
        self.preview_id = str(preview) if preview else None
        self.look, problem = survey_look(message.get("look"))
        if problem:
            effects_look: Effects = [protocol.console("warn", f"Sondage: iterate_look: {problem}; ignored")]
        else:
            effects_look = []
        self.debug = bool(message.get("debug"))
        storage = message.get("storage") or {}
        self.history, effects = visitor_state.read_history(site.site, storage)
        effects += self._set_channel(page.get("channel"), page.get("campaign"))
        effects += self.delivery.adopt(site.site, storage, self.new_id()[:12])
        effects += visitor_state.forget_old_hint(site.site, storage)
        early, forget = visitor_state.read_early(site.site, storage)
        effects += forget + self._replay_early(early)
        render.warm_up()   # so the first trigger renders at once
        visitor, migrated = visitor_state.read_visitor(site.site, storage)
        effects += migrated
        if visitor is not None:
            self.visitor_id = visitor
        else:   # the visitor's sticky id (sampling), kept with the rest of their state
            self.visitor_id = self.new_id()
            effects.append(protocol.store(self._key("visitor"), self.visitor_id))
        effects.append(self._store_hint())
        if self.debug:
            effects.append(protocol.console("info", debug.header(site, self.device, self._context())))
        if self.preview_id and not any(s.id == self.preview_id for s in site.surveys):
            effects.append(protocol.console(
                "warn", f"Sondage: iterate_preview={self.preview_id!r} names no survey of this "
                        f"site (known: {', '.join(s.id for s in site.surveys) or 'none'})"))
        effects.extend(self.delivery.flush(self.clock()))
        return effects_look + effects

    def _set_channel(self, channel: Any, campaign: Any) -> Effects:
        """iterateSettings.channel: the survey runs inside a vendor's message (an embed)."""
        if channel in (None, "", "page"):
            return []
        if channel not in forwarding.CHANNELS:
            return [protocol.console("warn", f"Sondage: iterateSettings.channel {channel!r} is not one of "
                                             f"{', '.join(forwarding.CHANNELS)}; ignored")]
        self.channel = channel
        self.screen.embedded = {"braze-inapp": "modal", "clevertap-popup": "fill", "hosted": "page"}[channel]
        self.campaign = str(campaign)[:100] if isinstance(campaign, (str, int)) else ""
        if channel != "hosted":
            return []
        # The survey's own page: who the visitor is, and maybe their first answer, come in the link.
        params = link_params.parse(self.url)
        self.traits.update(params.traits)
        self.response_properties.update(params.response_properties)
        self.identities.update(params.identities)
        self.link_answer = params.answer
        self.link_send = params.send
        return [protocol.console("warn", f"Sondage: {p}") for p in params.problems]

    def _sdk_reply(self, name: Any, value: Any) -> Effects:
        if name in IDENTITY_NAMES and isinstance(value, (str, int)) and not isinstance(value, bool) \
                and str(value).strip():
            self.identities[name] = str(value)[:200]
        if name not in self.identity_wait:
            return []
        self.identity_wait.discard(name)
        if self.identity_wait:
            return []
        # Every id is known (or known to be missing): the answers of this showing carry them.
        self.identity_until = 0.0
        self._hold_answers()
        return self._stamp("identities", self.identities) + self.delivery.flush(self.clock())

    def _stamp(self, field: str, values: dict[str, Any]) -> Effects:
        """What was learnt about the visitor after they answered goes on this showing's
        answers not yet sent (what each answer already had is kept); its view says nothing of them."""
        stamped = False
        for record in self.delivery.outbox.items:
            if self.screen.response_id and record.get("response_id") == self.screen.response_id \
                    and not is_view(record):
                merged = {**values, **(record.get(field) or {})}
                if merged != record.get(field):
                    record[field], stamped = merged, True
        return [self.delivery.save()] if stamped else []

    def _hold_answers(self) -> None:
        """Hold this showing's answers until what they still wait for is in (nothing: none)."""
        self.delivery.hold(max(self.identity_until, self.traits_until))

    def _jitter(self) -> float:
        """0..1, from a fresh id (the runtime ships without `random`)."""
        return zlib.crc32(self.new_id().encode()) / 0xFFFFFFFF

    def _key(self, name: str) -> str:
        assert self.site is not None
        return protocol.storage_key(self.site.site, name)

    # -- commands ----------------------------------------------------------------------
    def command(self, name: str, args: list[Any]) -> Effects:
        """Iterate(name, ...args): arguments are checked first; a mistake of the caller's is
        a console warning, and the handler runs only with arguments it accepts."""
        try:
            checked = commands.check(name, args)
        except commands.ArgumentError as e:
            return self._misuse(f"Sondage: {e}; ignored")
        if checked is None:
            return []   # a callback: the loader keeps the function
        effects: Effects = [e for w in checked.warnings for e in self._misuse(w)]
        return effects + self._handlers[name](*checked.args)

    def _misuse(self, message: str) -> Effects:
        """A caller's mistake is said once per distinct message, however often it is made."""
        if message in self.misuses or len(self.misuses) >= 200:
            return []
        self.misuses.add(message)
        return [protocol.console("warn", message)]

    def _cmd_identify(self, traits: dict[str, Any], response_properties: dict[str, Any]) -> Effects:
        self.identified = True
        effects: Effects = []
        for target, given, what in ((self.traits, traits, "traits"),
                                    (self.response_properties, response_properties, "response properties")):
            for key, value in given.items():
                if key in target or len(target) < MAX_PROPERTIES:
                    target[key] = value
                else:   # kept within the limit across calls too
                    effects.append(protocol.console("warn", f"Sondage: Iterate('identify'): more than "
                                                            f"{MAX_PROPERTIES} {what} in all; {key!r} ignored"))
        if self.traits_until:      # the identify the answers of this showing waited for
            self.traits_until = 0.0
            self._hold_answers()
            effects += self._stamp("user", self.traits) + self.delivery.flush(self.clock())
        return effects + (self._decide_again() if traits else [])

    def _cmd_event(self, name: str, properties: dict[str, Any]) -> Effects:
        effects = self._occur(Occurrence("event", name=name, properties=properties))
        # The survey shown ahead for this event is decided now: if it is not on screen, remove it.
        return effects + self.screen.settle_ahead(f"event:{name}")

    def _cmd_install(self, survey_id: str | None) -> Effects:
        if survey_id is None:
            self.mode = "installed"
            effects = self._page_view()
            # The page view shown ahead is decided now: if it is not on screen, remove it.
            return self.screen.settle_ahead("page_view") + effects
        if self.mode == "uninstalled":
            self.mode = "waiting"
        assert self.site is not None
        if not any(s.id == survey_id for s in self.site.surveys):
            return [protocol.console("warn", f"Sondage: Iterate('install', {survey_id!r}): no such survey")]
        # Opened by the visitor (called from their click): the survey takes the keyboard focus.
        return self._occur(Occurrence("manual", survey_id=survey_id), opened=self.gesture)

    def _cmd_url(self, href: str) -> Effects:
        self.url = href
        return []

    def _cmd_uninstall(self) -> Effects:
        """Remove the widget, cancel pending triggers and stop; a later install() starts again."""
        self.mode = "uninstalled"
        self.timers.clear()
        self.awaiting.clear()
        self.loading, self.identify_wait_when_shown = None, False
        on_screen = self.screen.state != "empty"
        self.screen.clear()
        return [protocol.unmount()] if on_screen else []

    def _cmd_segment(self, event: Any) -> Effects:
        try:
            mapped = segment_plugin.commands(event)
        except segment_plugin.SegmentEventError as e:
            return [protocol.console("warn", f"Sondage: Segment plugin: {e}; ignored")]
        effects: Effects = []
        for name, args in mapped:
            effects.extend(self._page(args[0]) if name == "page" else self.command(name, args))
        return effects

    def _cmd_debug(self) -> Effects:
        """Iterate('debug'): why each survey would or would not show now."""
        assert self.site is not None
        return [protocol.console("info", debug.report(self.site, self._context(), self.history))]

    # -- pages and time ----------------------------------------------------------------
    def _page(self, url: Any) -> Effects:
        """A new page (a single-page app navigated): it counts as a page view once installed.

        Time on the page starts again: pending seconds triggers are cancelled and, where
        the new page still matches, started anew.
        """
        if not isinstance(url, str) or not url:
            return []
        self.url = url
        self.timers.clear()
        self.awaiting.new_page()
        if self.mode != "installed":
            return []
        return self._page_view()

    def _page_view(self) -> Effects:
        preview = self._preview_survey()
        if preview is not None and preview.trigger.type == "manual":
            # A previewed survey without a page trigger shows at once.
            return self._occur(Occurrence("manual", survey_id=preview.id))
        return self._occur(Occurrence("page_view"))

    def _page_bound(self, what: Occurrence) -> Effects:
        return self._occur(what) if self.mode == "installed" else []

    def _preview_survey(self) -> Survey | None:
        assert self.site is not None
        return next((s for s in self.site.surveys if s.id == self.preview_id), None)

    def _fire_timers(self) -> Effects:
        now = self.clock()
        effects: Effects = []
        for survey_id, due in sorted(self.timers.items(), key=lambda kv: kv[1]):
            if due <= now + TIMER_SLACK:
                del self.timers[survey_id]
                effects.extend(self._occur(Occurrence("timer", survey_id=survey_id)))
        return effects

    def _start_timers(self, decisions: list[tuple[Survey, Decision]]) -> Effects:
        effects: Effects = []
        for waiting, d in decisions:
            if d.wait and waiting.id not in self.timers:
                self.timers[waiting.id] = self.clock() + d.wait
                effects.append(protocol.wake(d.wait))
        return effects

    def _other_tab(self, key: Any, value: Any) -> Effects:
        """Another tab of the same site changed the shared state: take its history in, and
        its unsent answers (sent from here too, so none waits for a tab that was closed)."""
        if not isinstance(key, str):
            return []
        if key.startswith(self._key("outbox")) and key != self.delivery.key:
            return self.delivery.take_in(value, self.clock())
        if key != self._key("history"):
            return []
        theirs = visitor_state.history_from_json(value)
        if theirs is None:
            return []
        self.history.merge(theirs)
        return [self._store_hint()]

    def _replay_early(self, events: list[dict[str, Any]]) -> Effects:
        """Clicks on a survey shown ahead, stored at once, that no runtime took in (the
        visitor left within the first second): the answer is recorded with the click's id
        (so a record the runtime did make is not counted twice), and the survey counts as
        shown (and answered)."""
        assert self.site is not None
        effects: Effects = []
        for event in events[:20]:
            survey = next((s for s in self.site.surveys if s.id == event.get("survey_id")), None)
            at = event.get("at")
            when = float(at) if isinstance(at, (int, float)) and not isinstance(at, bool) else self.clock()
            if survey is None:
                continue
            self.history.shown[survey.id] = max(self.history.shown.get(survey.id, 0.0), when)
            question = survey.question(str(event.get("question_id")))
            early_id = event.get("early")
            if event.get("action") not in ("answer", "submit") or question is None or \
                    not isinstance(early_id, str) or not early_id:
                continue
            raw = event.get("value") if event.get("action") == "answer" else event.get("values") or []
            if question.type != "multiple_choice" and isinstance(raw, list):
                raw = raw[0] if raw else ""
            try:
                value = parse_answer(question, raw)
            except AnswerError:
                continue
            record = answer_record(survey, question, value, record_id=early_id, site=self.site.site, now=when,
                                   url=str(event.get("url") or self.url), user=self.traits,
                                   response_properties=self.response_properties)
            self.history.responded[survey.id] = when
            effects += self.delivery.add(record)
        if events:
            effects.append(self._store_history())
        return effects

    # -- deciding ----------------------------------------------------------------------
    def _context(self) -> Context:
        return Context(url=self.url, traits=dict(self.traits), preview_id=self.preview_id,
                       now=self.clock(), device=self.device, language=self.language,
                       visitor_id=self.visitor_id)

    def _occur(self, what: Occurrence, opened: bool = False) -> Effects:
        assert self.site is not None
        if self.mode == "uninstalled":
            return []   # nothing after uninstall
        survey, decision, decisions = choose(self.site.surveys, what, self._context(), self.history,
                                             self.site.settings)
        effects: Effects = []
        kept = [] if survey is not None or self._busy else \
            self.awaiting.keep(what, self.url, decisions, self.clock())
        if self.debug:
            effects.append(protocol.console("info", debug.occurrence(
                what, decisions, awaiting=kept, identified="external_id" in self.traits)))
        effects.extend(self._start_timers(decisions))
        if survey is None or decision is None or self._busy:
            return effects   # one survey on screen at a time
        effects += self._show(survey, decision, opened)
        if what.kind == "event" and self.awaiting.starting and not self.identified:
            if self.screen.survey is survey:
                effects += self._wait_for_identify()
            elif self.loading is not None and self.loading[0] is survey:
                self.identify_wait_when_shown = True   # once its extensions are loaded
        return effects

    def _wait_for_identify(self) -> Effects:
        """An event from before the runtime started (Segment's destination delivers the
        page's buffered identify after its event): the answers of this showing wait for that
        identify a moment (stored, not sent), to carry its traits."""
        self.traits_until = self.clock() + undecided.WINDOW_SECONDS
        self._hold_answers()
        return [protocol.wake(undecided.WINDOW_SECONDS)]

    def _decide_again(self) -> Effects:
        """The visitor's traits changed: occurrences not shown only because of who the
        visitor was are decided again (see ``runtime/undecided.py``)."""
        assert self.site is not None
        effects: Effects = []
        for item in self.awaiting.live(self.clock()):
            if self.mode == "uninstalled" or self._busy:
                break   # one survey on screen at a time
            surveys = [s for s in self.site.surveys if s.id in item.survey_ids]
            ctx = self._context()
            ctx.url = item.url
            survey, decision, decisions = choose(surveys, item.what, ctx, self.history, self.site.settings)
            self.awaiting.settled(item, decisions, shown=survey is not None)
            if self.debug:
                effects.append(protocol.console("info", debug.occurrence(item.what, decisions, again=True)))
            effects.extend(self._start_timers(decisions))
            if survey is not None and decision is not None:
                effects.extend(self._show(survey, decision))
        return effects

    # -- the survey on screen ----------------------------------------------------------
    @property
    def _busy(self) -> bool:
        """One survey at a time: one on screen, or one whose extensions are loading."""
        return self.screen.busy or self.loading is not None

    def _show(self, survey: Survey, decision: Decision, opened: bool = False) -> Effects:
        """Show ``survey``. It takes the keyboard focus only when the visitor opened it
        (``opened``: an install(id) from their click), or in a vendor's message or on the
        survey's own page, where the survey is what the visitor opened; a survey that appears
        on its own is announced and waits for Tab (WCAG 3.2.1, 3.2.5)."""
        assert self.site is not None
        missing = extensions.needed(self.site, survey)
        if missing:   # its extensions first: the worker fetches them from the bundle, then `loaded`
            broken = [e.name for e in missing if e.name in self.unloadable]
            if broken:
                return self._misuse(f"Sondage: survey {survey.id!r} is not shown: its extension {broken[0]} did not "
                                    f"load ({self.unloadable[broken[0]]})")
            self.loading, self.loading_until = (survey, decision, opened), self.clock() + LOAD_SECONDS
            return [protocol.load([dump(e) for e in missing]), protocol.wake(LOAD_SECONDS)]
        self.screen.seed = self.visitor_id
        self.screen.language = locale.pick_language(survey, visitor_language(self._context()))
        if decision.preview and self.look is not None:   # QA's gallery: a previewed survey in another look
            survey = with_look(survey, *self.look)
        showing = self._link_id("response", survey, decision.preview) or self.new_id()[:32]
        mounted = self.screen.open(survey, preview=decision.preview, response_id=showing,
                                   focus=opened or self.channel != "page")
        self.close_at = None
        if not decision.preview:
            self.history.shown[survey.id] = self.clock()
        info = _survey_info(survey)
        # The showing is recorded (views make completion rates real), like an answer: stored first.
        view = view_record(survey, record_id=self._link_id("view", survey, decision.preview) or self.new_id(),
                           site=self.site.site, now=self.clock(), url=self.url,
                           preview=decision.preview, response_id=self.screen.response_id)
        effects: Effects = [
            mounted,
            *self.delivery.add(view),
            self._store_history(),
            self._store_hint(),
            protocol.callback("onLoad", info),
            protocol.callback("onEvent", "displayed", {"source": "survey", "survey": info}),
        ]
        queries = forwarding.identity_queries(self.site.settings, survey, self.channel)
        if queries:
            effects.append(protocol.sdk(list(queries)))
            # Answers (a click made before Python was up comes at once) wait for the page's
            # SDKs to say who the visitor is, at most IDENTITY_WAIT: stored, not yet sent.
            self.identity_wait = {q["reply"] for q in queries if q["reply"]}
            self.identity_until = self.clock() + IDENTITY_WAIT
            self._hold_answers()
            effects.append(protocol.wake(IDENTITY_WAIT))
        if self.link_answer is not None:
            effects += self._answer_from_link(survey)
        return effects

    def _loaded(self, failed: Any) -> Effects:
        """The worker loaded the extensions asked for (or says why one failed): the survey
        that waited for them shows now, unless one failed (then it is not shown, and said once)."""
        pending, self.loading = self.loading, None
        wait, self.identify_wait_when_shown = self.identify_wait_when_shown, False
        for item in failed if isinstance(failed, list) else []:
            if isinstance(item, dict) and isinstance(item.get("name"), str):
                self.unloadable[item["name"]] = str(item.get("error") or "unknown error")[:300]
        if pending is None or self.mode == "uninstalled" or self.screen.busy:
            return []
        effects = self._show(*pending)
        if wait and not self.identified and self.screen.survey is pending[0]:
            effects += self._wait_for_identify()
        return effects

    def _load_timeout(self) -> Effects:
        """Extensions still not loaded after LOAD_SECONDS (a fetch that hangs): the survey is
        given up, said once, and the page can show others."""
        if self.loading is None or self.clock() + TIMER_SLACK < self.loading_until:
            return []
        assert self.site is not None
        survey, decision, opened = self.loading
        self.loading, self.identify_wait_when_shown = None, False
        for ref in extensions.needed(self.site, survey):
            self.unloadable.setdefault(ref.name, f"not loaded within {LOAD_SECONDS:g} s")
        return self._show(survey, decision, opened)

    def _answer_from_link(self, survey: Survey) -> Effects:
        """The first question was answered in an email (``answer=`` in the link): record it
        at once and go on with question 2. A value that does not fit shows the question."""
        raw, self.link_answer = self.link_answer, None
        question = self.screen.question()
        if question is None or raw is None:
            return []
        if question.type == "multiple_choice":
            raw_value: Any = [v for v in raw.split(",") if v]
        else:
            raw_value = raw
        try:
            value = parse_answer(question, raw_value)
        except AnswerError:
            return [protocol.console("warn", f"Sondage: answer={raw[:40]!r} in the link does not fit "
                                             f"question {question.id!r}; the visitor answers it here")]
        return self._answered(survey, question, value)

    def _ui(self, message: dict[str, Any]) -> Effects:
        survey = self.screen.survey
        if survey is None or message.get("survey_id") != survey.id:
            return []
        early = message.get("early")
        self._early_id = early if isinstance(early, str) and _EARLY_ID.fullmatch(early) else None
        done_early = [protocol.store(visitor_state.early_key(self.site.site, self._early_id), None)] \
            if self._early_id and self.site else []
        effects = self._ui_action(message, survey)
        self._early_id = None
        return effects + done_early

    def _ui_action(self, message: dict[str, Any], survey: Survey) -> Effects:
        action = message.get("action")
        if action == "close":
            return self._close()
        if action == "start":
            started = self.screen.start()
            return [started] if started else []
        question = self.screen.question()
        if action not in ("answer", "submit", "skip") or question is None:
            return []
        if message.get("question_id") != question.id:
            return []
        if action == "skip":
            if question.required:
                return [self.screen.render(error=strings.say(self.screen.language or survey.language, "e_required"))]
            return self._skipped(survey)
        raw = message.get("value")
        if action == "submit" and question.type != "multiple_choice":
            values = message.get("values") or []
            raw = values[0] if values else ""
        elif action == "submit":
            raw = message.get("values") or []
        try:
            value = parse_answer(question, raw, message.get("other"))
        except AnswerError as e:
            return [self.screen.render(error=e.say(self.screen.language or survey.language))]
        return self._answered(survey, question, value)

    def _skipped(self, survey: Survey) -> Effects:
        """An optional question left unanswered: no record; on to the next question."""
        effects: Effects = [self.screen.answered(self.screen.index + 1)]
        if self.screen.state == "thanks":
            effects.append(protocol.callback("onEvent", "survey-complete", {"survey": _survey_info(survey)}))
            effects += self._schedule_close(survey, self.clock())
        return effects

    def _answered(self, survey: Survey, question: Question, value: Any) -> Effects:
        assert self.site is not None
        now = self.clock()
        # A click made before Python was up keeps the id the loader stored it under.
        # On a survey's own page, one answer per recipient, question and send (link_params).
        record_id = self._link_id("answer", survey, self.screen.preview, question.id, value) or self._early_id \
            or self.new_id()
        self._early_id = None
        following = flow.next_index(survey, self.screen.index, value)
        record = answer_record(
            survey, question, value, record_id=record_id, site=self.site.site, now=now,
            url=self.url, user=self.traits, response_properties=self.response_properties,
            preview=self.screen.preview, identities=self.identities, response_id=self.screen.response_id,
            completes_response=following >= len(survey.questions))
        if not self.screen.preview:
            self.history.responded[survey.id] = now
        info = _survey_info(survey)
        response = {"value": value}
        q = {"id": question.id, "prompt": question.prompt}
        effects: Effects = [
            *self.delivery.add(record),   # durable before anything is sent
            self._store_history(),
            protocol.callback("onResponse", response, q, info),
            protocol.callback("onEvent", "response", {"response": response, "question": q, "survey": info}),
            self.screen.answered(following),
        ]
        calls = forwarding.answer_calls(record, question, value, survey, self.site.settings, self.channel,
                                        self.traits)
        if calls:
            effects.append(protocol.sdk(list(calls)))
        if self.screen.state == "thanks":
            effects.append(protocol.callback("onEvent", "survey-complete", {"survey": info}))
            effects += self._schedule_close(survey, now)
        effects.extend(self.delivery.flush(now))
        return effects

    def _link_id(self, kind: str, survey: Survey, preview: bool, question_id: str = "",
                 value: Any = None) -> str | None:
        """On a survey's own page (not in preview), the id of a showing, its view or an answer,
        derived from the recipient and the send (link_params.link_id); None elsewhere."""
        if self.channel != "hosted" or preview or self.site is None:
            return None
        who = link_params.recipient(self.identities, self.traits, self.visitor_id)
        return link_params.link_id(kind, self.site.site, survey.id, who, self.link_send, question_id, value) \
            if who else None

    def _schedule_close(self, survey: Survey, now: float) -> Effects:
        """The thank-you step closes by itself: after the survey's close_after, or inside a
        vendor's message after AUTO_CLOSE_SECONDS."""
        after = survey.close_after or (AUTO_CLOSE_SECONDS if self.channel in ("braze-inapp", "clevertap-popup")
                                       else None)
        if after is None:
            return []
        self.close_at = now + after
        return [protocol.wake(after)]

    def _auto_close(self) -> Effects:
        if self.close_at is None or self.clock() + TIMER_SLACK < self.close_at or self.screen.state != "thanks":
            return []
        return self._close()

    def _close(self) -> Effects:
        completed = self.screen.state == "thanks"
        answered = self.screen.index
        survey = self.screen.clear()
        assert survey is not None
        info = _survey_info(survey)
        total = len(survey.questions)
        progress = {"completed": min(answered, total), "total": total}
        self.close_at = None
        effects: Effects = [
            protocol.unmount(),
            protocol.callback("onClose", info),
            protocol.callback("onEvent", "dismiss", {"source": "survey", "progress": progress,
                                                     "survey": info, "completed": completed}),
        ]
        closing = forwarding.close_calls(self.channel, self.campaign)
        if closing:
            effects.append(protocol.sdk(list(closing)))
        return effects + self.delivery.flush(self.clock())   # the view of a showing nobody answered

    # -- stored state ------------------------------------------------------------------
    def _store_history(self) -> protocol.StoreEffect:
        return protocol.store(self._key("history"), visitor_state.history_to_json(self.history))

    def _store_hint(self) -> protocol.StoreEffect:
        """This visitor's hint for the loader: what could still show them anything.

        It names the survey data it was computed from, so new surveys void it.
        """
        assert self.site is not None
        value = hints.hint(self.site.surveys, self.history, self.site.settings, self.visitor_id,
                           self.clock())
        return protocol.store(self._key("hint"), {"version": protocol.HINT_VERSION, "data": self.data_id,
                                                  **value})


def _survey_info(survey: Survey) -> dict[str, Any]:
    return {"id": survey.id, "title": survey.name}
