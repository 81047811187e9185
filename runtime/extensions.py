"""Extensions: question types and answer forwarders from Python packages (wheels).

An extension is a pure-Python wheel with an entry point in the group ``sondage.extensions``
naming a function that takes a :class:`Registry`::

    [project.entry-points."sondage.extensions"]
    slider = "sondage_slider:register"

    def register(registry):
        registry.question_type(QuestionType(name="slider", template=..., parse=...))
        registry.forwarder(Forwarder(name="webhook", forward=...))

``sondage build`` installs the wheels a site declares (``extensions`` in sites.yaml) with
micropip inside the pinned Pyodide, calls each ``register`` there, and ships the extension as
a zip of bytecode; the visitor's browser imports it only when a survey shown needs it. The
built-in question types and the vendors' forwarders (``runtime/vendors/``) are registered
through the same two classes.
"""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, get_args

from .survey_format import QuestionType as BuiltinType
from .survey_format import Scalar

if TYPE_CHECKING:
    from .survey_format import ExtensionRef, Question, SiteData, SiteSettings, Survey
    from .vendors.base import SdkCall

GROUP = "sondage.extensions"
NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
Options = dict[str, Scalar]          # a question's or a forwarder's `options` in the survey format


class ExtensionError(ValueError):
    """An extension registered something it may not; the message names it."""


@dataclass(frozen=True)
class RawAnswer:
    """What the visitor's form sent for ``question``: ``raw`` is the ``value`` field (a
    string; a list of strings for a multiple answer), ``other`` the text of an "Other"."""

    question: Question
    raw: Any
    other: Any = None


@dataclass(frozen=True)
class QuestionType:
    """A question type. ``parse(RawAnswer)`` turns what the visitor's form sent into the answer: an int
    (``response_int``), a float or a str (``response_string``) or a list of str
    (``response_array``); it raises :class:`~runtime.answers.AnswerError` (or
    ValueError, with the message the visitor reads) when the answer does not fit.

    ``template``: jinja2 source of the answer's controls, inside the question's form and
    autoescaped, with ``q`` (the question), ``options`` (its ``options``), ``w`` (the words
    of the visitor's language, ``w.say('submit')``) and ``error``. Form fields named ``value``
    are sent; a ``data-action="submit"`` button sends them. None: drawn by the widget itself
    (the built-in types).

    ``check(options)``: what is wrong with a question's ``options`` (the build reports it
    with the file and field), or None.
    """

    name: str
    parse: Callable[[RawAnswer], Any]
    template: str | None = None
    check: Callable[[Options], str | None] | None = None


@dataclass(frozen=True)
class ForwardContext:
    """What a forwarder gets for each answer: the record (Iterate's field names), the
    question, the typed answer, the survey, the site's settings, where the survey runs, the
    visitor's traits and this forwarder's ``options`` from sites.yaml."""

    record: dict[str, Any]
    question: Question
    value: Any
    survey: Survey
    settings: SiteSettings
    channel: str                  # where the survey runs (forwarding.channels())
    traits: dict[str, Any]
    options: Options = field(default_factory=dict)


@dataclass(frozen=True)
class Forwarder:
    """Called with each answer; returns the calls the page's JavaScript makes (``SdkCall``:
    a global of the page, e.g. ``navigator``, then a method chain). It decides, the
    JavaScript only carries out. Preview answers and hosted pages never reach a forwarder."""

    name: str
    forward: Callable[[ForwardContext], list[SdkCall]]


@dataclass
class Registry:
    """Question types and forwarders by name; ``provider`` names who registered each."""

    question_types: dict[str, QuestionType] = field(default_factory=dict)
    forwarders: dict[str, Forwarder] = field(default_factory=dict)
    provider: dict[str, str] = field(default_factory=dict)
    registering: str = "sondage"
    # Loaded in the browser from the bundle: the extensions' names, and each extension
    # question type's template compiled by the build (a function of the environment).
    loaded: set[str] = field(default_factory=set)
    compiled: dict[str, Callable[[Any], dict[str, Any]]] = field(default_factory=dict)

    def question_type(self, kind: QuestionType) -> None:
        self._check(kind.name, "question type", self.question_types)
        if kind.name not in BUILTIN_NAMES and kind.template is None:
            raise ExtensionError(f"question type {kind.name!r}: a template is needed")
        self.question_types[kind.name] = kind
        self.provider[f"type:{kind.name}"] = self.registering

    def forwarder(self, forwarder: Forwarder) -> None:
        self._check(forwarder.name, "forwarder", self.forwarders)
        self.forwarders[forwarder.name] = forwarder
        self.provider[f"forwarder:{forwarder.name}"] = self.registering

    def _check(self, name: Any, what: str, taken: dict[str, Any]) -> None:
        if not isinstance(name, str) or not NAME.fullmatch(name):
            raise ExtensionError(f"{what} name {name!r}: lowercase letters, digits and _ (at most 40)")
        if name in taken:
            key = ("type:" if what == "question type" else "forwarder:") + name
            raise ExtensionError(f"{what} {name!r} is already registered by {self.provider.get(key, 'sondage')}")

    def load(self, name: str, register: Callable[[Registry], Any]) -> None:
        """Run an extension's ``register`` with this registry, its entries credited to ``name``."""
        self.registering = name
        try:
            register(self)
        finally:
            self.registering = "sondage"


BUILTIN_NAMES: tuple[str, ...] = get_args(BuiltinType)
REGISTRY = Registry()       # the runtime's: the built-ins (registered by answers and vendors.registry), then extensions


def uses_extensions(survey: Survey, settings: SiteSettings | None) -> bool:
    """Does showing this survey need an extension (a question type of one, or the site's
    forwarders, which get every answer)? Such a survey is never shown ahead of the runtime."""
    return any(q.type not in BUILTIN_NAMES for q in survey.questions) or bool(settings and settings.forwarders)


def needed(site: SiteData, survey: Survey, registry: Registry | None = None) -> list[ExtensionRef]:
    """The site's extensions this survey needs that are not loaded yet, in the site's order."""
    registry = registry or REGISTRY
    types = {q.type for q in survey.questions if q.type not in BUILTIN_NAMES}
    forwarders = {f.name for f in site.settings.forwarders}
    return [e for e in site.extensions if e.name not in registry.loaded
            and (types & set(e.types) or forwarders & set(e.forwarders))]


def install(ref: ExtensionRef, path: str, registry: Registry | None = None) -> None:
    """Import an extension shipped in the bundle (``path``: its zip of bytecode, or a folder)
    and register it: its entry points' ``register`` run with the registry, and its question
    templates come from the module the build compiled them into. Loading one twice is a no-op."""
    registry = registry or REGISTRY
    if ref.name in registry.loaded:
        return
    if path not in sys.path:
        # After the runtime's own: an extension never shadows it. A new path needs no
        # importlib.invalidate_caches() (which would import importlib.metadata, ~15 KB).
        sys.path.append(path)
    for entry in ref.register:
        module_name, _, attribute = entry.partition(":")
        target: Any = importlib.import_module(module_name.strip())
        for part in attribute.strip().split("."):
            target = getattr(target, part)
        registry.load(ref.name, target)
    templates = importlib.import_module(ref.templates)
    for kind in ref.types:
        compiled = getattr(templates, kind, None)
        if kind not in registry.question_types or compiled is None:
            raise ExtensionError(f"{ref.name} did not provide question type {kind!r} as its build did")
        registry.compiled[kind] = compiled
    registry.loaded.add(ref.name)
