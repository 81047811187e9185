"""The survey on screen, as an explicit state machine.

States::

    empty ──show_ahead──> ahead ──open──> (welcome ──start──>) question ──answered (last)──> thanks
      ▲                     │               │  ▲ answered (more)          │
      └──────── clear ──────┴──── close ────┴──┴──────── close ───────────┘

``ahead``: the loader shows a survey Python pre-rendered (the hint) while the runtime
starts, for a page view or for an event; the decision of that occurrence confirms it
(``open``) or removes it.
Only one survey is on screen at a time.

Focus: a survey the visitor opened (``Iterate('install', id)`` from their click, a vendor's
message, the survey's own page) takes the keyboard focus; one that appears on its own
(page view, event, seconds, scroll, exit intent) does not (WCAG 3.2.1, 3.2.5): it is
announced in the host page's live region and reached with Tab. Every later step follows the
visitor's own action in the widget, so it takes the focus.
"""

from __future__ import annotations

from typing import Literal

from . import locale, markup, placement, protocol, render
from .survey_format import Question, Survey

State = Literal["empty", "ahead", "welcome", "question", "thanks", "closed"]


class Screen:
    def __init__(self) -> None:
        self.state: State = "empty"
        self.ahead_id: str | None = None
        self.ahead_waits_for = ""   # "page_view" or "event:<name>": the decision it awaits
        self.survey: Survey | None = None
        self.index = 0
        self.preview = False
        self.response_id = ""   # shared by the answers of this showing
        self.seed = ""          # the visitor's id: their own order of shuffled choices
        self.host_font = ""     # the host page's font family (for appearance.font: inherit)
        self.language: str | None = None   # the language the visitor reads the survey in
        # Inside a vendor's message, as its embed says (runtime/vendors/): "modal" (centred over
        # a backdrop, a full-screen message) or "fill" (fills a small pop-up); else the survey's corner.
        self.embedded: str | None = None
        self.focus = False        # the next step drawn takes the keyboard focus
        self.announced = False    # this showing was announced, or took the focus
        self.closed_why = ""      # state "closed": "closed" or "not_open"

    @staticmethod
    def warm_up() -> None:
        """Compile the widget's template now, so the first survey renders at once."""
        render.warm_up()

    @property
    def busy(self) -> bool:
        """A survey is on screen (a survey shown ahead does not count: it awaits a decision)."""
        return self.state in ("welcome", "question", "thanks", "closed")

    def show_ahead(self, survey_id: str | None, waits_for: str = "page_view") -> None:
        if survey_id:
            self.state, self.ahead_id, self.ahead_waits_for = "ahead", survey_id, waits_for

    def settle_ahead(self, decided: str | None = None) -> protocol.Effects:
        """The decision of ``decided`` ("page_view", "event:<name>"; None: whatever the
        survey shown ahead waits for) was made: if no survey is on screen now, remove it."""
        if self.state == "ahead" and decided is not None and decided != self.ahead_waits_for:
            return []
        if self.state != "ahead":
            self.ahead_id = None
            return []
        self.clear()
        return [protocol.unmount()]

    def open(self, survey: Survey, preview: bool, response_id: str = "", *,
             focus: bool = False) -> protocol.MountEffect:
        """Show ``survey``; ``focus``: the visitor opened it, so it takes the keyboard focus."""
        assert not self.busy, "one survey on screen at a time"
        self.state, self.ahead_id = ("welcome" if survey.welcome else "question"), None
        self.survey, self.index, self.preview, self.response_id = survey, 0, preview, response_id
        self.focus, self.announced = focus, False
        return self.render()

    def closed(self, survey: Survey, why: str) -> protocol.MountEffect:
        """The survey's own page, for a survey that asks no one now (``why``: "closed" or
        "not_open"): says so, in the card of the survey, with the focus (the visitor opened it)."""
        self.survey, self.index, self.preview, self.response_id = survey, 0, False, ""
        self.state, self.ahead_id, self.focus, self.closed_why = "closed", None, True, why
        return self.render()

    def start(self) -> protocol.MountEffect | None:
        """The welcome step's start button: on to the first question."""
        if self.state != "welcome":
            return None
        self.state = "question"
        return self.render()

    def question(self) -> Question | None:
        if self.state != "question" or self.survey is None:
            return None
        return self.survey.questions[self.index]

    def answered(self, following: int | None = None) -> protocol.MountEffect:
        """Move past the current question: to ``following`` (skip logic; default the next
        one), or the thank-you step."""
        assert self.state == "question" and self.survey is not None
        self.index = self.index + 1 if following is None else following
        if self.index >= len(self.survey.questions):
            self.state = "thanks"
        return self.render()

    def render(self, error: str = "") -> protocol.MountEffect:
        survey = self.survey
        assert survey is not None and self.busy
        if self.state == "thanks":
            html = render.thank_you(survey, preview=self.preview, language=self.language)
        elif self.state == "closed":
            html = render.closed(survey, self.closed_why, language=self.language)
        elif self.state == "welcome":
            html = render.welcome(survey, preview=self.preview, language=self.language)
        else:
            html = render.question(survey, self.index, preview=self.preview, error=error, seed=self.seed,
                                   language=self.language)
        position = self.embedded or survey.appearance.position
        where = placement.placement(position, survey.appearance.inline_target)
        language = self.language or survey.language
        focus, announce = self.focus, ""
        if not self.announced and not focus:
            announce = self.announcement(survey, language)
        # Whatever is drawn next follows the visitor's own action in the widget.
        self.focus, self.announced = True, True
        return protocol.mount(html, survey.id, position, where, font_family(survey.appearance.font, self.host_font),
                              focus=focus, announce=announce, language=language)

    def announcement(self, survey: Survey, language: str) -> str:
        """What a screen reader says when the survey appears on its own: the words of the
        step on screen (the intro and the question, or the welcome text), as plain text."""
        words = locale.words(survey, language)
        if self.state == "welcome":
            return plain_text(words.welcome_text)[:500]
        if self.state != "question":
            return ""
        prompt = locale.question_text(survey, survey.questions[self.index], language)["prompt"]
        intro = words.intro if self.index == 0 else ""
        return " ".join(t for t in (intro, prompt) if t)[:500]

    def clear(self) -> Survey | None:
        """Nothing on screen any more; returns the survey that was."""
        survey = self.survey if self.busy else None
        self.state, self.ahead_id, self.survey, self.index, self.preview = "empty", None, None, 0, False
        return survey


def first_announcement(survey: Survey) -> str:
    """What the live region says of ``survey``'s first step, shown on its own (shown ahead)."""
    screen = Screen()
    screen.state = "welcome" if survey.welcome else "question"
    return screen.announcement(survey, survey.language)


def plain_text(text: str) -> str:
    """Survey text (runtime/markup.py's **bold**, *italic* and [links](…)) as a screen reader
    says it: the words alone (the live region takes text, never markup)."""
    for form in (markup.LINK, markup.BOLD, markup.ITALIC):
        text = form.sub(r"\1", text)
    return " ".join(text.split())


def font_family(setting: str, host_font: str) -> str:
    """The widget's font-family: the host page's, the system's (""), or the one named."""
    if setting == "inherit":
        return host_font[:200] if all(c not in host_font for c in "<>{};") else ""
    return "" if setting == "system" else setting
