"""Who sees which survey, and when: a pure eligibility engine.

Given a survey, what just happened (an :class:`Occurrence`), the visitor's context, their
stored history, the site's settings and the time, :func:`decide` answers show, wait (a
delayed trigger) or don't show, always with the reason in words a site owner
understands. Nothing here touches the browser, so it runs and is tested under CPython
exactly as it runs in the visitor's Pyodide.

Checks, in order (the first that fails is the reason): the trigger; preview (which skips
every check after it); draft status; the schedule (starts_at, ends_at); the response
limit; install(id); page rules; audience (identified,
device, language, traits); frequency; the site's cooldown; the sample.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from .extensions import uses_extensions
from .survey_format import PageRule, PageRules, SiteSettings, Survey, ValueRule, ValueRules, moment_words, parse_date

DAY = 86400.0
HOUR = 3600.0
PAGE_BOUND = ("page_view", "seconds", "scroll", "exit_intent")
# The checks of decide(), in order; a Decision's stage is the one that decided it.
STAGES = ("trigger", "preview", "draft", "schedule", "limit", "manual", "device", "pages", "audience", "frequency",
          "cooldown", "sample", "eligible")


@dataclass
class Occurrence:
    """What may trigger a survey.

    kind: ``event`` (name, properties), ``page_view``, ``scroll`` (percent reached),
    ``exit_intent``, ``manual`` (install(surveyId)), or ``timer`` (a seconds trigger's
    wait for ``survey_id`` is over).
    """

    kind: str
    name: str = ""
    survey_id: str = ""
    properties: Mapping[str, Any] = field(default_factory=dict)
    percent: int = 0


@dataclass
class Context:
    """What the runtime knows about this visitor and page right now."""

    url: str = ""
    traits: Mapping[str, Any] = field(default_factory=dict)
    preview_id: str | None = None
    now: float = 0.0
    device: str = "desktop"
    language: str = ""         # the browser's; the `language` trait wins
    visitor_id: str = ""
    # The surveys whose response limit the collector says is reached (None: not known, as
    # when the collector could not be asked: a limited survey then shows).
    closed: frozenset[str] | None = None


@dataclass
class History:
    """What this visitor has seen and answered (kept in the browser, survives reloads)."""

    shown: dict[str, float] = field(default_factory=dict)
    responded: dict[str, float] = field(default_factory=dict)

    def merge(self, other: History) -> None:
        """Take in what another tab of the same site recorded (latest time wins)."""
        for mine, theirs in ((self.shown, other.shown), (self.responded, other.responded)):
            for key, when in theirs.items():
                mine[key] = max(when, mine.get(key, when))

    def last_shown(self) -> tuple[str, float] | None:
        if not self.shown:
            return None
        survey_id = max(self.shown, key=lambda k: (self.shown[k], k))
        return survey_id, self.shown[survey_id]


@dataclass(frozen=True)
class Decision:
    """show; or wait `wait` seconds (a seconds trigger); or neither, with the reason.

    ``stage`` names the check that decided (one of :data:`STAGES`): the runtime decides an
    occurrence again when a later ``identify`` may change an ``audience`` verdict.
    ``not_before`` is set when only time stands in the way (frequency, cooldown).
    """

    show: bool
    reason: str
    preview: bool = False
    wait: float = 0.0
    not_before: float = 0.0
    stage: str = "eligible"

    @property
    def verdict(self) -> str:
        return "show" if self.show else "wait" if self.wait else "no"


# -- the trigger ------------------------------------------------------------------------
def trigger_matches(survey: Survey, what: Occurrence) -> tuple[bool, float]:
    """Does ``what`` trigger ``survey``? Returns (matches, seconds to wait first)."""
    t = survey.trigger
    if what.kind == "manual":
        return what.survey_id == survey.id, 0.0
    if what.kind == "timer":
        return t.type == "seconds" and what.survey_id == survey.id, 0.0
    if what.kind == "event":
        if t.type != "event" or t.event != what.name:
            return False, 0.0
        return (t.properties is None or rules_hold(t.properties, what.properties)[0]), 0.0
    if what.kind == "page_view":
        if t.type == "page_view":
            return True, 0.0
        if t.type == "seconds":
            return True, float(t.seconds or 0)
        return False, 0.0
    if what.kind == "scroll":
        return t.type == "scroll" and what.percent >= (t.percent or 100), 0.0
    if what.kind == "exit_intent":
        return t.type == "exit_intent", 0.0
    return False, 0.0


def _trigger_words(survey: Survey, what: Occurrence | None = None) -> str:
    t = survey.trigger
    if t.type == "event":
        if what is not None and what.kind == "event" and what.name == t.event and t.properties:
            _, why = rules_hold(t.properties, what.properties, noun="property")
            return f"the event {t.event!r} came, but its properties do not match: {why}"
        extra = " with matching properties" if t.properties else ""
        return f"waits for the event {t.event!r}{extra}"
    return {
        "page_view": "waits for a page view",
        "seconds": f"waits for {t.seconds} s on a page",
        "scroll": f"waits for a scroll to {t.percent}% of the page",
        "exit_intent": "waits for exit intent (the mouse leaving the window)",
    }.get(t.type, f"shown only by install({survey.id!r})")


# -- page rules -------------------------------------------------------------------------
def _text_test(op: str, actual: str, expected: str) -> bool:
    negate = op.startswith("not_")
    base = op[4:] if negate else op
    if base == "equals":
        result = actual == expected
    elif base == "contains":
        result = expected.lower() in actual.lower()
    elif base == "starts_with":
        result = actual.startswith(expected)
    elif base == "ends_with":
        result = actual.endswith(expected)
    else:  # matches
        result = re.search(expected, actual) is not None
    return not result if negate else result


def page_rule_holds(rule: PageRule, url: str) -> bool:
    actual = urlsplit(url).path if rule.field == "path" else url
    return _text_test(rule.op, actual, rule.value)


def _first_failure(rules: list[Any], match: str, holds: Any) -> Any:
    """None when the rules hold together (all / any); else the first rule that does not."""
    results = [(holds(rule), rule) for rule in rules]
    ok = all(h for h, _ in results) if match == "all" else any(h for h, _ in results)
    return None if ok else next(rule for held, rule in results if not held)


def pages_hold(pages: PageRules | None, url: str) -> tuple[bool, str]:
    if pages is None:
        return True, ""
    failed = _first_failure(pages.rules, pages.match, lambda r: page_rule_holds(r, url))
    if failed is None:
        return True, ""
    actual = urlsplit(url).path if failed.field == "path" else url
    words = failed.op.replace("_", " ")
    if pages.match == "any":
        return False, f"no page rule holds for {failed.field} {actual!r}"
    return False, f"page rule: {failed.field} {words} {failed.value!r} (the {failed.field} is {actual!r})"


# -- value rules (traits, event properties) ---------------------------------------------
def _number(value: Any) -> float | None:
    """A number, a date trait ({type: date, value}) or an ISO date string, as a number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, dict) and value.get("type") == "date":
        return _number(value.get("value"))
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return parse_date(value)
    return None


def _same(actual: Any, expected: Any) -> bool:
    if isinstance(actual, bool) or isinstance(expected, bool):
        return actual is expected or (isinstance(actual, str) and actual.lower() == str(expected).lower())
    a, e = _number(actual), _number(expected)
    if a is not None and e is not None and not (isinstance(actual, str) and isinstance(expected, str)):
        return a == e
    return str(actual) == str(expected)


def _is_set(value: Any) -> bool:
    return value is not None and value != ""


def value_rule_holds(rule: ValueRule, data: Mapping[str, Any]) -> bool:
    actual = data.get(rule.key)
    op = rule.op
    if isinstance(actual, list) and op not in ("is_set", "is_not_set"):
        # A list (the choices picked): equals / one_of if one item does, contains if one item is it; not_...
        # if none does; greater_than / less_than never.
        # contains means the list holds the value (ignoring case), not that an item's text does.
        positive = op.removeprefix("not_")
        if positive in ("greater_than", "less_than"):
            return False
        if positive == "contains":
            hit = any(str(item).lower() == str(rule.value).lower() for item in actual)
        else:
            hit = any(value_rule_holds(ValueRule(rule.key, positive, rule.value, rule.values),  # type: ignore[arg-type]
                                       {rule.key: item}) for item in actual)
        return hit != op.startswith("not_")
    if op == "is_set":
        return _is_set(actual)
    if op == "is_not_set":
        return not _is_set(actual)
    if not _is_set(actual):
        return op in ("not_equals", "not_contains", "not_one_of")
    if op in ("equals", "not_equals"):
        return _same(actual, rule.value) == (op == "equals")
    if op in ("contains", "not_contains"):
        found = str(rule.value).lower() in str(actual).lower()
        return found == (op == "contains")
    if op in ("one_of", "not_one_of"):
        found = any(_same(actual, v) for v in rule.values)
        return found == (op == "one_of")
    a, e = _number(actual), _number(rule.value)
    if a is None or e is None:
        return False
    return a > e if op == "greater_than" else a < e


def _describe(value: Any) -> str:
    if isinstance(value, dict) and value.get("type") == "date":
        return f"the date {value.get('value')}"
    return repr(value)


def rules_hold(rules: ValueRules, data: Mapping[str, Any], noun: str = "trait") -> tuple[bool, str]:
    failed = _first_failure(rules.rules, rules.match, lambda r: value_rule_holds(r, data))
    if failed is None:
        return True, ""
    expected = "" if failed.op in ("is_set", "is_not_set") else \
        f" {failed.values!r}" if failed.values else f" {failed.value!r}"
    actual = data.get(failed.key)
    has = "is not set" if not _is_set(actual) else f"is {_describe(actual)}"
    prefix = "no rule holds, e.g. " if rules.match == "any" else ""
    return False, f"{prefix}{noun} {failed.key} {failed.op.replace('_', ' ')}{expected} ({failed.key} {has})"


# -- the visitor ------------------------------------------------------------------------
def device_type(user_agent: str, touch_points: int = 0) -> str:
    """desktop, mobile or tablet, from the user agent (and touch points, for iPadOS)."""
    ua = user_agent.lower()
    if "ipad" in ua or "tablet" in ua or ("android" in ua and "mobile" not in ua) or \
            ("macintosh" in ua and touch_points > 1):
        return "tablet"
    if "mobi" in ua or "iphone" in ua or "ipod" in ua or "android" in ua:
        return "mobile"
    return "desktop"


def visitor_language(ctx: Context) -> str:
    chosen = ctx.traits.get("language") if isinstance(ctx.traits.get("language"), str) else ctx.language
    return (chosen or "").replace("_", "-").split("-")[0].lower()


def in_sample(visitor_id: str, survey_id: str, percent: int) -> bool:
    """Sticky sampling: the same visitor and survey always give the same answer."""
    if percent >= 100:
        return True
    if percent <= 0 or not visitor_id:
        return False
    return zlib.crc32(f"{visitor_id}:{survey_id}".encode()) % 100 < percent


def _audience(survey: Survey, ctx: Context) -> tuple[bool, str]:
    a = survey.audience
    identified = _is_set(ctx.traits.get("external_id"))
    if a.identified is True and not identified:
        return False, "audience: identified visitors only (no external_id)"
    if a.identified is False and identified:
        return False, "audience: anonymous visitors only (this one has an external_id)"
    if a.devices and ctx.device not in a.devices:
        return False, f"audience: {', '.join(a.devices)} only (this is {ctx.device})"
    if a.languages:
        lang = visitor_language(ctx)
        if lang not in [x.lower() for x in a.languages]:
            return False, f"audience: languages {', '.join(a.languages)} only (this is {lang or 'unknown'})"
    if a.traits is not None:
        ok, why = rules_hold(a.traits, ctx.traits)
        if not ok:
            return False, f"audience: {why}"
    return True, ""


# -- the schedule -----------------------------------------------------------------------
def _schedule(survey: Survey, now: float) -> tuple[bool, str, float]:
    """Inside the survey's window? Before it, also when it opens."""
    opens, closes = survey.window()
    if opens and now < opens:
        days = (opens - now) / DAY
        when = f"in {days:.1f} days" if days >= 1 else f"in {(opens - now) / HOUR:.1f} h"
        return False, f"schedule: starts {moment_words(opens)} ({when})", opens
    if closes and now >= closes:
        return False, f"schedule: ended {moment_words(closes)}", 0.0
    return True, "", 0.0


def has_ended(survey: Survey, now: float) -> bool:
    closes = survey.window()[1]
    return bool(closes) and now >= closes


# -- frequency and cooldown -------------------------------------------------------------
def _frequency(survey: Survey, history: History, now: float) -> tuple[bool, str, float]:
    shown = history.shown.get(survey.id)
    if survey.frequency == "once" and shown is not None:
        return False, "frequency once: already shown to this visitor", 0.0
    if survey.frequency == "until_responded" and survey.id in history.responded:
        return False, "frequency until_responded: this visitor already answered", 0.0
    if survey.frequency == "every_n_days" and shown is not None:
        again = shown + (survey.every_days or 0) * DAY
        if now < again:
            days = (again - now) / DAY
            every = "every day" if survey.every_days == 1 else f"every {survey.every_days:g} days"
            return False, f"frequency {every}: shown again in {days:.1f} days", again
    return True, "", 0.0


def _cooldown(survey: Survey, history: History, settings: SiteSettings, now: float) -> tuple[bool, str, float]:
    last = history.last_shown()
    if last is None or last[0] == survey.id or settings.cooldown_hours <= 0:
        return True, "", 0.0
    ends = last[1] + settings.cooldown_hours * HOUR
    if now < ends:
        hours = (now - last[1]) / HOUR
        return False, (f"cooldown: survey {last[0]!r} was shown {hours:.1f} h ago "
                       f"(the site waits {settings.cooldown_hours:g} h between surveys)"), ends
    return True, "", 0.0


# -- the decision -----------------------------------------------------------------------
def decide(survey: Survey, what: Occurrence, ctx: Context, history: History,
           settings: SiteSettings | None = None) -> Decision:
    """Should ``survey`` be shown now because of ``what``? Always says why."""
    settings = settings or SiteSettings()
    matches, wait = trigger_matches(survey, what)
    if not matches:
        return Decision(False, _trigger_words(survey, what), stage="trigger")
    if ctx.preview_id is not None and ctx.preview_id == survey.id:
        reason = "preview: targeting and frequency limits are ignored"
        if wait:
            return Decision(False, f"{reason}; shows after {wait:g} s", preview=True, wait=wait,
                            stage="preview")
        return Decision(True, reason, preview=True, stage="preview")
    if survey.status != "published":
        return Decision(False, "the survey is a draft; only a preview shows it", stage="draft")
    ok, why, opens = _schedule(survey, ctx.now)
    if not ok:
        return Decision(False, why, not_before=opens, stage="schedule")
    if survey.limit is not None and ctx.closed is not None and survey.id in ctx.closed:
        return Decision(False, f"limit: the collector has {survey.limit.responses} {survey.limit.count}; "
                               "no new visitor sees it", stage="limit")
    if what.kind == "manual":
        return Decision(True, f"shown by install({survey.id!r})", stage="manual")
    if survey.trigger.type == "exit_intent" and ctx.device != "desktop":
        return Decision(False, f"exit intent is a desktop trigger (this is {ctx.device})", stage="device")
    ok, why = pages_hold(survey.pages, ctx.url)
    if not ok:
        return Decision(False, why, stage="pages")
    ok, why = _audience(survey, ctx)
    if not ok:
        return Decision(False, why, stage="audience")
    ok, why, again = _frequency(survey, history, ctx.now)
    if not ok:
        return Decision(False, why, not_before=again, stage="frequency")
    ok, why, ends = _cooldown(survey, history, settings, ctx.now)
    if not ok:
        return Decision(False, why, not_before=ends, stage="cooldown")
    if not in_sample(ctx.visitor_id, survey.id, survey.audience.sample):
        return Decision(False, f"sample: this visitor is not in the {survey.audience.sample}% who see it",
                        stage="sample")
    if wait:
        return Decision(False, f"eligible; shows after {wait:g} s on this page", wait=wait)
    return Decision(True, "eligible")


def decide_all(surveys: Iterable[Survey], what: Occurrence, ctx: Context, history: History,
               settings: SiteSettings | None = None) -> list[tuple[Survey, Decision]]:
    return [(s, decide(s, what, ctx, history, settings)) for s in surveys]


def choose(surveys: Iterable[Survey], what: Occurrence, ctx: Context, history: History,
           settings: SiteSettings | None = None,
           ) -> tuple[Survey | None, Decision | None, list[tuple[Survey, Decision]]]:
    """The survey to show for ``what``, its decision, and every survey's decision.

    The survey being previewed wins when its trigger fires; otherwise the first eligible
    survey in file order.
    """
    decisions = decide_all(surveys, what, ctx, history, settings)
    chosen: tuple[Survey, Decision] | None = None
    for survey, d in decisions:
        if d.show and (chosen is None or (d.preview and not chosen[1].preview)):
            chosen = (survey, d)
    if chosen is None:
        return None, None, decisions
    return chosen[0], chosen[1], decisions


# -- what the loader may know without Python --------------------------------------------
def depends_on_page(survey: Survey) -> bool:
    """Does deciding a page view for this survey need the page or the visitor's traits?

    Such a survey is never shown ahead of the runtime (see :func:`next_page_view_survey`).
    """
    a = survey.audience
    return bool(survey.pages and survey.pages.rules) or a.identified is not None or \
        bool(a.devices) or bool(a.languages) or a.traits is not None


def next_page_view_survey(surveys: Iterable[Survey], history: History,
                          settings: SiteSettings | None = None, visitor_id: str = "",
                          now: float = 0.0) -> Survey | None:
    """The survey this visitor's next page view will surely show, if that is knowable now.

    The loader may show it before the runtime is up; the runtime confirms or removes it.
    Not knowable: the first eligible survey depends on the page or traits, or on a sample
    while the visitor is unknown (the build's hint, for new visitors).
    """
    ctx = Context(now=now, visitor_id=visitor_id)
    for survey in surveys:            # the same order as choose()
        if survey.trigger.type not in PAGE_BOUND or survey.status != "published":
            continue
        if depends_on_page(survey) or is_scheduled(survey) or (survey.audience.sample < 100 and not visitor_id):
            return None
        d = decide(survey, Occurrence("page_view"), ctx, history, settings)
        if d.show:   # one that needs an extension shows once the runtime has loaded it
            return None if uses_extensions(survey, settings) else survey
        if d.wait or survey.trigger.type != "page_view":
            return None               # a page-bound survey may show later on that page
    return None


def is_scheduled(survey: Survey) -> bool:
    """Does it have a starts_at, an ends_at or a response limit? Then whether it shows depends
    on when the page is viewed (and on the collector's count), not only on when a hint was
    written: never shown ahead."""
    return any(survey.window()) or survey.limit is not None


def could_be_ahead_on_event(survey: Survey, settings: SiteSettings | None = None) -> bool:
    """Could an event show this survey before the runtime is up (by a hint)? Only if the
    decision needs neither the page, the visitor's traits, the event's properties nor the
    time (a schedule), and showing it needs no extension (the runtime loads those first)."""
    return survey.trigger.type == "event" and survey.status == "published" and not is_scheduled(survey) and \
        not depends_on_page(survey) and survey.trigger.properties is None and not uses_extensions(survey, settings)


def next_event_surveys(surveys: Iterable[Survey], history: History,
                       settings: SiteSettings | None = None, visitor_id: str = "",
                       now: float = 0.0) -> dict[str, str]:
    """For each event name, the survey ``Iterate('event', name)`` will surely show this
    visitor on a page whose runtime has not started, when that is knowable now.

    The loader shows it at once (pre-rendered); the runtime confirms or removes it. Not
    knowable: a survey before it in file order (the order of :func:`choose`) that the
    event fires depends on the page, traits, event properties or, for an unknown visitor,
    a sample.
    """
    surveys = [s for s in surveys if s.status == "published"]
    ctx = Context(now=now, visitor_id=visitor_id)
    out: dict[str, str] = {}
    for name in sorted({s.trigger.event for s in surveys if s.trigger.type == "event" and s.trigger.event}):
        what = Occurrence("event", name=name)
        for survey in surveys:
            if survey.trigger.type != "event" or survey.trigger.event != name:
                continue
            if not could_be_ahead_on_event(survey, settings) or (survey.audience.sample < 100 and not visitor_id):
                break
            if decide(survey, what, ctx, history, settings).show:
                out[name] = survey.id
                break
    return out


def could_show_again(survey: Survey, history: History, now: float = 0.0) -> bool:
    """Could this survey ever show to this visitor again (outside preview and install(id))?"""
    if survey.status != "published" or has_ended(survey, now):
        return False
    if survey.frequency == "once" and survey.id in history.shown:
        return False
    return not (survey.frequency == "until_responded" and survey.id in history.responded)


def _merge_window(windows: dict[str, list[float]], key: str, survey: Survey) -> None:
    """Widen the window of ``key`` (an occurrence) to take in this survey's: from the earliest
    start to the latest end, 0 meaning no bound, so that the window never hides a survey."""
    opens, closes = survey.window()
    if key not in windows:
        windows[key] = [opens, closes]
    else:
        was = windows[key]
        windows[key] = [min(was[0], opens), 0.0 if not (was[1] and closes) else max(was[1], closes)]


def trigger_hint(surveys: Iterable[Survey], history: History | None = None,
                 settings: SiteSettings | None = None, now: float = 0.0) -> dict[str, Any]:
    """What the loader needs to know to stay idle: which occurrences could show anything.

    Without ``history`` this is the site's hint (the build puts it in the manifest); with
    it, this visitor's (the runtime stores it for the loader): ``not_before`` is then the
    time before which nothing can show. A page view that fires none of these events, or
    comes before ``not_before``, never downloads Pyodide. ``windows`` says when each event
    (by name) and page views (``page_view``) could show anything at all, from the surveys'
    schedules: [opens, closes] in Unix seconds, 0 for no bound; only bounded ones are given.
    """
    history = history or History()
    settings = settings or SiteSettings()
    events: set[str] = set()
    page_view = exit_intent = False
    scroll: set[int] = set()
    earliest: float | None = None
    event_windows: dict[str, list[float]] = {}
    page_windows: dict[str, list[float]] = {}
    for s in surveys:
        if not could_show_again(s, history, now):
            continue
        t = s.trigger
        if t.type == "event" and t.event:
            events.add(t.event)
            _merge_window(event_windows, t.event, s)
        elif t.type in PAGE_BOUND:
            page_view = True
            _merge_window(page_windows, "page_view", s)
            if t.type == "scroll" and t.percent:
                scroll.add(t.percent)
            exit_intent = exit_intent or t.type == "exit_intent"
        if t.type == "manual":
            continue
        _, _, again = _frequency(s, history, now)
        _, _, ends = _cooldown(s, history, settings, now)
        when = max(again, ends, s.window()[0])
        earliest = when if earliest is None else min(earliest, when)
    windows = {"events": {k: w for k, w in sorted(event_windows.items()) if any(w)},
               "page_view": page_windows["page_view"] if any(page_windows.get("page_view", [0, 0])) else None}
    return {"events": sorted(events), "page_view": page_view, "scroll": sorted(scroll),
            "exit_intent": exit_intent, "not_before": earliest if earliest and earliest > now else 0,
            "event_windows": windows["events"], "page_view_window": windows["page_view"]}
