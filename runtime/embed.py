"""The embed runtime: settings, Iterate commands, the survey lifecycle.

:class:`Runtime` is plain Python. It takes messages (``init``, ``command``, ``ui``,
delivery results, ``wake``) and answers with *effects*, plain dicts that the thin
JavaScript around it carries out without deciding anything:

=============  ==============================================================
``mount``      show this rendered HTML in the widget frame
``unmount``    remove the widget
``store``      persist ``value`` (JSON-ready, ``None`` removes) under ``key``
``deliver``    POST ``records`` to ``url``; answer with ``delivered``/``undelivered``
``callback``   call the host page's ``onResponse``/``onEvent``/... callbacks
``console``    print a message in the host page's console
``wake``       send a ``wake`` message after ``after`` seconds
=============  ==============================================================

The browser boundary (``runtime/browser.py``) feeds it and carries the effects out.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Optional

from . import debug, hints, render, segment_plugin, undecided
from .responses import AnswerError, Outbox, answer_record, parse_answer
from .survey_format import SiteData, Survey, load_site_data
from .targeting import Context, Decision, History, Occurrence, choose, device_type

Effect = dict[str, Any]

CALLBACKS = ("onResponse", "onLoad", "onClose", "onEvent")


def _storage_key(site: str, name: str) -> str:
    return f"sondage:{site}:{name}"


class Runtime:
    def __init__(self, clock: Callable[[], float],
                 new_id: Callable[[], str] = lambda: os.urandom(16).hex()) -> None:
        self.clock = clock
        self.new_id = new_id
        self.site: Optional[SiteData] = None
        self.collector: Optional[str] = None
        self.url = ""
        self.preview_id: Optional[str] = None
        self.traits: dict[str, Any] = {}
        self.response_properties: dict[str, Any] = {}
        self.history = History()
        self.outbox = Outbox()
        self.outbox_key = ""
        self.active: Optional[_Showing] = None
        self.delivering = False
        self.data_id = ""
        self.shown_ahead: Optional[str] = None
        self.installed = False   # page views count (after install, which installOnLoad implies)
        self.enabled = True      # false after uninstall, until the next install
        self.device = "desktop"
        self.language = ""
        self.visitor_id = ""
        self.debug = False
        self.timers: dict[str, float] = {}   # survey id -> when its seconds trigger fires
        # Occurrences an identify may still decide differently (Segment delivers a page's
        # buffered event before its identify).
        self.awaiting = undecided.AwaitingIdentity()

    # -- entry point -------------------------------------------------------------------
    def handle(self, message: dict[str, Any]) -> list[Effect]:
        kind = message.get("type")
        if kind == "init":
            return self._init(message)
        if kind == "started":   # the worker has handed over everything queued before start-up
            self.awaiting.started(self.clock())
            return []
        if self.site is None:
            return [_console("warn", f"Sondage: {kind!r} arrived before init; ignored")]
        if kind == "command":
            return self.command(str(message.get("name", "")), list(message.get("args") or []))
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
        if kind == "delivered":
            self.delivering = False
            self.outbox.delivered([str(i) for i in message.get("ids", [])])
            return [self._store_outbox(), *self._flush()]
        if kind == "undelivered":
            self.delivering = False
            wait = self.outbox.failed(self.clock())
            return [{"type": "wake", "after": wait}]
        if kind == "wake":
            return [*self._fire_timers(), *self._flush()]
        return [_console("warn", f"Sondage: unknown message type {kind!r}")]

    # -- init --------------------------------------------------------------------------
    def _init(self, message: dict[str, Any]) -> list[Effect]:
        self.site = load_site_data(message["site_data"])
        self.data_id = str(message.get("data_id") or "")
        # A survey the loader already shows (from a hint) until this runtime decides.
        self.shown_ahead = message.get("shown_ahead") or None
        self.collector = message.get("collector") or None
        page = message.get("page") or {}
        self.url = str(page.get("url", ""))
        self.language = str(page.get("language") or "")
        self.device = device_type(str(page.get("user_agent") or ""), int(page.get("touch_points") or 0))
        preview = message.get("preview")
        self.preview_id = str(preview) if preview else None
        self.debug = bool(message.get("debug"))
        stored = message.get("storage") or {}
        self.history = History.from_json(stored.get(self._key("history")))
        effects: list[Effect] = self._adopt_outboxes(stored)
        render.warm_up()   # so the first trigger renders at once
        visitor = stored.get(self._key("visitor"))
        if isinstance(visitor, str) and 8 <= len(visitor) <= 64:
            self.visitor_id = visitor
        else:   # the visitor's sticky id (sampling), kept with the rest of their state
            self.visitor_id = self.new_id()
            effects.append({"type": "store", "key": self._key("visitor"), "value": self.visitor_id})
        effects.append(self._store_hint())
        if self.debug:
            effects.append(_console("info", debug.header(self.site, self.device, self._context())))
        if self.preview_id and not any(s.id == self.preview_id for s in self.site.surveys):
            effects.append(_console(
                "warn", f"Sondage: iterate_preview={self.preview_id!r} names no survey of this "
                        f"site (known: {', '.join(s.id for s in self.site.surveys) or 'none'})"))
        effects.extend(self._flush())
        return effects

    def _key(self, name: str) -> str:
        assert self.site is not None
        return _storage_key(self.site.site, name)

    def _adopt_outboxes(self, stored: dict[str, Any]) -> list[Effect]:
        """Each runtime (tab) keeps unsent answers under its own key; a new one takes in
        every outbox it finds (other tabs', closed or not) and sends them too. A record
        may then be sent twice (the collector keeps one), but none is left behind.
        """
        self.outbox_key = self._key(f"outbox:{self.new_id()[:12]}")
        self.outbox = Outbox()
        effects: list[Effect] = []
        prefix = self._key("outbox")
        for key in sorted(k for k in stored if k == prefix or k.startswith(prefix + ":")):
            for record in Outbox.from_json(stored[key]).items:
                self.outbox.add(record)
            effects.append({"type": "store", "key": key, "value": None})
        if self.outbox.items:
            effects.append(self._store_outbox())
        return effects

    # -- commands ----------------------------------------------------------------------
    def command(self, name: str, args: list[Any]) -> list[Effect]:
        handler = getattr(self, f"_cmd_{name}", None)
        if handler is None:
            if name in CALLBACKS:   # the loader keeps the functions; nothing to do here
                return []
            return [_console("warn", f"Sondage: unknown command Iterate({name!r}); ignored")]
        try:
            return handler(*args)
        except TypeError:
            return [_console("warn", f"Sondage: wrong arguments for Iterate({name!r}); ignored")]

    def _cmd_identify(self, traits: Any = None, response_properties: Any = None) -> list[Effect]:
        if traits is not None and not isinstance(traits, dict):
            return [_console("warn", "Sondage: Iterate('identify', traits) needs an object of traits")]
        if response_properties is not None and not isinstance(response_properties, dict):
            return [_console("warn", "Sondage: Iterate('identify', traits, responseProperties) "
                                     "needs an object of response properties")]
        effects: list[Effect] = []
        for target, given, what in ((self.traits, traits, "trait"),
                                    (self.response_properties, response_properties, "response property")):
            for key, value in (given or {}).items():
                typed = _typed(value)
                if typed is _INVALID:
                    effects.append(_console(
                        "warn", f"Sondage: Iterate('identify'): {what} {key!r} must be a string, number, "
                                f"boolean or date; ignored"))
                    continue
                if key == "external_id" and target is self.traits:
                    typed = str(typed)     # the cross-platform user key is a string
                target[str(key)] = typed
        if traits:
            effects.extend(self._decide_again())
        return effects

    def _decide_again(self) -> list[Effect]:
        """The visitor's traits changed: occurrences not shown only because of who the
        visitor was are decided again (see ``runtime/undecided.py``)."""
        assert self.site is not None
        effects: list[Effect] = []
        for item in self.awaiting.live(self.clock()):
            if not self.enabled or self.active is not None:
                break   # one survey on screen at a time
            surveys = [s for s in self.site.surveys if s.id in item.survey_ids]
            ctx = self._context()
            ctx.url = item.url
            survey, decision, decisions = choose(surveys, item.what, ctx, self.history, self.site.settings)
            self.awaiting.settled(item, decisions, shown=survey is not None)
            if self.debug:
                effects.append(_console("info", debug.occurrence(item.what, decisions, again=True)))
            effects.extend(self._start_timers(decisions))
            if survey is not None and decision is not None:
                effects.extend(self._show(survey, decision))
        return effects

    def _cmd_event(self, name: Any = None, properties: Any = None) -> list[Effect]:
        if not isinstance(name, str) or not name:
            return [_console("warn", "Sondage: Iterate('event', name) needs the event name")]
        if properties is not None and not isinstance(properties, dict):
            return [_console("warn", "Sondage: Iterate('event', name, properties) needs an object "
                                     "of properties")]
        return self._occur(Occurrence("event", name=name, properties=properties or {}))

    def _cmd_install(self, survey_id: Any = None) -> list[Effect]:
        self.enabled = True
        if survey_id is None:
            self.installed = True
            effects = self._page_view()
            if self.shown_ahead is not None:
                # The page view shown ahead is decided now: if it is not on screen, remove it.
                if self.active is None:
                    effects.insert(0, {"type": "unmount"})
                self.shown_ahead = None
            return effects
        if not isinstance(survey_id, str):
            return [_console("warn", "Sondage: Iterate('install', surveyId) needs a survey id")]
        assert self.site is not None
        if not any(s.id == survey_id for s in self.site.surveys):
            return [_console("warn", f"Sondage: Iterate('install', {survey_id!r}): no such survey")]
        return self._occur(Occurrence("manual", survey_id=survey_id))

    def _cmd_url(self, href: Any = None) -> list[Effect]:
        if not isinstance(href, str):
            return [_console("warn", "Sondage: Iterate('url', href) needs a URL")]
        self.url = href
        return []

    def _cmd_uninstall(self) -> list[Effect]:
        """Remove the widget, cancel pending triggers and stop; a later install() starts again."""
        self.enabled = False
        self.installed = False
        self.shown_ahead = None
        self.timers.clear()
        self.awaiting.clear()
        if self.active is None:
            return []
        self.active = None
        return [{"type": "unmount"}]

    def _cmd_segment(self, event: Any = None) -> list[Effect]:
        try:
            mapped = segment_plugin.commands(event)
        except segment_plugin.SegmentEventError as e:
            return [_console("warn", f"Sondage: Segment plugin: {e}; ignored")]
        effects: list[Effect] = []
        for name, args in mapped:
            effects.extend(self._page(args[0]) if name == "page" else self.command(name, args))
        return effects

    def _cmd_debug(self) -> list[Effect]:
        """Iterate('debug'): why each survey would or would not show now."""
        assert self.site is not None
        return [_console("info", debug.report(self.site, self._context(), self.history))]

    def _page(self, url: Any) -> list[Effect]:
        """A new page (a single-page app navigated): it counts as a page view once installed.

        Time on the page starts again: pending seconds triggers are cancelled and, where
        the new page still matches, started anew.
        """
        if not isinstance(url, str) or not url:
            return []
        self.url = url
        self.timers.clear()
        self.awaiting.new_page()
        if not (self.installed and self.enabled):
            return []
        return self._page_view()

    def _page_view(self) -> list[Effect]:
        preview = self._preview_survey()
        if preview is not None and preview.trigger.type == "manual":
            # A previewed survey without a page trigger shows at once.
            return self._occur(Occurrence("manual", survey_id=preview.id))
        return self._occur(Occurrence("page_view"))

    def _page_bound(self, what: Occurrence) -> list[Effect]:
        return self._occur(what) if self.installed and self.enabled else []

    def _preview_survey(self) -> Optional[Survey]:
        assert self.site is not None
        return next((s for s in self.site.surveys if s.id == self.preview_id), None)

    def _fire_timers(self) -> list[Effect]:
        now = self.clock()
        effects: list[Effect] = []
        for survey_id, due in sorted(self.timers.items(), key=lambda kv: kv[1]):
            if due <= now:
                del self.timers[survey_id]
                effects.extend(self._occur(Occurrence("timer", survey_id=survey_id)))
        return effects

    def _other_tab(self, key: Any, value: Any) -> list[Effect]:
        """Another tab of the same site changed the shared state: take its history in."""
        if key != self._key("history"):
            return []
        self.history.merge(History.from_json(value))
        return [self._store_hint()]

    # -- showing -----------------------------------------------------------------------
    def _context(self) -> Context:
        return Context(url=self.url, traits=dict(self.traits), preview_id=self.preview_id,
                       now=self.clock(), device=self.device, language=self.language,
                       visitor_id=self.visitor_id)

    def _occur(self, what: Occurrence) -> list[Effect]:
        assert self.site is not None
        if not self.enabled:
            return []   # nothing after uninstall
        survey, decision, decisions = choose(self.site.surveys, what, self._context(), self.history,
                                             self.site.settings)
        effects: list[Effect] = []
        if survey is None and self.active is None:
            kept = self.awaiting.keep(what, self.url, decisions, self.clock())
        else:
            kept = []
        if self.debug:
            effects.append(_console("info", debug.occurrence(
                what, decisions, awaiting=kept, identified="external_id" in self.traits)))
        effects.extend(self._start_timers(decisions))
        if survey is None or decision is None or self.active is not None:
            return effects   # one survey on screen at a time
        return [*effects, *self._show(survey, decision)]

    def _start_timers(self, decisions: list[tuple[Survey, Decision]]) -> list[Effect]:
        effects: list[Effect] = []
        for waiting, d in decisions:
            if d.wait and waiting.id not in self.timers:
                self.timers[waiting.id] = self.clock() + d.wait
                effects.append({"type": "wake", "after": d.wait})
        return effects

    def _show(self, survey: Survey, decision: Decision) -> list[Effect]:
        self.active = _Showing(survey, preview=decision.preview)
        if not decision.preview:
            self.history.shown[survey.id] = self.clock()
        info = _survey_info(survey)
        return [
            self._mount(),
            self._store_history(),
            self._store_hint(),
            _callback("onLoad", info),
            _callback("onEvent", "displayed", {"source": "survey", "survey": info}),
        ]

    def _mount(self, error: str = "") -> Effect:
        assert self.active is not None
        a = self.active
        if a.index >= len(a.survey.questions):
            html = render.thank_you(a.survey, preview=a.preview)
        else:
            html = render.question(a.survey, a.index, preview=a.preview, error=error)
        return {"type": "mount", "html": html, "survey_id": a.survey.id,
                "position": a.survey.appearance.position}

    def _ui(self, message: dict[str, Any]) -> list[Effect]:
        a = self.active
        if a is None or message.get("survey_id") != a.survey.id:
            return []
        action = message.get("action")
        if action == "close":
            return self._close(dismissed=a.index < len(a.survey.questions))
        if action in ("answer", "submit") and a.index < len(a.survey.questions):
            question = a.survey.questions[a.index]
            if message.get("question_id") != question.id:
                return []
            raw = message.get("value")
            if action == "submit" and question.type != "multiple_choice":
                values = message.get("values") or []
                raw = values[0] if values else ""
            elif action == "submit":
                raw = message.get("values") or []
            try:
                value = parse_answer(question, raw)
            except AnswerError as e:
                return [self._mount(error=str(e))]
            return self._answered(question, value)
        return []

    def _answered(self, question: Any, value: Any) -> list[Effect]:
        a = self.active
        assert a is not None and self.site is not None
        now = self.clock()
        record = answer_record(
            a.survey, question, value, record_id=self.new_id(), site=self.site.site, now=now,
            url=self.url, user=self.traits, response_properties=self.response_properties,
            preview=a.preview)
        self.outbox.add(record)
        if not a.preview:
            self.history.responded[a.survey.id] = now
        a.index += 1
        info = _survey_info(a.survey)
        response = {"value": value}
        q = {"id": question.id, "prompt": question.prompt}
        effects: list[Effect] = [
            self._store_outbox(),       # durable before anything is sent
            self._store_history(),
            _callback("onResponse", response, q, info),
            _callback("onEvent", "response", {"response": response, "question": q, "survey": info}),
            self._mount(),
        ]
        if a.index >= len(a.survey.questions):
            effects.append(_callback("onEvent", "survey-complete", {"survey": info}))
        effects.extend(self._flush())
        return effects

    def _close(self, dismissed: bool) -> list[Effect]:
        a = self.active
        assert a is not None
        self.active = None
        info = _survey_info(a.survey)
        progress = {"completed": min(a.index, len(a.survey.questions)),
                    "total": len(a.survey.questions)}
        return [
            {"type": "unmount"},
            _callback("onClose", info),
            _callback("onEvent", "dismiss", {"source": "survey", "progress": progress,
                                             "survey": info, "completed": not dismissed}),
        ]

    # -- delivery ----------------------------------------------------------------------
    def _flush(self) -> list[Effect]:
        if self.delivering or not self.collector:
            return []
        batch = self.outbox.due(self.clock())
        if not batch:
            return []
        self.delivering = True
        return [{"type": "deliver", "url": self.collector, "records": batch}]

    def _store_outbox(self) -> Effect:
        return {"type": "store", "key": self.outbox_key, "value": self.outbox.to_json()}

    def _store_history(self) -> Effect:
        return {"type": "store", "key": self._key("history"), "value": self.history.to_json()}

    def _store_hint(self) -> Effect:
        """This visitor's hint for the loader: what could still show them anything.

        It names the survey data it was computed from, so new surveys void it.
        """
        assert self.site is not None
        value = hints.hint(self.site.surveys, self.history, self.site.settings, self.visitor_id,
                           self.clock())
        return {"type": "store", "key": self._key("hint"), "value": {"data": self.data_id, **value}}


class _Showing:
    def __init__(self, survey: Survey, preview: bool) -> None:
        self.survey = survey
        self.preview = preview
        self.index = 0


_INVALID = object()


def _typed(value: Any) -> Any:
    """A trait value as Iterate types them: string, number, boolean or {type: date, value}."""
    if isinstance(value, (str, bool, int, float)):
        return value
    if (isinstance(value, dict) and value.get("type") == "date" and set(value) == {"type", "value"}
            and isinstance(value["value"], (int, float)) and not isinstance(value["value"], bool)):
        return {"type": "date", "value": int(value["value"])}
    return _INVALID


def _survey_info(survey: Survey) -> dict[str, Any]:
    return {"id": survey.id, "title": survey.name}


def _callback(name: str, *args: Any) -> Effect:
    return {"type": "callback", "name": name, "args": list(args)}


def _console(level: str, message: str) -> Effect:
    return {"type": "console", "level": level, "message": message}
