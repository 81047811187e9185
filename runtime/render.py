"""Rendering the widget: jinja2 templates, autoescaped, so survey text can never inject markup."""

from __future__ import annotations

import pkgutil
from functools import lru_cache

import jinja2

from .survey_format import Survey


def _load(name: str) -> str:
    data = pkgutil.get_data(__name__.rpartition(".")[0], f"templates/{name}")
    if data is None:
        raise jinja2.TemplateNotFound(name)
    return data.decode("utf-8")


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FunctionLoader(lambda name: (_load(name), None, lambda: True)),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


def question(survey: Survey, index: int, *, preview: bool = False, error: str = "") -> str:
    q = survey.questions[index]
    return environment().get_template("widget.html").render(
        survey=survey, q=q, step="question", index=index, total=len(survey.questions),
        preview=preview, error=error)


def thank_you(survey: Survey, *, preview: bool = False) -> str:
    return environment().get_template("widget.html").render(
        survey=survey, q=None, step="thanks", index=len(survey.questions),
        total=len(survey.questions), preview=preview, error="")
