"""Rendering the widget: jinja2 templates, autoescaped, so survey text can never inject markup."""

from __future__ import annotations

from collections.abc import MutableMapping
from functools import lru_cache
from typing import Any

import jinja2
from markupsafe import Markup

from . import locale, markup
from .answers import scale_range
from .extensions import BUILTIN_NAMES, REGISTRY
from .flow import choice_order
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


TEMPLATES = ("widget.html",)


def make_environment(loader: jinja2.BaseLoader | None = None) -> jinja2.Environment:
    """The one environment configuration: the build compiles the templates with it, and the
    runtime renders with it."""
    return jinja2.Environment(
        loader=loader, autoescape=True, trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)


def compiled_module_name(name: str) -> str:
    return "_tmpl_" + name.replace(".", "_")


def compiled_source(env: jinja2.Environment, source: str, name: str, filename: str,
                    function: str = "namespace") -> str:
    """A template compiled to Python by jinja2, as the source of a function taking the
    environment (jinja2 runs the code with `environment` in its namespace) and returning the
    namespace :class:`_Precompiled` loads. Only the build calls it (the browser has no compiler)."""
    code = env.compile(source, name, filename, raw=True)
    body = "".join(f"    {line}\n" if line.strip() else "\n" for line in code.splitlines())
    return f"def {function}(environment):\n{body}    return dict(locals(), __file__={filename!r})\n"


class _Precompiled(jinja2.BaseLoader):
    """Templates the build compiled to Python (``_compiled_templates``)."""

    def __init__(self, compiled: Any) -> None:
        self.compiled = compiled

    def load(self, environment: jinja2.Environment, name: str,
             globals: MutableMapping[str, Any] | None = None) -> jinja2.Template:
        module = getattr(self.compiled, compiled_module_name(name), None)
        if module is None:
            raise jinja2.TemplateNotFound(name)
        return environment.template_class.from_module_dict(
            environment, module.namespace(environment), environment.make_globals(globals))


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """In the bundle the templates come compiled to Python by the build (the visitor's
    browser then needs no jinja2 compiler, parser or lexer); elsewhere they are compiled
    here from the files."""
    try:
        from . import _compiled_templates as compiled  # type: ignore[attr-defined]
    except ImportError:
        return make_environment(jinja2.FunctionLoader(lambda name: (_load(name), None, lambda: True)))
    return make_environment(_Precompiled(compiled))


EMOJI = {2: ["🙁", "🙂"], 3: ["🙁", "😐", "🙂"], 4: ["😞", "🙁", "🙂", "😄"], 5: ["😞", "🙁", "😐", "🙂", "😄"]}


def _render(survey: Survey, language: str | None, w: locale.Words | None = None, **values: Any) -> str:
    w = w or locale.words(survey, language or survey.language)
    return environment().get_template("widget.html").render(survey=survey, w=w, on_color=on_color, **values)


@lru_cache(maxsize=64)
def extension_template(type_name: str) -> jinja2.Template:
    """An extension question type's template: compiled by the build (in the browser, which
    has no jinja2 compiler), or from its source (under CPython)."""
    env = environment()
    compiled = REGISTRY.compiled.get(type_name)
    if compiled is not None:
        return env.template_class.from_module_dict(env, compiled(env), env.make_globals(None))
    kind = REGISTRY.question_types.get(type_name)
    if kind is None or kind.template is None:
        raise jinja2.TemplateNotFound(f"question type {type_name!r}: no extension loaded provides it")
    return env.from_string(kind.template)


def question(survey: Survey, index: int, *, preview: bool = False, error: str = "", seed: str = "",
             language: str | None = None) -> str:
    q = survey.questions[index]
    low, high = scale_range(q) if q.type in ("nps", "rating", "csat") else (0, 0)
    w = locale.words(survey, language or survey.language)
    # An extension's controls, rendered by its own template (autoescaped like the widget's).
    controls = None if q.type in BUILTIN_NAMES else Markup(extension_template(q.type).render(
        q=q, options=q.options, w=w, error=error))
    return _render(survey, language, w, q=q, qt=locale.question_text(survey, q, language or survey.language),
                   step="question", index=index, total=len(survey.questions), preview=preview, error=error,
                   choices=choice_order(q, seed), low=low, high=high, emoji=EMOJI.get(q.scale, []),
                   controls=controls)


def welcome(survey: Survey, *, preview: bool = False, language: str | None = None) -> str:
    assert survey.welcome is not None
    w = locale.words(survey, language or survey.language)
    return _render(survey, language, w, q=None, step="welcome", index=0, total=len(survey.questions), preview=preview,
                   error="", text=markup.render(w.welcome_text), controls=None)


def first_step(survey: Survey) -> str:
    """What a survey shows first (the welcome step, or question 1): what is shown ahead."""
    return welcome(survey) if survey.welcome else question(survey, 0)


def thank_you(survey: Survey, *, preview: bool = False, language: str | None = None) -> str:
    return _render(survey, language, q=None, step="thanks", index=len(survey.questions),
                   total=len(survey.questions), preview=preview, error="", controls=None)


def closed(survey: Survey, why: str, *, language: str | None = None) -> str:
    """What the survey's own page shows when the survey no longer (or not yet) asks anyone:
    ``why`` is "closed" or "not_open", in the widget's words."""
    return _render(survey, language, q=None, step="closed", why=why, index=0, total=len(survey.questions),
                   preview=False, error="", controls=None)


def warm_up() -> None:
    """Compile the widget template now, not on the first trigger."""
    environment().get_template("widget.html")


def _luminance(hex_color: str) -> float:
    channels = [int(hex_color[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def on_color(hex_color: str) -> str:
    """Text on a brand-coloured button: white or near-black, whichever reads better (WCAG)."""
    light = _luminance(hex_color)
    white = 1.05 / (light + 0.05)
    dark = (light + 0.05) / (_luminance("#1f2330") + 0.05)
    return "#ffffff" if white >= dark else "#1f2330"
