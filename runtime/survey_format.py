"""The survey format: the one definition of what a survey file may say.

``sondage build`` validates ``surveys/*.yaml`` with these classes, the runtime reads the
built site data with the same classes, and the bundle publishes them as JSON Schema
(``survey.schema.json``). Change the format here and all three follow.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from typing import Any, Literal, get_args

from .schema import FormatError, dump, join_path, json_schema, load, spec

ID_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}"
SITE_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}"
COLOR_PATTERN = r"#[0-9a-fA-F]{6}"
EVENT_PATTERN = r"[^\x00-\x1f]{1,200}"
ORIGIN_PATTERN = r"https?://[A-Za-z0-9.-]+(?::[0-9]{1,5})?"

QuestionType = Literal["nps", "rating", "csat", "single_choice", "multiple_choice", "dropdown", "yes_no",
                       "short_text", "long_text", "text", "email", "number", "date"]
CHOICE_TYPES = ("single_choice", "multiple_choice", "dropdown")
Position = Literal["bottom-right", "bottom-left", "top-right", "top-left", "center", "bottom-bar", "inline"]
Theme = Literal["light", "dark", "auto"]
SCALE_TYPES = ("nps", "rating", "csat")
TEXT_TYPES = ("short_text", "long_text", "text", "email")


@dataclass
class EndLabels:
    """Words at the two ends of a scale."""

    low: str = spec("Under the lowest value.", default="", max_len=60)
    high: str = spec("Under the highest value.", default="", max_len=60)


@dataclass
class Jump:
    """Skip logic: after this question, go to another (later) question or to the end when
    the answer matches."""

    goto: str = spec("A later question's id, or `end`.", pattern=ID_PATTERN)
    equals: str | int | None = spec("When the answer is this.", default=None)
    one_of: list[str | int] = spec("When the answer is one of these.", default_factory=list, max_items=50)
    less_than: float | None = spec("When the (number) answer is below this.", default=None)
    greater_than: float | None = spec("When the (number) answer is above this.", default=None)
    includes: str | None = spec("When a multiple-choice answer includes this choice.", default=None)

    def validate(self, path: str) -> None:
        given = [self.equals is not None, bool(self.one_of), self.less_than is not None,
                 self.greater_than is not None, self.includes is not None]
        if sum(given) != 1:
            raise FormatError(path, "give exactly one condition: equals, one_of, less_than, greater_than or includes")

FORMAT_VERSION = 1


@dataclass
class Question:
    """One question of a survey."""

    id: str = spec("Stable id of the question, unique within the survey.", pattern=ID_PATTERN)
    type: str = spec(
        "nps: 0-10; rating: 1..scale (numbers, stars or emoji); csat: 1-5; single_choice, multiple_choice, "
        "dropdown: from `choices`; yes_no; short_text, long_text (text: the same as long_text); email; "
        "number; date. Or a type an extension of the site provides (sites.yaml `extensions`).",
        pattern=r"[a-z][a-z0-9_]{0,39}",
    )
    prompt: str = spec("The question as the visitor reads it.", min_len=1, max_len=500)
    label: str | None = spec(
        "Custom attribute name for integrations; defaults to the prompt.",
        default=None, min_len=1, max_len=200,
    )
    choices: list[str] = spec(
        "Answer options of a choice question.", default_factory=list,
        min_len=1, max_len=200, max_items=20,
    )
    scale: int = spec("Highest value of a rating question.", default=5, minimum=2, maximum=10)
    style: Literal["numbers", "stars", "emoji"] = spec("How a rating scale looks.", default="numbers")
    labels: EndLabels | None = spec("Words at the ends of a scale (nps, rating, csat).", default=None)
    placeholder: str = spec("Hint shown in an empty text answer.", default="", max_len=200)
    other: bool = spec("single_choice: an 'Other' choice with its own text.", default=False)
    min: int | None = spec("multiple_choice: fewest choices; number: smallest value.", default=None)
    max: int | None = spec("multiple_choice: most choices; number: largest value.", default=None)
    required: bool = spec("The visitor must answer it (false: a Skip button).", default=True)
    shuffle: bool = spec("Show the choices in an order of their own for each visitor (always the same "
                         "for that visitor).", default=False)
    logic: list[Jump] = spec("Skip logic, checked in order after the answer.", default_factory=list, max_items=20)
    options: dict[str, Scalar] = spec("Settings of an extension's question type (its own names).",
                                      default_factory=dict, max_items=50)

    def validate(self, path: str) -> None:
        if self.options and self.type in get_args(QuestionType):
            raise FormatError(join_path(path, "options"), f"only extensions' question types take options, "
                                                          f"not {self.type}")
        if self.type == "rating" and self.style == "emoji" and self.scale > 5:
            raise FormatError(join_path(path, "scale"), "an emoji rating goes up to 5")
        if self.style != "numbers" and self.type != "rating":
            raise FormatError(join_path(path, "style"), f"only rating questions take a style, not {self.type}")
        if self.labels is not None and self.type not in SCALE_TYPES:
            raise FormatError(join_path(path, "labels"), f"only nps, rating and csat take labels, not {self.type}")
        if self.other and self.type != "single_choice":
            raise FormatError(join_path(path, "other"), "only single_choice takes other")
        if (self.min is not None or self.max is not None) and self.type not in ("multiple_choice", "number"):
            raise FormatError(join_path(path, "min"), f"only multiple_choice and number take min/max, not {self.type}")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise FormatError(join_path(path, "min"), f"min {self.min} is more than max {self.max}")
        if self.type == "multiple_choice" and self.max is not None and self.max > len(self.choices):
            raise FormatError(join_path(path, "max"), f"max {self.max} is more than the {len(self.choices)} choices")
        if self.shuffle and self.type not in CHOICE_TYPES:
            raise FormatError(join_path(path, "shuffle"), "only choice questions can be shuffled")
        if self.type in CHOICE_TYPES and len(self.choices) < 2:
            raise FormatError(join_path(path, "choices"),
                              f"a {self.type} question needs at least 2 choices")
        if self.type not in CHOICE_TYPES and self.choices:
            raise FormatError(join_path(path, "choices"),
                              f"only choice questions take choices, not {self.type}")
        if len(set(self.choices)) != len(self.choices):
            raise FormatError(join_path(path, "choices"), "choices must be unique")

    @property
    def attribute_name(self) -> str:
        """The custom attribute name integrations use: the label, else the prompt."""
        return self.label or self.prompt


TextOp = Literal["equals", "not_equals", "contains", "not_contains", "starts_with",
                 "not_starts_with", "ends_with", "not_ends_with", "matches", "not_matches"]
ValueOp = Literal["equals", "not_equals", "contains", "not_contains", "greater_than", "less_than",
                  "is_set", "is_not_set", "one_of", "not_one_of"]
Scalar = str | int | float | bool
NO_VALUE_OPS = ("is_set", "is_not_set")
LIST_OPS = ("one_of", "not_one_of")
ORDER_OPS = ("greater_than", "less_than")


def parse_moment(text: str) -> float | None:
    """Unix seconds of an ISO date-time that says its zone (``2027-01-10T09:00:00+01:00``,
    ``...Z``), else None: a schedule's moment must not depend on where it is read."""
    try:
        moment = _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return None if moment.tzinfo is None else moment.timestamp()


def moment_words(seconds: float) -> str:
    """A schedule's moment as a site owner reads it: ``2027-01-10 08:00 UTC``."""
    return _dt.datetime.fromtimestamp(seconds, _dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def parse_date(text: str) -> float | None:
    """Unix seconds of an ISO date or date-time (UTC unless it says otherwise), else None."""
    try:
        moment = _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_dt.UTC)
    return moment.timestamp()


@dataclass
class ValueRule:
    """A condition on a user trait or an event property."""

    key: str = spec("Name of the trait or property.", min_len=1, max_len=200)
    op: ValueOp = spec("How to compare; greater_than/less_than compare numbers, or dates given "
                       "as ISO dates (2024-01-31) against date traits.")
    value: Scalar | None = spec("What to compare with (not for is_set / is_not_set / one_of).",
                                   default=None, max_len=1000)
    values: list[Scalar] = spec("The list for one_of / not_one_of.", default_factory=list,
                                max_len=1000, max_items=200)

    def validate(self, path: str) -> None:
        if self.op in NO_VALUE_OPS:
            if self.value is not None or self.values:
                raise FormatError(join_path(path, "value"), f"{self.op} takes no value")
        elif self.op in LIST_OPS:
            if not self.values:
                raise FormatError(join_path(path, "values"), f"{self.op} needs a list of values")
            if self.value is not None:
                raise FormatError(join_path(path, "value"), f"{self.op} takes `values`, not `value`")
        else:
            if self.value is None:
                raise FormatError(join_path(path, "value"), f"{self.op} needs a value")
            if self.values:
                raise FormatError(join_path(path, "values"), "only one_of / not_one_of take values")
        if self.op in ORDER_OPS:
            ok = (isinstance(self.value, (int, float)) and not isinstance(self.value, bool)) or \
                 (isinstance(self.value, str) and parse_date(self.value) is not None)
            if not ok:
                raise FormatError(join_path(path, "value"),
                                  f"{self.op} needs a number or an ISO date, got {self.value!r}")


@dataclass
class ValueRules:
    """Conditions combined with all (every one must hold) or any (one is enough)."""

    rules: list[ValueRule] = spec("The conditions.", max_items=50)
    match: Literal["all", "any"] = spec("all: every condition; any: at least one.", default="all")


@dataclass
class PageRule:
    """A condition on the page the visitor is on."""

    op: TextOp = spec("How to compare; matches is a regular expression (Python syntax, searched).")
    value: str = spec("Text (or pattern) to compare with.", min_len=1, max_len=2000)
    field: Literal["url", "path"] = spec("url: the whole URL; path: the path only.", default="url")

    def validate(self, path: str) -> None:
        if self.op in ("matches", "not_matches"):
            try:
                re.compile(self.value)
            except re.error as e:
                raise FormatError(join_path(path, "value"), f"not a valid regular expression: {e}") from None


@dataclass
class PageRules:
    """Which pages the survey may appear on."""

    rules: list[PageRule] = spec("The conditions.", max_items=50)
    match: Literal["all", "any"] = spec("all: every condition; any: at least one.", default="all")


@dataclass
class Trigger:
    """When the survey may appear."""

    type: Literal["event", "page_view", "seconds", "scroll", "exit_intent", "manual"] = spec(
        "event: `Iterate('event', name)` (or a Segment track) fires `event`; page_view: a page is "
        "viewed; seconds: after `seconds` on a page; scroll: the visitor scrolled `percent` of the "
        "page; exit_intent: the mouse leaves the top of the window (desktop); manual: only "
        "`Iterate('install', surveyId)`.",
        default="event",
    )
    event: str | None = spec("Event name for an event trigger.", default=None,
                                pattern=EVENT_PATTERN)
    properties: ValueRules | None = spec(
        "Conditions on the event's properties (`Iterate('event', name, properties)`, Segment "
        "track properties).", default=None)
    seconds: int | None = spec("Seconds on the page, for a seconds trigger.", default=None,
                                  minimum=1, maximum=3600)
    percent: int | None = spec("How far down the page, for a scroll trigger.", default=None,
                                  minimum=1, maximum=100)

    def validate(self, path: str) -> None:
        needs = {"event": "event", "seconds": "seconds", "scroll": "percent"}
        for kind, name in needs.items():
            given = getattr(self, name)
            if self.type == kind and given is None:
                article = "an" if kind[0] in "aeiou" else "a"
                raise FormatError(join_path(path, name), f"{article} {kind} trigger needs `{name}`")
            if self.type != kind and given is not None:
                raise FormatError(join_path(path, name), f"only {kind} triggers take `{name}`, "
                                                      f"not {self.type}")
        if self.properties is not None and self.type != "event":
            raise FormatError(join_path(path, "properties"), "only event triggers take properties")


Device = Literal["desktop", "mobile", "tablet"]


@dataclass
class Audience:
    """Who may see the survey."""

    identified: bool | None = spec(
        "true: only visitors with an external_id; false: only anonymous ones; unset: anyone.",
        default=None)
    devices: list[Device] = spec("Only these device types (empty: all).", default_factory=list,
                                 max_items=3)
    languages: list[str] = spec(
        "Only these languages, e.g. en, fr (the `language` trait, else the browser's; empty: all).",
        default_factory=list, pattern=r"[A-Za-z]{2,3}", max_items=50)
    traits: ValueRules | None = spec("Conditions on the visitor's traits.", default=None)
    sample: int = spec("Percent of visitors who may see it; the same visitor always gets the "
                       "same answer.", default=100, minimum=0, maximum=100)


@dataclass
class Forwarding:
    """Where each answer also goes, in the visitor's browser, when that vendor's SDK is on the
    page (the collector always gets it)."""

    segment: bool = spec("analytics.track('Survey Question Response', {...record})", default=False)
    braze: bool = spec("Braze Web SDK: a custom attribute named by the question's label (default: "
                       "the prompt), the custom event survey-question-response, then a data flush.",
                       default=False)
    clevertap: bool = spec("CleverTap Web SDK: the answer event and the profile property.", default=False)
    clevertap_event: Literal["survey_question_response", "survey-question-response"] = spec(
        "Name of the CleverTap event (the CleverTap document uses both).", default="survey_question_response")
    clevertap_user_properties: list[str] = spec(
        "Traits (from Iterate('identify', traits)) that are user properties: they go to the CleverTap "
        "profile with each answer. Response properties stay on the event.",
        default_factory=list, max_items=50, max_len=200)


@dataclass
class SurveyForwarding:
    """Per survey: turn a vendor the site forwards to off (false) or on (true)."""

    segment: bool | None = spec("Override the site's segment setting.", default=None)
    braze: bool | None = spec("Override the site's braze setting.", default=None)
    clevertap: bool | None = spec("Override the site's clevertap setting.", default=None)


@dataclass
class ForwarderSetting:
    """An extension's answer forwarder, turned on for the site."""

    name: str = spec("The forwarder's name, as its extension registers it.", pattern=r"[a-z][a-z0-9_]{0,39}")
    options: dict[str, Scalar] = spec("Its settings (its own names, e.g. url).", default_factory=dict,
                                      max_items=50)


@dataclass
class SiteSettings:
    """Settings of one site (``surveys/sites.yaml``, keyed by the site's embed API key)."""

    cooldown_hours: float = spec(
        "After a survey is shown, no other survey shows to the same visitor for this long "
        "(Iterate: 72).", default=72.0, minimum=0, maximum=24 * 365)
    forward: Forwarding = spec("Vendors each answer is forwarded to in the browser.",
                               default_factory=Forwarding)
    origins: list[str] = spec(
        "The site's page origins (https://shop.example): the collector takes answers for this site "
        "only from them (CORS). Empty: from any page.", default_factory=list, max_items=50,
        pattern=ORIGIN_PATTERN)
    extensions: list[str] = spec(
        "Python extensions of the site (question types, forwarders): a folder of a Python project or a "
        ".whl file, relative to the surveys folder, or a requirement with a version on the package index "
        "(sondage-slider==0.1.0). The build installs them with micropip in Pyodide.",
        default_factory=list, max_items=20, min_len=1, max_len=500)
    forwarders: list[ForwarderSetting] = spec(
        "Extensions' forwarders that get each answer, with their settings.", default_factory=list, max_items=20)


@dataclass
class Appearance:
    """How the widget looks."""

    color: str = spec("Brand color of buttons and highlights.", default="#7457be",
                      pattern=COLOR_PATTERN)
    position: Position = spec(
        "Where the widget sits: a corner (a full-width sheet on narrow screens), the centre over a "
        "backdrop, a full-width bar at the bottom, or inline in a host element (inline_target).",
        default="bottom-right")
    inline_target: str = spec("For position inline: the CSS selector of the host element it goes in.",
                              default="", max_len=200, pattern=r"[^<>{}]*")
    theme: Theme = spec("light, dark, or auto: the visitor's system setting.", default="light")
    dark_color: str = spec("Brand color in the dark theme (default: color).", default="",
                           pattern=r"(?:#[0-9a-fA-F]{6})?")
    text_color: str = spec("Text color in the light theme (default: a near-black).", default="",
                           pattern=r"(?:#[0-9a-fA-F]{6})?")
    radius: int = spec("Corner radius of the card, in pixels.", default=10, minimum=0, maximum=24)
    font: str = spec("inherit: the host page's font; system: the system's; or a font family name.",
                     default="inherit", min_len=1, max_len=100, pattern=r"[A-Za-z0-9 ,'\"-]+")

    def validate(self, path: str) -> None:
        if self.position == "inline" and not self.inline_target:
            raise FormatError(join_path(path, "inline_target"), "position inline needs the host element's selector")


@dataclass
class Welcome:
    """A first step before the questions: a few words, a start button (and the close button)."""

    text: str = spec("What the visitor reads; **bold**, *italic* and [links](https://…) work.",
                     min_len=1, max_len=1000)
    button: str = spec("The start button's words.", default="Start", min_len=1, max_len=40)


@dataclass
class ThankYouLink:
    text: str = spec("The link's words.", min_len=1, max_len=100)
    url: str = spec("Where it goes (http or https).", pattern=r"https?://[^\s\"'<>]{1,2000}")


@dataclass
class QuestionText:
    """A question's words in another language (its choices in the same order)."""

    prompt: str = spec("The question.", min_len=1, max_len=500)
    choices: list[str] = spec("The choices, in the question's order.", default_factory=list, min_len=1,
                              max_len=200, max_items=20)
    placeholder: str = spec("Hint in an empty text answer.", default="", max_len=200)
    labels: EndLabels | None = spec("Words at the ends of a scale.", default=None)


@dataclass
class Translation:
    """The survey's words in another language."""

    questions: dict[str, QuestionText] = spec("Every question, by id.")
    intro: str = spec("The intro line.", default="", max_len=500)
    thank_you: str = spec("The thank-you words.", default="", max_len=500)
    welcome_text: str = spec("The welcome step's words.", default="", max_len=1000)
    welcome_button: str = spec("The welcome step's button.", default="", max_len=40)


@dataclass
class Limit:
    """Enough answers: once the collector has stored this many, no new visitor is shown the
    survey (within a minute; a visitor already in it finishes)."""

    responses: int = spec("How many.", minimum=1, maximum=10_000_000)
    count: Literal["responses", "answers"] = spec(
        "responses: completed responses (the last question answered); answers: showings with any "
        "answer.", default="responses")


@dataclass
class Survey:
    """A survey: its questions, when it appears and how often."""

    id: str = spec("Stable id of the survey (used by `install(id)` and `iterate_preview`).",
                   pattern=ID_PATTERN)
    site: str = spec("Embed API key of the site this survey runs on.", pattern=SITE_PATTERN)
    name: str = spec("Name shown in exports and integrations.", min_len=1, max_len=200)
    questions: list[Question] = spec("The questions, in order.", max_items=50)
    trigger: Trigger = spec("When the survey may appear.", default_factory=Trigger)
    pages: PageRules | None = spec("Which pages it may appear on (unset: all).", default=None)
    audience: Audience = spec("Who may see it.", default_factory=Audience)
    status: Literal["published", "draft"] = spec(
        "Draft surveys are shown only in preview.", default="published")
    frequency: Literal["once", "until_responded", "every_n_days", "always"] = spec(
        "once: at most once per visitor (a dismissal counts); until_responded: until the visitor "
        "answers; every_n_days: again after `every_days`; always: every time it triggers.",
        default="once")
    every_days: float | None = spec("Days between showings, for every_n_days.", default=None,
                                       minimum=0.01, maximum=3650)
    intro: str = spec("Optional line shown above the first question.", default="", max_len=500)
    thank_you: str = spec("Shown after the last answer.", default="Thank you for your feedback!",
                          min_len=1, max_len=500)
    appearance: Appearance = spec("How the widget looks.", default_factory=Appearance)
    welcome: Welcome | None = spec("An optional first step with a start button.", default=None)
    thank_you_link: ThankYouLink | None = spec("An optional link on the thank-you step.", default=None)
    close_after: float | None = spec("Close the thank-you step by itself after this many seconds.",
                                     default=None, minimum=1, maximum=60)
    forward: SurveyForwarding = spec("Per-survey changes to the site's answer forwarding.",
                                     default_factory=SurveyForwarding)
    language: str = spec("The language the survey is written in (en, fr, ...).", default="en",
                         pattern=r"[a-z]{2,3}")
    translations: dict[str, Translation] = spec(
        "The survey in other languages, by language code; the visitor's `language` trait, else their "
        "browser's language, picks one (else the survey's own).", default_factory=dict)
    starts_at: str | None = spec(
        "Not shown before this moment: an ISO date-time with its zone (2027-01-10T09:00:00+01:00, or Z "
        "for UTC). Preview ignores it.", default=None, max_len=40)
    ends_at: str | None = spec(
        "Not shown from this moment on (same form as starts_at); a visitor already in the survey "
        "finishes it. Preview ignores it.", default=None, max_len=40)
    limit: Limit | None = spec(
        "Stop after this many responses, counted by the collector (it needs the bundle: "
        "`--bundle`). Preview ignores it.", default=None)

    def window(self) -> tuple[float, float]:
        """When it may show, in Unix seconds: (opens, closes); 0 where the file sets no bound."""
        opens = parse_moment(self.starts_at) if self.starts_at else None
        closes = parse_moment(self.ends_at) if self.ends_at else None
        return opens or 0.0, closes or 0.0

    def validate(self, path: str) -> None:
        for name in ("starts_at", "ends_at"):
            text = getattr(self, name)
            if text is not None and parse_moment(text) is None:
                raise FormatError(join_path(path, name),
                                  f"{text!r} is not an ISO date-time with a zone, like 2027-01-10T09:00:00+01:00 "
                                  "or 2027-01-10T08:00:00Z")
        opens, closes = self.window()
        if opens and closes and closes <= opens:
            raise FormatError(join_path(path, "ends_at"), f"{self.ends_at} is not after starts_at "
                              f"{self.starts_at}: the survey would never show")
        if (self.frequency == "every_n_days") != (self.every_days is not None):
            raise FormatError(join_path(path, "every_days"),
                              "every_n_days needs every_days" if self.every_days is None
                              else f"only frequency every_n_days takes every_days, not {self.frequency}")
        where = join_path(path, "questions")
        if not self.questions:
            raise FormatError(where, "a survey needs at least one question")
        seen: set[str] = set()
        for i, q in enumerate(self.questions):
            if q.id in seen:
                raise FormatError(f"{where}[{i}].id", f"duplicate question id {q.id!r}")
            seen.add(q.id)
        for lang, tr in self.translations.items():
            here = join_path(join_path(path, "translations"), lang)
            if not re.fullmatch(r"[a-z]{2,3}", lang):
                raise FormatError(here, "a language code like fr or pt")
            for qid in tr.questions:
                if qid not in seen:
                    raise FormatError(join_path(join_path(here, "questions"), qid),
                                      f"no question {qid!r} in this survey")
            for q in self.questions:
                text = tr.questions.get(q.id)
                if text is None:
                    raise FormatError(join_path(here, "questions"), f"question {q.id!r} is not translated")
                if len(text.choices) != len(q.choices):
                    raise FormatError(join_path(join_path(join_path(here, "questions"), q.id), "choices"),
                                      f"{len(q.choices)} choices to translate, got {len(text.choices)}")
        order = {q.id: i for i, q in enumerate(self.questions)}
        for i, q in enumerate(self.questions):
            for j, jump in enumerate(q.logic):
                here = f"{where}[{i}].logic[{j}].goto"
                if jump.goto == "end":
                    continue
                if jump.goto not in order:
                    raise FormatError(here, f"no question {jump.goto!r} in this survey "
                                            f"(known: {', '.join(order)}, or end)")
                if order[jump.goto] <= i:
                    raise FormatError(here, f"{jump.goto!r} is not after {q.id!r}: skip logic only jumps forward")

    def question(self, question_id: str) -> Question | None:
        for q in self.questions:
            if q.id == question_id:
                return q
        return None


@dataclass
class ExtensionRef:
    """One of the site's extensions in the bundle: imported only when a survey shown needs it."""

    name: str = spec("The extension's distribution name.", pattern=r"[A-Za-z0-9_.]{1,100}")
    version: str = spec("Its version.", max_len=100)
    zip: str = spec("Its modules as bytecode: a zip in the bundle, relative to the site data.", max_len=300)
    register: list[str] = spec("module:function of each of its entry points.", max_items=20, max_len=300)
    templates: str = spec("The module of its compiled question templates.", pattern=r"[A-Za-z0-9_]{1,200}")
    types: list[str] = spec("The question types it provides.", default_factory=list, max_items=50)
    forwarders: list[str] = spec("The forwarders it provides.", default_factory=list, max_items=50)


@dataclass
class SiteData:
    """The surveys of one site, as the build writes them for the runtime."""

    format: int = spec("Version of this format.", minimum=FORMAT_VERSION, maximum=FORMAT_VERSION)
    site: str = spec("Embed API key of the site.", pattern=SITE_PATTERN)
    surveys: list[Survey] = spec("The site's surveys.", max_items=500)
    settings: SiteSettings = spec("The site's settings.", default_factory=SiteSettings)
    extensions: list[ExtensionRef] = spec("The site's extensions in the bundle (sites.yaml `extensions`, "
                                          "resolved by the build).", default_factory=list, max_items=20)
    status: str | None = spec("Where the collector says which surveys with a response limit are closed "
                              "(relative to the bundle); none when no survey has a limit.", default=None,
                              max_len=2000)


def load_survey(data: Any) -> Survey:
    return load(Survey, data)


def load_site_data(data: Any) -> SiteData:
    return load(SiteData, data)


def load_site_settings(data: Any) -> dict[str, SiteSettings]:
    """``sites.yaml``: a mapping from site key to its settings."""
    if not isinstance(data, dict):
        raise FormatError("", "must be a mapping from site key to settings")
    out = {}
    for key, value in data.items():
        if not isinstance(key, str) or not re.fullmatch(SITE_PATTERN, key):
            raise FormatError(str(key), "is not a valid site key")
        out[key] = load(SiteSettings, value if value is not None else {}, key)
    return out


def survey_json_schema() -> dict[str, Any]:
    return json_schema(Survey, title="Sondage survey file")


__all__ = [
    "Appearance", "Audience", "FormatError", "PageRule", "PageRules", "Question", "SiteData",
    "SiteSettings", "Survey", "Trigger", "ValueRule", "ValueRules",
    "dump", "load_site_data", "load_site_settings", "load_survey", "parse_date", "survey_json_schema",
]
