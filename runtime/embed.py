"""The embed runtime: messages in, effects out.

:class:`Runtime` is plain Python. It takes the messages of :mod:`protocol` (``init``,
``command``, ``ui``, delivery results, ``wake``, ...) and answers with *effects* (typed in
:mod:`protocol`) that the thin JavaScript around it carries out without deciding anything.
``handle()`` looks each message's handler up in a table, as ``command()`` does each Iterate
command's. It composes parts that each own their state:

- :mod:`visit`: the page, the visitor and their survey history, the outbox, the timers;
- :mod:`deciding`: what happens on the page, decided by :mod:`targeting`;
- :mod:`showing`: the survey on screen, what it and its answers wait for, closing it;
- :mod:`answering`: the visitor's actions in the widget, and the answer a link carries;
- :mod:`early_clicks`: clicks made before Python was up;
- :mod:`commands`: each Iterate command's arguments, checked before its handler runs.

The browser boundary (``runtime/browser.py``) feeds it and carries the effects out.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Callable
from typing import Any

from . import commands, protocol, segment_plugin
from .answering import Answering
from .deciding import Deciding
from .early_clicks import EarlyClicks
from .protocol import Effects
from .showing import Showing
from .visit import Visit

# Messages taken before init (the rest wait for it).
BEFORE_INIT = ("init", "started")


class Runtime:
    def __init__(self, clock: Callable[[], float],
                 new_id: Callable[[], str] = lambda: os.urandom(16).hex()) -> None:
        self.visit = visit = Visit(clock, new_id)
        self.showing = Showing(visit)
        self.screen = self.showing.screen
        self.deciding = Deciding(visit, self.showing)
        self.answering = Answering(visit, self.showing)
        self.early_clicks = EarlyClicks(visit)
        self.showing.after_show = self.answering.answer_from_link
        # The command being handled was made during the visitor's own gesture (a click): the
        # loader passes navigator.userActivation.isActive as a fact; what it means is decided here.
        self.gesture = False
        # The occurrence a plan decided and carried out before this runtime started (init).
        self.carried: str | None = None
        self._messages: dict[str, Callable[[dict[str, Any]], Effects]] = {
            "init": self._init, "started": self._started, "command": self._command,
            "page": lambda m: self.deciding.page(m.get("url")),
            "scroll": lambda m: self.deciding.scroll(m.get("percent")),
            "exit_intent": lambda m: self.deciding.exit_intent(),
            "storage": self._other_tab, "ui": self._ui,
            "delivered": self._delivered, "undelivered": self._delivered,
            "online": lambda m: self.visit.delivery.online(clock()),
            "sdk_reply": lambda m: self.showing.sdk_reply(m.get("name"), m.get("value")),
            "loaded": lambda m: self.showing.loaded(m.get("failed")),
            "wake": self._wake,
        }
        self._commands: dict[str, Callable[..., Effects]] = {
            "identify": self._identify, "event": self._event, "install": self._install,
            "url": self._url, "uninstall": self._uninstall, "segment": self._segment,
            "debug": lambda: [protocol.console("info", self.deciding.report())],
        }
        assert set(self._messages) == set(protocol.TO_RUNTIME) and set(self._commands) == set(protocol.COMMANDS)

    # -- messages ----------------------------------------------------------------------
    def handle(self, message: dict[str, Any]) -> Effects:
        kind = message.get("type")
        handler = self._messages.get(kind) if isinstance(kind, str) else None
        if handler is None:
            return [protocol.console("warn", f"Sondage: unknown message type {kind!r}; ignored")]
        if self.visit.page.site is None and kind not in BEFORE_INIT:
            return [protocol.console("warn", f"Sondage: {kind!r} arrived before init; ignored")]
        return handler(message)

    def _init(self, message: dict[str, Any]) -> Effects:
        visit, page = self.visit, self.visit.page
        effects_look = page.start(message)
        assert page.site is not None
        site = page.site.site
        # A survey the loader already shows (from a hint) until this runtime decides the
        # page view, or the event the loader names, it waits for.
        event = message.get("ahead_event")
        # The frame carried out the plan of that showing before Python started (its history,
        # view and callbacks are done): it is on screen, unless the visitor dismissed it.
        carried = message.get("carried_out") or {}
        ahead = None if carried.get("closed") else message.get("shown_ahead") or None
        waits_for = f"event:{event}" if isinstance(event, str) and event else "page_view"
        self.screen.show_ahead(ahead, waits_for)
        self.carried = waits_for if carried else None
        visit.start_delivery(message.get("collector") or None)
        info = message.get("page") or {}
        self.screen.host_font = str(info.get("font") or "")
        storage = message.get("storage") or {}
        effects = visit.history.read(site, storage)
        channel_effects, link = page.set_channel(info.get("channel"), info.get("campaign"))
        self.screen.embedded = page.embedded
        if link is not None:
            visit.visitor.take_link(link)
        visit.visitor.take_message_ids(info.get("identities"))
        effects += channel_effects
        effects += visit.delivery.adopt(site, storage, visit.new_id()[:12])
        effects += visit.history.forget_old_hint(site, storage)
        effects += self.early_clicks.read(storage)
        self.screen.warm_up()   # so the first trigger renders at once
        effects += visit.visitor.read(site, storage, visit.new_id)
        if ahead is not None and carried.get("survey") == ahead:
            effects += self.showing.adopt(ahead, str(carried.get("response_id") or ""))
        # The history as stored is what the hint's plans read (runtime/showing_plan.py); the
        # plans follow a moment later: playing them should not hold back the runtime's start.
        effects += [visit.store_history(), *visit.store_hint_soon()]
        if page.debug:
            effects.append(protocol.console("info", self.deciding.header()))
        if page.preview_id and page.preview_survey() is None:
            effects.append(protocol.console(
                "warn", f"Sondage: iterate_preview={page.preview_id!r} names no survey of this "
                        f"site (known: {', '.join(s.id for s in page.site.surveys) or 'none'})"))
        effects.extend(visit.delivery.flush(visit.clock()))
        return visit.plans_wake(effects_look + effects)

    def _started(self, message: dict[str, Any]) -> Effects:
        """The worker has handed over everything queued before start-up."""
        self.deciding.awaiting.started(self.visit.clock())
        # A survey shown ahead whose occurrence never came is not left on screen.
        return self.screen.settle_ahead()

    def _command(self, message: dict[str, Any]) -> Effects:
        self.gesture = message.get("active") is True
        try:
            return self.command(str(message.get("name", "")), list(message.get("args") or []))
        finally:
            self.gesture = False

    def _ui(self, message: dict[str, Any]) -> Effects:
        survey = self.screen.survey
        if survey is None or message.get("survey_id") != survey.id:
            return []
        early = self.early_clicks.id_of(message)
        # An in-app message carried out this answer's plan (runtime/answer_plan.py): this
        # showing takes that one's ids, and the answer is not forwarded a second time.
        carried = message.get("carried_out") if early else None
        adopted = self.showing.adopt_answered(carried, message.get("question_id")) \
            if isinstance(carried, dict) and message.get("action") == "answer" else None
        effects = [] if adopted is None else adopted
        return effects + self.answering.ui(message, survey, early, carried=adopted is not None) + \
            self.early_clicks.done(early)

    def _delivered(self, message: dict[str, Any]) -> Effects:
        """What the collector answered about a batch (status 0: nothing); retries are spread
        by a jitter from a fresh id (the runtime ships without `random`)."""
        jitter = zlib.crc32(self.visit.new_id().encode()) / 0xFFFFFFFF
        return self.visit.delivery.reported(message, self.visit.clock(), jitter)

    def _other_tab(self, message: dict[str, Any]) -> Effects:
        """Another tab of the same site changed the shared state: take its history in, and
        its unsent answers (sent from here too, so none waits for a tab that was closed)."""
        key, value, page = message.get("key"), message.get("value"), self.visit.page
        if not isinstance(key, str):
            return []
        if key.startswith(page.key("outbox")) and key != self.visit.delivery.key:
            return self.visit.delivery.take_in(value, self.visit.clock())
        if key != page.key("history") or not self.visit.history.take_in(value):
            return []
        return [self.visit.store_hint()]

    def _wake(self, message: dict[str, Any]) -> Effects:
        visit = self.visit
        plans = [visit.store_hint()] if visit.plans_due else []
        visit.plans_due = False
        return [*self.deciding.fire_timers(), *self.showing.auto_close(), *self.showing.load_timeout(),
                *visit.delivery.woken(visit.clock()), *plans]

    # -- commands ----------------------------------------------------------------------
    def command(self, name: str, args: list[Any]) -> Effects:
        """Iterate(name, ...args): arguments are checked first; a mistake of the caller's is
        a console warning, and the handler runs only with arguments it accepts."""
        misuses = self.visit.misuses
        try:
            checked = commands.check(name, args)
        except commands.ArgumentError as e:
            return misuses.say(f"Sondage: {e}; ignored")
        if checked is None:
            return []   # a callback: the loader keeps the function
        effects: Effects = [e for w in checked.warnings for e in misuses.say(w)]
        return effects + self._commands[name](*checked.args)

    def _identify(self, traits: dict[str, Any], response_properties: dict[str, Any]) -> Effects:
        effects = self.visit.visitor.identify(traits, response_properties)
        effects += self.showing.identified()   # the answers of this showing may have waited for it
        return effects + (self.deciding.decide_again() if traits else [])

    def _event(self, name: str, properties: dict[str, Any]) -> Effects:
        if self._carried_out(f"event:{name}"):
            return []
        effects = self.deciding.event(name, properties)
        # The survey shown ahead for this event is decided now: if it is not on screen, remove it.
        return effects + self.screen.settle_ahead(f"event:{name}")

    def _install(self, survey_id: str | None) -> Effects:
        page = self.visit.page
        if survey_id is None:
            page.mode = "installed"
            if self._carried_out("page_view"):
                return []
            effects = self.deciding.page_view()
            # The page view shown ahead is decided now: if it is not on screen, remove it.
            return self.screen.settle_ahead("page_view") + effects
        if page.mode == "uninstalled":
            page.mode = "waiting"
        if not page.has_survey(survey_id):
            return [protocol.console("warn", f"Sondage: Iterate('install', {survey_id!r}): no such survey")]
        # Opened by the visitor (called from their click): the survey takes the keyboard focus.
        return self.deciding.manual(survey_id, opened=self.gesture)

    def _carried_out(self, occurrence: str) -> bool:
        """Was ``occurrence`` decided, and its showing carried out, by a plan before this runtime
        started (init's ``carried_out``)? Then it is not decided again, once: the survey is on
        screen, or the visitor dismissed it."""
        if self.carried != occurrence:
            return False
        self.carried = None
        return True

    def _url(self, href: str) -> Effects:
        self.visit.page.url = href
        return []

    def _uninstall(self) -> Effects:
        """Remove the widget, cancel pending triggers and stop; a later install() starts again."""
        self.visit.page.mode = "uninstalled"
        self.deciding.stop()
        return self.showing.remove()

    def _segment(self, event: Any) -> Effects:
        try:
            mapped = segment_plugin.commands(event)
        except segment_plugin.SegmentEventError as e:
            return [protocol.console("warn", f"Sondage: Segment plugin: {e}; ignored")]
        effects: Effects = []
        for name, args in mapped:
            effects.extend(self.deciding.page(args[0]) if name == "page" else self.command(name, args))
        return effects
