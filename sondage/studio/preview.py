"""The editor's live preview: a step of the survey as it is in the form (saved or not), drawn
by the runtime's own renderer (``runtime/render.py``, its templates and ``widget.css``: what a
visitor's Pyodide draws, and what the loader shows ahead of an event) in a page that plays the
survey frame (``data-position`` on its root, the card in ``#root``), in any position, theme and
language. It is rendered here in milliseconds, so the preview follows each edit without
starting Pyodide; the Publish tab's stage then shows the published survey in the full runtime."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from markupsafe import Markup

from runtime import render
from runtime.placement import POSITIONS, THEMES
from runtime.survey_format import Survey

WIDTHS = {"phone": 360, "desktop": 440}


@dataclass
class Choice:
    step: str = "1"          # welcome, 1..n (a question), thanks
    look: str = ""           # position.theme, else the survey's own
    language: str = ""
    width: str = "desktop"

    @classmethod
    def of(cls, get: dict[str, str]) -> Choice:
        width = get.get("width", "desktop")
        return cls(get.get("step", "1") or "1", get.get("look", ""), get.get("language", ""),
                   width if width in WIDTHS else "desktop")


def steps(survey: Survey) -> list[tuple[str, str]]:
    """The steps to pick from: (value, words)."""
    out = [("welcome", "Welcome")] if survey.welcome else []
    out += [(str(i + 1), f"Question {i + 1}: {q.prompt[:40]}") for i, q in enumerate(survey.questions)]
    return [*out, ("thanks", "Thank you")]


def looks() -> list[str]:
    return [f"{p}.{t}" for p in POSITIONS for t in THEMES]


def card(survey: Survey, choice: Choice) -> tuple[str, Markup]:
    """The position and the card's HTML for ``choice``."""
    position, _, theme = choice.look.partition(".")
    if position in POSITIONS and theme in THEMES:
        survey = dataclasses.replace(survey, appearance=dataclasses.replace(
            survey.appearance, position=position, theme=theme,        # type: ignore[arg-type]
            inline_target=survey.appearance.inline_target or "#preview"))
    language = choice.language if choice.language in (survey.language, *survey.translations) else None
    if choice.step == "welcome" and survey.welcome:
        html = render.welcome(survey, preview=True, language=language)
    elif choice.step == "thanks":
        html = render.thank_you(survey, preview=True, language=language)
    else:
        index = int(choice.step) - 1 if choice.step.isdigit() else 0
        html = render.question(survey, min(max(index, 0), len(survey.questions) - 1), preview=True,
                               language=language)
    # The frame sets the card's CSS variables from data-vars (its policy allows no style
    # attribute); this page's policy allows them, so they are written as the style they become.
    html = re.sub(r' data-vars="', ' style="', html)
    return survey.appearance.position, Markup(html)


CSP = ("default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; "
       "frame-ancestors 'self'; base-uri 'none'; form-action 'none'")
