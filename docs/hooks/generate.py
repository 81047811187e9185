"""Pages of the documentation that are generated at build time, never copied by hand.

- ``reference/survey-format.md``: every field of the survey format (survey files and
  ``sites.yaml``), its type, default, limits and description, read from the one definition
  in ``runtime/survey_format.py`` (the dataclasses and their ``spec(...)``);
- ``reference/survey.schema.json``: the JSON Schema every bundle publishes, from the same;
- ``reference/cli.md``: every ``sondage`` command and option, from the CLI's own argparse.

``mkdocs.yml`` names this file under ``hooks``; ``tests/unit/test_docs.py`` calls the page
functions too.
"""

from __future__ import annotations

import argparse
import dataclasses
import html
import json
import re
import types
import typing
from typing import Any, Literal, Union, get_args, get_origin

from runtime import survey_format
from runtime.survey_format import SiteData, SiteSettings, Survey, survey_json_schema
from sondage.cli import parser as cli_parser

SURVEY_FORMAT_PAGE = "reference/survey-format.md"
SCHEMA_FILE = "reference/survey.schema.json"
CLI_PAGE = "reference/cli.md"

_UNIONS = (Union, types.UnionType)
_MISSING = dataclasses.MISSING


def _text(description: str) -> str:
    """A description as Markdown: its `code` stays code, everything else is literal text."""
    parts = description.split("`")
    out = []
    for i, part in enumerate(parts):
        if i % 2:
            out.append(f"`{part}`")
        else:
            part = html.escape(part, quote=False)
            out.append(re.sub(r"([\\*_\[\]|])", r"\\\1", part))
    return "".join(out).replace("\n", " ")


def _anchor(cls: type) -> str:
    return cls.__name__.lower()


def _type(tp: Any) -> str:
    origin = get_origin(tp)
    if origin in _UNIONS:
        args = [a for a in get_args(tp) if a is not type(None)]
        words = [_type(a) for a in args]
        if len(args) < len(get_args(tp)):
            words.append("null")
        return " or ".join(words)
    if origin is Literal:
        return "one of " + ", ".join(f"`{v}`" for v in get_args(tp))
    if origin is list:
        return f"list of {_type(get_args(tp)[0])}"
    if origin is dict:
        return f"mapping of name to {_type(get_args(tp)[1])}"
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return f"[{tp.__name__}](#{_anchor(tp)})"
    return {str: "text", int: "whole number", float: "number", bool: "`true` or `false`"}[tp]


def _default(f: dataclasses.Field[Any]) -> str:
    if f.default is _MISSING and f.default_factory is _MISSING:
        return "**required**"
    factory = f.default_factory
    value = f.default if f.default is not _MISSING else factory() if callable(factory) else None
    if dataclasses.is_dataclass(value):
        return "its defaults"
    if value is None:
        return "unset"
    return f"`{json.dumps(survey_format.dump(value), ensure_ascii=False)}`"


def _limits(meta: Any) -> str:
    words = []
    lo, hi = meta.get("min_len"), meta.get("max_len")
    if lo is not None and hi is not None:
        words.append(f"{lo}–{hi} characters")
    elif hi is not None:
        words.append(f"at most {hi} characters")
    elif lo is not None:
        words.append(f"at least {lo} character{'s' if lo > 1 else ''}")
    lo, hi = meta.get("minimum"), meta.get("maximum")
    if lo is not None and hi is not None:
        words.append(f"{lo:g} to {hi:g}")
    elif lo is not None:
        words.append(f"at least {lo:g}")
    elif hi is not None:
        words.append(f"at most {hi:g}")
    if meta.get("max_items") is not None:
        words.append(f"at most {meta['max_items']} items")
    if meta.get("pattern") is not None:
        words.append(f"matches `{meta['pattern']}`")
    return "; ".join(words).replace("|", "\\|")


def _section(cls: type, everything: list[type]) -> list[str]:
    hints = typing.get_type_hints(cls)
    lines = [f"### {cls.__name__} {{#{_anchor(cls)}}}", ""]
    if cls.__doc__ and not cls.__doc__.startswith(f"{cls.__name__}("):
        lines += [_text(" ".join(cls.__doc__.split())), ""]
    used = _uses(cls, everything)
    if used:
        lines += [used, ""]
    lines += ["| field | type | default | limits | description |", "|---|---|---|---|---|"]
    for f in dataclasses.fields(cls):
        description = _text(f.metadata.get("description", "")) if f.metadata else ""
        limits = _limits(f.metadata) if f.metadata else ""
        lines.append(f"| `{f.name}` | {_type(hints[f.name])} | {_default(f)} | {limits} | {description} |")
    return lines + [""]


def _classes(root: type) -> list[type]:
    """``root`` and every schema class it contains, in the order a reader meets them."""
    order = [root]
    for cls in order:
        for tp in typing.get_type_hints(cls).values():
            stack = [tp]
            while stack:
                t = stack.pop()
                if isinstance(t, type) and dataclasses.is_dataclass(t):
                    if t not in order:
                        order.append(t)
                else:
                    stack.extend(reversed(get_args(t)))
    return order


def _contains(tp: Any, cls: type) -> bool:
    return tp is cls or any(_contains(a, cls) for a in get_args(tp))


def _uses(cls: type, classes: list[type]) -> str:
    """Where ``cls`` appears: the fields of other classes whose type holds it."""
    users = [f"[{owner.__name__}](#{_anchor(owner)})`.{name}`"
             for owner in classes for name, tp in typing.get_type_hints(owner).items() if _contains(tp, cls)]
    return "Used in " + ", ".join(users) + "." if users else ""


def survey_format_page() -> str:
    """The survey format reference, as Markdown, from ``runtime/survey_format.py``."""
    parts = [
        "# Survey format reference",
        "",
        "<!-- Generated at docs build time by docs/hooks/generate.py from runtime/survey_format.py: "
        "do not edit. -->",
        "",
        "This page is generated from the format's one definition, `runtime/survey_format.py`, when the "
        "documentation is built: `sondage build` and `sondage check` validate files with the same classes, "
        "the runtime reads the built data with them, and every bundle publishes them as JSON Schema "
        "(`survey.schema.json`, also [here](survey.schema.json)). Unknown fields are errors, and a bad file "
        "fails the build naming the file, the field and the problem.",
        "",
        "Read each table as: *field* (its YAML key), *type*, *default* (**required** when it has none), "
        "*limits* the build checks, and what it means. Rules that tie fields together (a `rating`'s "
        "`style`, an `event` trigger's `event`, `every_days` with `every_n_days`, translations of every "
        "question) are checked too, and their messages name the field.",
        "",
        "See [the site owner's guide](../guides/site-owner.md) for a whole survey file with comments.",
        "",
    ]
    everything = _all_classes()
    seen: set[type] = set()
    for title, root, intro in (
        ("Survey files: `surveys/*.yaml`", Survey,
         "One YAML file per survey, in the folder `sondage build --surveys` reads."),
        ("Site settings: `surveys/sites.yaml`", SiteSettings,
         "A mapping from each site's key (the snippet's `apiKey`, a survey's `site`) to its settings. "
         "Every key must be the site of at least one survey file."),
        ("Built site data (written by the build)", SiteData,
         "What `sondage build` writes for the runtime (`sites/<apiKey>-<hash>.json`): the site's "
         "validated surveys and settings. You never write this by hand."),
    ):
        parts += [f"## {title}", "", intro, ""]
        for cls in _classes(root):
            if cls not in seen:
                seen.add(cls)
                parts += _section(cls, everything)
    return "\n".join(parts) + "\n"


def _all_classes() -> list[type]:
    """Every schema class of the format, each once."""
    out: list[type] = []
    for root in (Survey, SiteSettings, SiteData):
        out += [c for c in _classes(root) if c not in out]
    return out


def _option_row(action: argparse.Action) -> str:
    if action.option_strings:
        flags = ", ".join(f"`{o}`" for o in action.option_strings)
        if action.nargs != 0:
            flags += f" `{action.metavar or action.dest.upper()}`"
    else:
        flags = f"`{action.metavar or action.dest}`"
        if action.choices:
            flags = " \\| ".join(f"`{c}`" for c in action.choices)
    default = ""
    if action.required:
        default = "**required**"
    elif action.option_strings and action.default not in (None, False, [], argparse.SUPPRESS):
        default = f"`{action.default}`"
    if isinstance(action, argparse._AppendAction):
        default = "repeatable"
    help_text = _text(action.help or "")
    if action.option_strings and action.choices:
        help_text = f"one of {', '.join(f'`{c}`' for c in action.choices)}; {help_text}"
    return f"| {flags} | {default} | {help_text} |"


def cli_page() -> str:
    """Every ``sondage`` command and its options, from the CLI's argparse parser."""
    p = cli_parser()
    sub = next(a for a in p._actions if isinstance(a, argparse._SubParsersAction))
    helps = {a.dest: a.help or "" for a in sub._choices_actions}
    parts = [
        "# The `sondage` command",
        "",
        "<!-- Generated at docs build time by docs/hooks/generate.py from sondage/cli.py: do not edit. -->",
        "",
        "This page is generated from the command's own parser, so it lists every command and option "
        "there is. `sondage COMMAND --help` says the same in a terminal. In a checkout, the command is "
        "`.venv/bin/sondage` once `make demo` or `make test` has installed it.",
        "",
    ]
    for name, command in sub.choices.items():
        usage = " ".join(command.format_usage().split())
        usage = usage[len("usage: "):] if usage.startswith("usage: ") else usage
        parts += [f"## `sondage {name}`", "", _text(helps.get(name, "")).capitalize() + ".", "",
                  "```text", usage, "```", "",
                  "| argument | default | what it is |", "|---|---|---|"]
        for action in command._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            parts.append(_option_row(action))
        parts.append("")
    return "\n".join(parts) + "\n"


def schema_json() -> str:
    return json.dumps(survey_json_schema(), indent=2, ensure_ascii=False) + "\n"


def on_files(files: Any, config: Any) -> Any:
    """MkDocs hook: add the generated pages to the site's files."""
    from mkdocs.structure.files import File

    for path, content in ((SURVEY_FORMAT_PAGE, survey_format_page()), (SCHEMA_FILE, schema_json()),
                          (CLI_PAGE, cli_page())):
        files.append(File.generated(config, path, content=content))
    return files
