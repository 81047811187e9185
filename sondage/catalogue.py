"""The surveys a collector serves, read from a built bundle: answers are checked against them.

A record for a site or survey this collector does not serve, for a question its survey does
not have, or with a value outside the question's scale or choices is refused with the field
that is wrong (nothing of it is stored). An extension's question type is checked by the
extension in the visitor's browser; here only that an answer is there. A collector started without a bundle knows no
surveys and checks records against the record format only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from runtime.answers import OTHER, AnswerError, parse_answer
from runtime.extensions import REGISTRY
from runtime.records import is_view
from runtime.survey_format import Question, SiteData, Survey, load_site_data


class BundleError(ValueError):
    """A bundle whose survey data cannot be read; the message names the file."""


@dataclass
class Catalogue:
    sites: dict[str, SiteData] = field(default_factory=dict)
    bases: set[str] = field(default_factory=set)     # the URLs the bundle was built for (--base-url)

    @classmethod
    def from_bundle(cls, bundle: Path) -> Catalogue:
        """Every site of a built bundle (its manifests and the survey data they name)."""
        sites: dict[str, SiteData] = {}
        bases: set[str] = set()
        for manifest in sorted((bundle / "manifests").glob("*.json")):
            try:
                data = json.loads(manifest.read_text())
                surveys = bundle / str(data["surveys"])
                site = load_site_data(json.loads(surveys.read_text()))
            except (OSError, ValueError, KeyError, TypeError) as e:   # FormatError is a ValueError
                raise BundleError(f"{manifest}: {e}") from None
            sites[site.site] = site
            if isinstance(data.get("base"), str) and data["base"]:
                bases.add(data["base"])
        return cls(sites, bases)

    def bundle_origins(self) -> set[str]:
        """The origins of the URLs the bundle was built for: its own pages (the survey frame,
        each survey's own page) post answers from there."""
        out = set()
        for base in self.bases:
            parts = urlsplit(base)
            if parts.scheme in ("http", "https") and parts.netloc:
                out.add(f"{parts.scheme}://{parts.netloc}")
        return out

    def origins(self) -> dict[str, set[str]]:
        """The page origins each site takes answers from (sites.yaml `origins`)."""
        return {key: {o.rstrip("/") for o in site.settings.origins}
                for key, site in self.sites.items() if site.settings.origins}

    def problem(self, record: dict[str, Any]) -> str | None:
        """What is wrong with a (well-formed) record for these surveys: ``field: reason``."""
        site = self.sites.get(record["site"])
        if site is None:
            return f"site: this collector serves no site {record['site']!r}"
        survey = next((s for s in site.surveys if s.id == record["survey_id"]), None)
        if survey is None:
            return f"survey_id: site {record['site']!r} has no survey {record['survey_id']!r}"
        if is_view(record):
            return None
        question = survey.question(record["question_id"])
        if question is None:
            return (f"question_id: survey {survey.id!r} has no question {record['question_id']!r} "
                    f"(known: {', '.join(q.id for q in survey.questions)})")
        return _value_problem(survey, question, record)


def _value_problem(survey: Survey, question: Question, record: dict[str, Any]) -> str | None:
    kind = question.type
    if kind not in REGISTRY.question_types:
        # An extension's type: its parse() ran in the visitor's Pyodide (the collector does not
        # load extensions); the record's own format is checked, and an answer must be there.
        if all(record.get(f) is None for f in ("response_int", "response_string", "response_array")):
            return f"response: question {question.id!r} ({kind}) has no answer"
        return None
    if kind in ("nps", "rating", "csat"):
        raw: Any = record.get("response_int")
        if raw is None or isinstance(raw, bool):
            return f"response_int: question {question.id!r} ({kind}) takes a whole number"
        where = "response_int"
    elif kind == "multiple_choice":
        raw = record.get("response_array")
        if raw is None:
            return f"response_array: question {question.id!r} (multiple_choice) takes a list of its choices"
        where = "response_array"
    else:
        raw = record.get("response_string")
        if raw is None:
            return f"response_string: question {question.id!r} ({kind}) takes text"
        where = "response_string"
        if kind in ("single_choice", "dropdown") and question.other and raw.startswith(f"{OTHER}: "):
            return None if raw[len(OTHER) + 2:].strip() else f"{where}: 'Other' without its text"
    try:
        parse_answer(question, raw)
    except AnswerError as e:
        return f"{where}: {raw!r} does not answer question {question.id!r} ({kind}): {e.say('en')}"
    return None
