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
built-in question types and the Segment, Braze and CleverTap forwarders are registered
through the same two classes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, get_args

from .survey_format import QuestionType as BuiltinType
from .survey_format import Scalar

if TYPE_CHECKING:
    from .forwarding import Channel, SdkCall
    from .survey_format import Question, SiteSettings, Survey

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
    (``response_array``); it raises :class:`~sondage.runtime.responses.AnswerError` (or
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
    channel: Channel
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
REGISTRY = Registry()       # the runtime's: the built-ins (registered by responses and forwarding), then extensions
