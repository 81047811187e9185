"""The survey format: the one definition of what a survey file may say.

``sondage build`` validates ``surveys/*.yaml`` with these classes, the runtime reads the
built site data with the same classes, and the bundle publishes them as JSON Schema
(``survey.schema.json``). Change the format here and all three follow.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Optional

from .schema import FormatError, dump, json_schema, load, spec

ID_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}"
SITE_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}"
COLOR_PATTERN = r"#[0-9a-fA-F]{6}"
EVENT_PATTERN = r"[^\x00-\x1f]{1,200}"

QuestionType = Literal["nps", "rating", "single_choice", "multiple_choice", "text"]
CHOICE_TYPES = ("single_choice", "multiple_choice")

FORMAT_VERSION = 1


@dataclass
class Question:
    """One question of a survey."""

    id: str = spec("Stable id of the question, unique within the survey.", pattern=ID_PATTERN)
    type: QuestionType = spec(
        "nps: 0-10 scale; rating: 1..scale; single_choice / multiple_choice: from `choices`; "
        "text: free text."
    )
    prompt: str = spec("The question as the visitor reads it.", min_len=1, max_len=500)
    label: Optional[str] = spec(
        "Custom attribute name for integrations; defaults to the prompt.",
        default=None, min_len=1, max_len=200,
    )
    choices: list[str] = spec(
        "Answer options of a choice question.", default_factory=list,
        min_len=1, max_len=200, max_items=20,
    )
    scale: int = spec("Highest value of a rating question.", default=5, minimum=2, maximum=10)
    placeholder: str = spec("Hint shown in an empty text answer.", default="", max_len=200)

    def validate(self, path: str) -> None:
        if self.type in CHOICE_TYPES and len(self.choices) < 2:
            raise FormatError(f"{path}.choices" if path else "choices",
                              f"a {self.type} question needs at least 2 choices")
        if self.type not in CHOICE_TYPES and self.choices:
            raise FormatError(f"{path}.choices" if path else "choices",
                              f"only choice questions take choices, not {self.type}")
        if len(set(self.choices)) != len(self.choices):
            raise FormatError(f"{path}.choices" if path else "choices", "choices must be unique")

    @property
    def attribute_name(self) -> str:
        """The custom attribute name integrations use: the label, else the prompt."""
        return self.label or self.prompt


@dataclass
class Trigger:
    """When the survey may appear."""

    type: Literal["event", "page_view", "manual"] = spec(
        "event: when `Iterate('event', name)` (or Segment track) fires `event`; "
        "page_view: when a page is viewed; manual: only on `Iterate('install', surveyId)`.",
        default="event",
    )
    event: Optional[str] = spec("Event name for an event trigger.", default=None,
                                pattern=EVENT_PATTERN)

    def validate(self, path: str) -> None:
        where = f"{path}.event" if path else "event"
        if self.type == "event" and not self.event:
            raise FormatError(where, "an event trigger needs the event name")
        if self.type != "event" and self.event:
            raise FormatError(where, f"only event triggers take an event name, not {self.type}")


@dataclass
class Appearance:
    """How the widget looks."""

    color: str = spec("Brand color of buttons and highlights.", default="#7457be",
                      pattern=COLOR_PATTERN)
    position: Literal["bottom-right", "bottom-left"] = spec(
        "Corner of the page the widget sits in.", default="bottom-right")


@dataclass
class Survey:
    """A survey: its questions, when it appears and how often."""

    id: str = spec("Stable id of the survey (used by `install(id)` and `iterate_preview`).",
                   pattern=ID_PATTERN)
    site: str = spec("Embed API key of the site this survey runs on.", pattern=SITE_PATTERN)
    name: str = spec("Name shown in exports and integrations.", min_len=1, max_len=200)
    questions: list[Question] = spec("The questions, in order.", max_items=50)
    trigger: Trigger = spec("When the survey may appear.", default_factory=Trigger)
    status: Literal["published", "draft"] = spec(
        "Draft surveys are shown only in preview.", default="published")
    frequency: Literal["once", "always"] = spec(
        "once: at most once per visitor (a dismissal counts); always: every time it triggers.",
        default="once")
    intro: str = spec("Optional line shown above the first question.", default="", max_len=500)
    thank_you: str = spec("Shown after the last answer.", default="Thank you for your feedback!",
                          min_len=1, max_len=500)
    appearance: Appearance = spec("How the widget looks.", default_factory=Appearance)

    def validate(self, path: str) -> None:
        where = f"{path}.questions" if path else "questions"
        if not self.questions:
            raise FormatError(where, "a survey needs at least one question")
        seen: set[str] = set()
        for i, q in enumerate(self.questions):
            if q.id in seen:
                raise FormatError(f"{where}[{i}].id", f"duplicate question id {q.id!r}")
            seen.add(q.id)

    def question(self, question_id: str) -> Question | None:
        for q in self.questions:
            if q.id == question_id:
                return q
        return None


@dataclass
class SiteData:
    """The surveys of one site, as the build writes them for the runtime."""

    format: int = spec("Version of this format.", minimum=FORMAT_VERSION, maximum=FORMAT_VERSION)
    site: str = spec("Embed API key of the site.", pattern=SITE_PATTERN)
    surveys: list[Survey] = spec("The site's surveys.", max_items=500)


def load_survey(data: Any) -> Survey:
    return load(Survey, data)


def load_site_data(data: Any) -> SiteData:
    return load(SiteData, data)


def survey_json_schema() -> dict[str, Any]:
    return json_schema(Survey, title="Sondage survey file")


__all__ = [
    "Appearance", "FormatError", "Question", "SiteData", "Survey", "Trigger",
    "dump", "load_site_data", "load_survey", "survey_json_schema",
]
