"""The words a visitor reads: the survey's (its own language or a translation) and the
widget's (runtime/strings.py), for the language the visitor's `language` trait or their
browser asks for, else the survey's own."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import strings
from .survey_format import Question, Survey


def pick_language(survey: Survey, wanted: str) -> str:
    wanted = (wanted or "").lower()
    return wanted if wanted == survey.language or wanted in survey.translations else survey.language


@dataclass
class Words:
    language: str
    rtl: bool
    widget: dict[str, str]
    intro: str
    thank_you: str
    welcome_text: str
    welcome_button: str

    def say(self, key: str, **values: Any) -> str:
        return self.widget[key].format(**values)


def words(survey: Survey, language: str) -> Words:
    tr = survey.translations.get(language)
    widget = strings.words(language)
    return Words(
        language=language, rtl=language in strings.RTL, widget=widget,
        intro=(tr.intro if tr and tr.intro else survey.intro),
        thank_you=(tr.thank_you if tr and tr.thank_you else survey.thank_you),
        welcome_text=(tr.welcome_text if tr and tr.welcome_text else survey.welcome.text if survey.welcome else ""),
        welcome_button=(tr.welcome_button if tr and tr.welcome_button else
                        survey.welcome.button if survey.welcome and (not tr or survey.welcome.button != "Start")
                        else widget["start"]))


def question_text(survey: Survey, question: Question, language: str) -> dict[str, Any]:
    """The question's words: prompt, (value, label) of each choice, placeholder, end labels."""
    tr = survey.translations.get(language)
    text = tr.questions.get(question.id) if tr else None
    labels = dict(zip(question.choices, text.choices, strict=True)) if text and text.choices else {}
    return {"prompt": text.prompt if text else question.prompt, "labels_of": labels,
            "placeholder": text.placeholder if text and text.placeholder else question.placeholder,
            "ends": (text.labels if text and text.labels else question.labels)}
