"""A site's results, computed by SQL in the collector's database (SQLite or PostgreSQL).

Per survey: views (showings displayed), responses (showings with an answer), completed
responses and the completion rate; per question: the distribution of a scale (with NPS's
promoters, passives and detractors, or the average of a CSAT or rating), choice counts,
the latest text answers; and answers per day. Each count has its share; NPS, CSAT and the
average rating have a trend (per day over a month or less, else per week) and, when the
filter has dates, the figures of the period of the same length just before. One
:class:`Filter` (dates, page, a trait, preview or live) selects the rows of every figure and
of the CSV downloads, so they always agree.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlencode

import sqlalchemy as sa

from runtime.answers import NO, OTHER, YES
from runtime.survey_format import CHOICE_TYPES, SCALE_TYPES, Survey

from ..catalogue import Catalogue
from .database import Lower, Store, answer_traits, response_choices, responses, views

MODES = ("live", "preview", "all")
LATEST = 10                                    # free-text answers shown per question
TRAIT = re.compile(r"([^=\"\\\x00-\x1f]{1,100})=(.{0,1000})", re.S)
SINGLE_CHOICE_TYPES = ("single_choice", "dropdown", "yes_no")


class FilterError(ValueError):
    """A filter parameter that cannot be used; the message names it."""


@dataclass(frozen=True)
class Filter:
    site: str
    survey: str | None = None
    since: str | None = None                  # YYYY-MM-DD, inclusive (UTC days)
    until: str | None = None                  # YYYY-MM-DD, inclusive
    url: str | None = None                    # the page's URL contains this, ignoring case
    trait: tuple[str, str] | None = None      # the visitor's trait `key` is `value`
    mode: Literal["live", "preview", "all"] = "live"

    @classmethod
    def from_query(cls, query: Mapping[str, str], default_site: str | None = None) -> Filter:
        """From a page's query parameters; FilterError names the parameter that is wrong."""
        site = query.get("site") or default_site
        if not site:
            raise FilterError("site: which site's results (?site=<embed API key>)")
        days = {}
        for name in ("since", "until"):
            text = (query.get(name) or "").strip()
            if text:
                try:
                    days[name] = _dt.date.fromisoformat(text).isoformat()
                except ValueError:
                    raise FilterError(f"{name}: a date as YYYY-MM-DD, got {text!r}") from None
        if days.get("since") and days.get("until") and days["since"] > days["until"]:
            raise FilterError(f"since: {days['since']} is after until ({days['until']})")
        trait = None
        text = (query.get("trait") or "").strip()
        if text:
            match = TRAIT.fullmatch(text)
            if not match:
                raise FilterError(f"trait: key=value (e.g. plan=pro), got {text[:60]!r}")
            trait = (match.group(1).strip(), match.group(2).strip())
        mode = query.get("mode") or "live"
        if mode not in MODES:
            raise FilterError(f"mode: one of {', '.join(MODES)}, got {mode!r}")
        url = (query.get("url") or "").strip()[:2000]
        return cls(site=site, survey=query.get("survey") or None, since=days.get("since"),
                   until=days.get("until"), url=url or None, trait=trait, mode=mode)  # type: ignore[arg-type]

    def params(self) -> dict[str, str]:
        """The filter as query parameters (links to the CSV and back to the page)."""
        out = {"site": self.site, "mode": self.mode}
        for name in ("survey", "since", "until", "url"):
            value = getattr(self, name)
            if value:
                out[name] = value
        if self.trait:
            out["trait"] = f"{self.trait[0]}={self.trait[1]}"
        return out

    def query_string(self) -> str:
        return urlencode(self.params())


def _conditions(f: Filter, table: sa.Table) -> list[sa.ColumnElement[bool]]:
    """The filter's site, survey, days, page and preview, on answers or views."""
    where: list[sa.ColumnElement[bool]] = [table.c.site == f.site]
    if f.survey:
        where.append(table.c.survey_id == f.survey)
    if f.since:
        where.append(table.c.day >= f.since)
    if f.until:
        where.append(table.c.day <= f.until)
    if f.url:       # ignoring case as the page rules' contains does, on both databases
        where.append(Lower(table.c.url).contains(f.url.lower(), autoescape=True))
    if f.mode != "all":
        where.append(table.c.preview == (1 if f.mode == "preview" else 0))
    return where


def answer_conditions(f: Filter) -> list[sa.ColumnElement[bool]]:
    where = _conditions(f, responses)
    if f.trait:
        key, value = f.trait
        where.append(responses.c.id.in_(sa.select(answer_traits.c.answer_id).where(
            answer_traits.c.key == key, answer_traits.c.value == value)))
    return where


def view_conditions(f: Filter) -> list[sa.ColumnElement[bool]] | None:
    """None with a trait filter: views carry nothing of the visitor, traits included."""
    return None if f.trait else _conditions(f, views)


@dataclass
class QuestionResult:
    id: str
    prompt: str
    type: str                                   # the question's type; "unknown" without the survey
    answers: int = 0
    distribution: list[tuple[int, int]] = field(default_factory=list)   # (value, count), every value of the scale
    average: float | None = None
    nps: dict[str, int] | None = None           # promoters, passives, detractors, score
    choices: list[tuple[str, int]] = field(default_factory=list)        # (choice, count), most picked first
    latest: list[tuple[str, str]] = field(default_factory=list)         # (answered_at, text), newest first
    # The question's figure (NPS score, CSAT %, average rating) per period: (first day, figure, answers).
    trend: list[tuple[str, float, int]] = field(default_factory=list)

    def share(self, count: int) -> float:
        """A count as a part of this question's answers (a multiple-choice's shares add up to more)."""
        return count / self.answers if self.answers else 0.0

    @property
    def figure(self) -> float | None:
        """The one figure a site owner follows: NPS's score, CSAT's % satisfied (4 or 5), a rating's average."""
        return figure(self.type, dict(self.distribution))


@dataclass
class SurveyResult:
    id: str
    name: str
    views: int | None                           # None: not known under this filter (a trait)
    responses: int
    completed: int
    answers: int
    questions: list[QuestionResult] = field(default_factory=list)

    @property
    def completion_rate(self) -> float | None:
        return self.completed / self.views if self.views else None


@dataclass
class Results:
    filter: Filter
    surveys: list[SurveyResult]
    per_day: list[tuple[str, int | None, int]]     # (day, views, responses)
    period: Literal["day", "week"] = "day"         # the trends' step
    previous: Results | None = None                # the period of the same length just before (dated filters)

    def earlier(self, survey_id: str, question_id: str | None = None) -> SurveyResult | QuestionResult | None:
        """The same survey (or question) in the previous period, if there is one."""
        if self.previous is None:
            return None
        s = next((x for x in self.previous.surveys if x.id == survey_id), None)
        if s is None or question_id is None:
            return s
        return next((q for q in s.questions if q.id == question_id), None)


TREND_TYPES = SCALE_TYPES      # nps, csat, rating: a figure over time


def figure(kind: str, counted: Mapping[int, int]) -> float | None:
    """NPS's score (-100..100), CSAT's % satisfied (4 or 5 of 5), or a rating's average."""
    total = sum(counted.values())
    if not total:
        return None
    if kind == "nps":
        promoters = sum(n for v, n in counted.items() if v >= 9)
        return 100 * (promoters - sum(n for v, n in counted.items() if v <= 6)) / total
    if kind == "csat":
        return 100 * sum(n for v, n in counted.items() if v >= 4) / total
    return sum(v * n for v, n in counted.items()) / total


def period_start(day: str, period: str) -> str | None:
    """The trend's period a stored day falls in: the day itself, or its ISO week's Monday."""
    try:
        date = _dt.date.fromisoformat(day)
    except ValueError:
        return None
    return day if period == "day" else (date - _dt.timedelta(days=date.weekday())).isoformat()


def trend_period(f: Filter, days: list[str]) -> Literal["day", "week"]:
    """Per day over a month or less (the filter's dates, else the answers'), else per week."""
    first, last = f.since or (min(days) if days else None), f.until or (max(days) if days else None)
    try:
        span = (_dt.date.fromisoformat(last) - _dt.date.fromisoformat(first)).days + 1 if first and last else 0
    except ValueError:
        span = 0
    return "day" if span <= 31 else "week"


def previous_filter(f: Filter, today: _dt.date | None = None) -> Filter | None:
    """The period of the same length just before a dated filter's (``until`` unset: today)."""
    if not f.since:
        return None
    since = _dt.date.fromisoformat(f.since)
    until = _dt.date.fromisoformat(f.until) if f.until else (today or _dt.datetime.now(_dt.UTC).date())
    length = (until - since).days + 1
    if length < 1:
        return None
    before = since - _dt.timedelta(days=1)
    return Filter(site=f.site, survey=f.survey, since=(before - _dt.timedelta(days=length - 1)).isoformat(),
                  until=before.isoformat(), url=f.url, trait=f.trait, mode=f.mode)


def compute(store: Store, f: Filter, catalogue: Catalogue | None = None, *, compare: bool = True) -> Results:
    """Every figure of the dashboard for ``f`` (``compare=False``: the period before's, for the
    comparison: counts and scales only, no choices, no texts, no period before of its own).

    A response (a showing with an answer) counts on the day, page and traits of its first
    stored answer, and is completed on those of the answer that completed it (the `opens` and
    `closes` flags, kept at insert time): sums over narrow index entries, no distinct counts.
    """
    answered = answer_conditions(f)
    seen = view_conditions(f)
    site = catalogue.sites.get(f.site) if catalogue else None
    known = [s for s in (site.surveys if site else []) if not f.survey or s.id == f.survey]
    types = {(s.id, q.id): q.type for s in known for q in s.questions}
    c = responses.c
    with store.engine.connect() as db:
        shown = [] if seen is None else db.execute(
            sa.select(views.c.survey_id, views.c.day, sa.func.count()).where(*seen)
            .group_by(views.c.survey_id, views.c.day)).all()
        # One pass over the answers: per question, value (null but for scales) and day.
        facts = db.execute(
            sa.select(c.survey_id, c.question_id, c.response_int, c.day, sa.func.count(),
                      sa.func.sum(c.opens), sa.func.sum(c.closes))
            .where(*answered).group_by(c.survey_id, c.question_id, c.response_int, c.day)).all()
        # The period before needs only the counts and the scales: no choices, no texts.
        multi = [(s, q) for (s, q), t in types.items() if t == "multiple_choice"] if compare else []
        picked = db.execute(
            sa.select(c.survey_id, c.question_id, response_choices.c.choice, sa.func.count())
            .select_from(response_choices.join(responses, c.id == response_choices.c.answer_id))
            .where(*answered, _questions(multi) if site else sa.true())
            .group_by(c.survey_id, c.question_id, response_choices.c.choice)).all() if multi or (compare and not site) \
            else []
        single = [(s, q) for (s, q), t in types.items() if t in SINGLE_CHOICE_TYPES] if compare else []
        chosen = db.execute(
            sa.select(c.survey_id, c.question_id, c.choice, sa.func.count())
            .where(*answered, _questions(single), c.choice.is_not(None))
            .group_by(c.survey_id, c.question_id, c.choice)).all() if single else []
        texts = [(s, q) for (s, q), t in types.items() if t not in (*SCALE_TYPES, *CHOICE_TYPES, "yes_no")]
        if not site:      # no survey definitions: every question without a number may be text
            texts = sorted({(s, q) for (s, q, v, *_) in facts if v is None})
        if not compare:
            texts = []
        latest: list[Any] = []
        for survey_id, question_id in texts:    # newest first, read backwards along the index
            latest += db.execute(
                sa.select(c.survey_id, c.question_id, c.answered_at, c.response_text)
                .where(*answered, c.survey_id == survey_id, c.question_id == question_id,
                       c.response_text.is_not(None))
                .order_by(c.answered_at.desc(), c.id.desc()).limit(LATEST)).all()
    view_counts: dict[str, int] = {}
    views_per_day: dict[str, int] = {}
    for survey_id, day, count in shown:
        view_counts[survey_id] = view_counts.get(survey_id, 0) + count
        views_per_day[day] = views_per_day.get(day, 0) + count
    totals: dict[str, list[int]] = {}
    per_question: dict[tuple[str, str], int] = {}
    by_value: dict[tuple[str, str, int], int] = {}
    answers_per_day: dict[str, int] = {}
    for survey_id, question_id, value, day, count, opened, closed in facts:
        total = totals.setdefault(survey_id, [0, 0, 0])
        total[0] += count
        total[1] += int(opened)
        total[2] += int(closed)
        per_question[(survey_id, question_id)] = per_question.get((survey_id, question_id), 0) + count
        if value is not None:
            by_value[(survey_id, question_id, value)] = by_value.get((survey_id, question_id, value), 0) + count
        answers_per_day[day] = answers_per_day.get(day, 0) + int(opened)
    by_question: dict[tuple[str, str], QuestionResult] = {}
    surveys: list[SurveyResult] = []
    ids = [s.id for s in known] + sorted((set(totals) | set(view_counts)) - {s.id for s in known})
    named = {s.id: s for s in known}
    for survey_id in ids:
        count, responded, completed = totals.get(survey_id, (0, 0, 0))
        result = SurveyResult(id=survey_id, name=named[survey_id].name if survey_id in named else survey_id,
                              views=None if seen is None else int(view_counts.get(survey_id, 0)),
                              responses=int(responded), completed=int(completed), answers=int(count))
        if survey_id in named:
            for asked in named[survey_id].questions:
                by_question[(survey_id, asked.id)] = QuestionResult(asked.id, asked.prompt, asked.type)
                result.questions.append(by_question[(survey_id, asked.id)])
        surveys.append(result)
    results = {s.id: s for s in surveys}

    def question(survey_id: str, question_id: str) -> QuestionResult | None:
        key = (survey_id, question_id)
        if key not in by_question and survey_id in results and survey_id not in named:
            by_question[key] = QuestionResult(question_id, question_id, "unknown")
            results[survey_id].questions.append(by_question[key])
        return by_question.get(key)

    for (survey_id, question_id), count in per_question.items():
        q = question(survey_id, question_id)
        if q is not None:
            q.answers = int(count)
    for (survey_id, question_id, value), count in by_value.items():
        q = question(survey_id, question_id)
        if q is not None:
            q.distribution.append((int(value), int(count)))
    for survey_id, question_id, text, count in [*picked, *chosen]:
        q = question(survey_id, question_id)
        if q is not None:
            q.choices.append((str(text), int(count)))
    for survey_id, question_id, at, text in latest:
        q = question(survey_id, question_id)
        if q is not None and not q.distribution:
            q.latest.append((str(at), str(text)))
    for s in surveys:
        for item in s.questions:
            _finish(item, named.get(s.id))
    days = sorted(set(answers_per_day) | set(views_per_day))
    per_day = [(d, None if seen is None else int(views_per_day.get(d, 0)), int(answers_per_day.get(d, 0)))
               for d in days]
    period = trend_period(f, days)
    per_period: dict[tuple[str, str, str], dict[int, int]] = {}
    for survey_id, question_id, value, day, count, _, _ in facts:
        q = by_question.get((survey_id, question_id))
        start = period_start(day, period)
        if q is not None and q.type in TREND_TYPES and value is not None and start is not None:
            counted = per_period.setdefault((survey_id, question_id, start), {})
            counted[int(value)] = counted.get(int(value), 0) + int(count)
    for (survey_id, question_id, start), counted in sorted(per_period.items()):
        q = by_question[(survey_id, question_id)]
        value = figure(q.type, counted)
        if value is not None:
            q.trend.append((start, value, sum(counted.values())))
    before = previous_filter(f) if compare else None
    previous = compute(store, before, catalogue, compare=False) if before else None
    return Results(f, surveys, per_day, period, previous)


def _questions(pairs: list[tuple[str, str]]) -> sa.ColumnElement[bool]:
    return sa.or_(*(sa.and_(responses.c.survey_id == s, responses.c.question_id == q) for s, q in pairs)) \
        if pairs else sa.false()


def _finish(q: QuestionResult, survey: Survey | None) -> None:
    """Counts, averages and NPS from the distribution; every value of a known scale listed."""
    counted = dict(q.distribution)
    if survey is not None and q.type in SCALE_TYPES:
        question = survey.question(q.id)
        low, high = {"nps": (0, 10), "csat": (1, 5)}.get(q.type, (1, question.scale if question else 5))
        counted = {v: counted.get(v, 0) for v in range(low, high + 1)} | counted
    q.distribution = sorted(counted.items())
    q.choices.sort(key=lambda c: (-c[1], c[0]))
    if survey is not None and q.type in CHOICE_TYPES + ("yes_no",):
        question = survey.question(q.id)
        listed = list(question.choices) if question and q.type != "yes_no" else [YES, NO]
        if question is not None and question.other:
            listed.append(OTHER)
        have = dict(q.choices)
        q.choices = sorted([(c, have.get(c, 0)) for c in listed] + [(c, n) for c, n in q.choices if c not in listed],
                           key=lambda c: -c[1])
    total = sum(n for _, n in q.distribution)
    if total:
        q.average = sum(v * n for v, n in q.distribution) / total
    if q.type == "nps" and total:
        promoters = sum(n for v, n in q.distribution if v >= 9)
        detractors = sum(n for v, n in q.distribution if v <= 6)
        q.nps = {"promoters": promoters, "passives": total - promoters - detractors, "detractors": detractors,
                 "score": round(100 * (promoters - detractors) / total)}
