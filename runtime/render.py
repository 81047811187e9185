"""Rendering the widget: jinja2 templates, autoescaped, so survey text can never inject markup."""

from __future__ import annotations

from functools import lru_cache

import jinja2

from .flow import choice_order
from .responses import scale_range
from .survey_format import Survey


def _load(name: str) -> str:
    # The package's own loader reads files next to it, from a folder or from the zip.
    spec = __spec__
    get_data = getattr(spec.loader, "get_data", None)
    if spec.origin is None or get_data is None:
        raise jinja2.TemplateNotFound(name)
    here = spec.origin.rpartition("/")[0]
    try:
        data = get_data(f"{here}/templates/{name}")
    except OSError:
        raise jinja2.TemplateNotFound(name) from None
    return bytes(data).decode("utf-8")


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FunctionLoader(lambda name: (_load(name), None, lambda: True)),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


EMOJI = {2: ["🙁", "🙂"], 3: ["🙁", "😐", "🙂"], 4: ["😞", "🙁", "🙂", "😄"], 5: ["😞", "🙁", "😐", "🙂", "😄"]}
CSAT_WORDS = ["Very unsatisfied", "Unsatisfied", "Neutral", "Satisfied", "Very satisfied"]


def question(survey: Survey, index: int, *, preview: bool = False, error: str = "", seed: str = "") -> str:
    q = survey.questions[index]
    low, high = scale_range(q) if q.type in ("nps", "rating", "csat") else (0, 0)
    return environment().get_template("widget.html").render(
        survey=survey, q=q, step="question", index=index, total=len(survey.questions),
        preview=preview, error=error, choices=choice_order(q, seed), low=low, high=high,
        emoji=EMOJI.get(q.scale, []), csat_words=CSAT_WORDS)


def thank_you(survey: Survey, *, preview: bool = False) -> str:
    return environment().get_template("widget.html").render(
        survey=survey, q=None, step="thanks", index=len(survey.questions),
        total=len(survey.questions), preview=preview, error="")


def warm_up() -> None:
    """Compile the widget template now, not on the first trigger."""
    environment().get_template("widget.html")
