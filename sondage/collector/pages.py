"""The collector's pages for people: the results dashboard, the survey gallery, the gallery's
stage and the list of responses, each from its template in sondage/templates.

All are rendered here in Python (Jinja, autoescaped: nothing from an answer is ever HTML),
the dashboard's and the gallery's charts as Vega-Lite specifications built here too; the browser only draws them
with Vega-Lite (from npm, served by the collector: no CDN) through ``static/charts.js``.
The gallery shows every survey of a site live, drawn by the real runtime on a stage page
(a host page of the collector's own origin, with the snippet and
``?iterate_preview=<id>&iterate_look=<position>.<theme>``).
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import jinja2
from markupsafe import Markup

from build import STATIC
from runtime.placement import POSITIONS, THEMES
from runtime.survey_format import Survey, ValueRule, ValueRules, moment_words, parse_date
from runtime.vendors import registry

from ..catalogue import Catalogue
from ..links import survey_link
from ..snippet import snippet
from ..survey_pages import embed_html
from .exports import flat
from .respondents import Response, ResponseRow
from .results import Filter, QuestionResult, Results

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
# Served at /_sondage/<name>, from static/ (build.STATIC: beside the packages in a checkout and
# in the installed wheel alike): the charting library (vega and vega-lite from
# npm, kept in static/vendor/ so the wheel ships them) and charts.js, which draws with it.
VENDOR = {"vega.min.js": ("vendor", "vega.min.js"), "vega-lite.min.js": ("vendor", "vega-lite.min.js"),
          "charts.js": ("charts.js",)}
# Vega compiles its expressions with Function(): the pages allow that, and nothing else inline.
PAGE_CSP = ("default-src 'none'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
_ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined)
# Answers as stored: a record of an older format version may lack a field (shown empty).
_RECORDS = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
NPS_COLORS = {"detractor": "#d1495b", "passive": "#edae49", "promoter": "#00798c"}


def vendor_file(name: str) -> Path | None:
    parts = VENDOR.get(name)
    if parts is None:
        return None
    found = STATIC.joinpath(*parts)
    return found if found.is_file() else None


# -- charts (Vega-Lite specifications) ---------------------------------------------------
def _bars(values: list[dict[str, Any]], x: dict[str, Any], y: dict[str, Any], description: str,
          color: dict[str, Any] | None = None, height: int = 160) -> dict[str, Any]:
    encoding: dict[str, Any] = {"x": x, "y": y}
    if color:
        encoding["color"] = color
    return {"$schema": "https://vega.github.io/schema/vega-lite/v6.json", "description": description,
            "width": "container", "height": height, "data": {"values": values}, "mark": {"type": "bar"},
            "encoding": encoding, "config": {"font": "system-ui, sans-serif", "view": {"stroke": None}}}


def scale_chart(question: QuestionResult) -> dict[str, Any]:
    values = [{"value": str(v), "answers": n,
               "group": ("promoter" if v >= 9 else "passive" if v >= 7 else "detractor")}
              for v, n in question.distribution]
    color = ({"field": "group", "type": "nominal", "title": None,
              "scale": {"domain": list(NPS_COLORS), "range": list(NPS_COLORS.values())}}
             if question.type == "nps" else {"value": "#5b4aa8"})
    return _bars(values, {"field": "value", "type": "ordinal", "sort": None, "title": "answer",
                          "axis": {"labelAngle": 0}},
                 {"field": "answers", "type": "quantitative", "title": "answers", "axis": {"tickMinStep": 1}},
                 f"Distribution of answers to {question.prompt!r}", color)


def choice_chart(question: QuestionResult) -> dict[str, Any]:
    values = [{"choice": c, "answers": n} for c, n in question.choices]
    return _bars(values, {"field": "answers", "type": "quantitative", "title": "answers", "axis": {"tickMinStep": 1}},
                 {"field": "choice", "type": "nominal", "sort": "-x", "title": None},
                 f"Choices picked for {question.prompt!r}", {"value": "#5b4aa8"},
                 height=max(60, 26 * len(values)))


TREND_TITLES = {"nps": "NPS", "csat": "CSAT (% satisfied)", "rating": "average"}


def trend_chart(question: QuestionResult, period: str) -> dict[str, Any]:
    """The question's figure per day or week, a line with its points."""
    values = [{"start": start, "figure": round(value, 2), "answers": n} for start, value, n in question.trend]
    title = TREND_TITLES.get(question.type, "figure")
    spec = _bars(values, {"field": "start", "type": "temporal", "timeUnit": "utcyearmonthdate", "title": None,
                          "axis": {"tickCount": {"interval": period, "step": 1}, "labelOverlap": True,
                                   "format": "%b %d"}},
                 {"field": "figure", "type": "quantitative", "title": title,
                  **({"scale": {"domain": [-100, 100]}} if question.type == "nps" else {})},
                 f"{title} per {period} for {question.prompt!r}", {"value": "#5b4aa8"})
    spec["mark"] = {"type": "line", "point": True, "tooltip": True}
    return spec


FILLED_DAYS = 3 * 366  # the longest span whose empty days are drawn as 0
DAY_TICKS = 8       # at most this many dates along the per-day chart (the chart is at most 640 px wide)


def day_ticks(days: int) -> dict[str, Any]:
    """The per-day axis's tick interval for a chart spanning ``days`` days: whole days (never
    the hours Vega picks for a short span, which label one date twice), wider as the span
    grows, so that at most about DAY_TICKS dates are written."""
    for limit, interval, step in ((DAY_TICKS, "day", 1), (2 * DAY_TICKS, "day", 2),
                                  (7 * DAY_TICKS, "week", 1), (14 * DAY_TICKS, "week", 2),
                                  (31 * DAY_TICKS, "month", 1), (92 * DAY_TICKS, "month", 3)):
        if days <= limit:
            return {"interval": interval, "step": step}
    return {"interval": "year", "step": max(1, -(-days // (365 * DAY_TICKS)))}


def _date(day: str) -> _dt.date | None:
    """A stored day (YYYY-MM-DD, the first ten characters of the client's time) as a date."""
    try:
        return _dt.date.fromisoformat(day) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", day) else None
    except ValueError:
        return None


def per_day_chart(per_day: list[tuple[str, int | None, int]]) -> dict[str, Any]:
    """Views and responses per day, a line each; a day between the first and the last with
    nothing stored is drawn as 0 (not bridged by the line)."""
    known = {d: (v, r) for d, v, r in per_day if _date(d)}     # a day the client's clock wrote oddly: left out
    dates = sorted(filter(None, map(_date, known)))
    first, last = (dates[0], dates[-1]) if dates else (_dt.date.today(), _dt.date.today())
    span = (last - first).days + 1
    days = [(first + _dt.timedelta(days=i)).isoformat() for i in range(span)] if span <= FILLED_DAYS else []
    if not days:        # years apart (a device's clock?): the stored days only
        days = [d.isoformat() for d in dates]
    with_views = any(v is not None for _, v, _ in per_day)
    values = [{"day": d, "what": "responses", "count": known.get(d, (0, 0))[1]} for d in days]
    values += [{"day": d, "what": "views", "count": known.get(d, (0, 0))[0] or 0} for d in days if with_views]
    spec = _bars(values, {"field": "day", "type": "temporal", "timeUnit": "utcyearmonthdate", "title": None,
                          "axis": {"tickCount": day_ticks(span), "labelOverlap": True}},
                 {"field": "count", "type": "quantitative", "title": None, "axis": {"tickMinStep": 1}},
                 "Views and responses per day",
                 {"field": "what", "type": "nominal", "title": None,
                  "scale": {"domain": ["views", "responses"], "range": ["#b8b3d6", "#5b4aa8"]}})
    spec["mark"] = {"type": "line", "point": True}
    return spec


def dashboard_page(results: Results, *, sites: list[str], token: str, error: str = "") -> str:
    """The dashboard's HTML for ``results`` (charts as JSON data blocks, drawn by charts.js)."""
    charts: list[tuple[str, str]] = []

    def chart(spec: dict[str, Any]) -> str:
        chart_id = f"chart-{len(charts)}"
        # JSON in a data block: "</" cannot close it (escaped), and it is never run.
        charts.append((chart_id, json.dumps(spec, ensure_ascii=False).replace("</", "<\\/")))
        return chart_id

    surveys = []
    for s in results.surveys:
        questions = []
        for q in s.questions:
            chart_id = (chart(scale_chart(q)) if q.distribution and any(n for _, n in q.distribution)
                        else chart(choice_chart(q)) if q.choices and any(n for _, n in q.choices) else None)
            questions.append({"q": q, "chart": chart_id,
                              "trend_chart": chart(trend_chart(q, results.period)) if q.trend else None})
        surveys.append({"s": s, "questions": questions,
                        "query": urlencode({**replace(results.filter, survey=s.id).params(), "token": token})})
    f = results.filter
    return _ENV.get_template("dashboard.html").render(
        results=results, surveys=surveys, f=f, sites=sites, token=token, error=error,
        per_day_chart=chart(per_day_chart(results.per_day)) if results.per_day else None,
        charts=charts, csv=urlencode({**f.params(), "token": token}),
        survey_ids=[s.id for s in results.surveys])


# -- one person's answers together ----------------------------------------------------------
def respondents_page(rows: list[ResponseRow], total: int, f: Filter, *, token: str, error: str = "") -> str:
    query = urlencode({**f.params(), "token": token})
    return _ENV.get_template("respondents.html").render(rows=rows, total=total, f=f, token=token, error=error,
                                                        query=query, back=query)


def response_page(r: Response, f: Filter, *, token: str) -> str:
    query = urlencode({**f.params(), "token": token})
    shown = replace(r, traits={k: flat(v) for k, v in r.traits.items()})
    return _ENV.get_template("response.html").render(r=shown, query=query, back=query)


# -- the gallery ---------------------------------------------------------------------------
def plural(count: int, noun: str, plural_form: str | None = None) -> str:
    """``1 promoter``, ``2 promoters``, ``0 answers``: a count and its noun, agreeing."""
    return f"{count} {noun if count == 1 else plural_form or noun + 's'}"


_ENV.filters["plural"] = plural


def listing(items: list[str], conjunction: str = "or") -> str:
    """``a``, ``a or b``, ``a, b or c``."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def _quoted(text: str) -> str:
    """Text as written in a sentence: in quotes, as it is (no escapes: a pattern's \\d stays \\d)."""
    return f'"{text}"' if "'" in text else f"'{text}'"


def _value(value: Any) -> str:
    """A rule's value as written in a sentence: text quoted, true / false, numbers as they are."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _quoted(value) if isinstance(value, str) else f"{value:g}" if isinstance(value, float) else str(value)


def _value_rule(rule: ValueRule) -> str:
    """What a trait or property rule asks of the value, after its name: ``is 'pro'``."""
    op = rule.op
    if op in ("is_set", "is_not_set"):
        return "is set" if op == "is_set" else "is not set"
    if op in ("one_of", "not_one_of"):
        values = [_value(v) for v in rule.values]
        if op == "one_of":
            return "is " + listing(values)
        return f"is not {values[0]}" if len(values) == 1 else "is none of " + listing(values, "and")
    dated = isinstance(rule.value, str) and parse_date(rule.value) is not None
    return {"equals": "is", "not_equals": "is not", "contains": "contains", "not_contains": "does not contain",
            "greater_than": "is after" if dated else "is greater than",
            "less_than": "is before" if dated else "is less than"}[op] + " " + _value(rule.value)


def _value_rules(rules: ValueRules, owner: str) -> str:
    """``its property 'plan' is 'pro' and its property 'n' is greater than 3``."""
    return listing([f"{owner} {_quoted(rule.key)} {_value_rule(rule)}" for rule in rules.rules],
                   "and" if rules.match == "all" else "or")


PAGE_OPS = {"equals": "is", "not_equals": "is not", "contains": "contains", "not_contains": "does not contain",
            "starts_with": "starts with", "not_starts_with": "does not start with", "ends_with": "ends with",
            "not_ends_with": "does not end with", "matches": "matches the pattern",
            "not_matches": "does not match the pattern"}


def _every(days: float) -> str:
    """``once a day``, ``once every 3 days``, ``once every 12 hours``."""
    if days >= 1:
        return "once a day" if days == 1 else f"once every {days:g} days"
    hours = days * 24
    return "once an hour" if hours == 1 else f"once every {hours:g} hours"


def targeting_words(survey: Survey) -> list[str]:
    """The survey's targeting, in words: one sentence each for when it shows, whether it is a
    draft, on which pages, for whom and how often."""
    t = survey.trigger
    seconds = plural(t.seconds or 0, "second")
    trigger = {"event": f"when the event {_quoted(t.event or '')} fires", "page_view": "when a page is viewed",
               "seconds": f"after {seconds} on a page",
               "scroll": f"when the visitor scrolls {t.percent}% of the way down a page",
               "exit_intent": "when the mouse leaves the top of the window (desktop)",
               "manual": "only when the page calls Iterate('install', id)"}[
        t.type if t.type != "event" or t.event else "manual"]       # an event trigger with no event: install only
    if t.type == "event" and t.properties and t.properties.rules:
        trigger += ", if " + _value_rules(t.properties, "its property")
    lines = [f"Shows {trigger}."]
    if survey.status == "draft":
        lines.append("Draft: only a preview shows it.")
    opens, closes = survey.window()
    if opens or closes:
        span = [f"from {moment_words(opens)}"] if opens else []
        span += [f"until {moment_words(closes)}"] if closes else []
        lines.append(f"Runs {' '.join(span)} (a preview shows it at any time).")
    if survey.pages and survey.pages.rules:
        clauses = [f"whose {'URL' if r.field == 'url' else 'path'} {PAGE_OPS[r.op]} {_quoted(r.value)}"
                   for r in survey.pages.rules]
        lines.append("On pages " + listing(clauses, "and" if survey.pages.match == "all" else "or") + ".")
    a = survey.audience
    who = {True: "identified visitors", False: "anonymous visitors", None: "visitors"}[a.identified]
    if a.devices:
        who += " on " + listing(list(a.devices))
    if a.languages:
        who += " whose language is " + listing(list(a.languages))
    if a.sample == 0:
        audience = "For nobody (a sample of 0% of visitors)."
    elif a.sample < 100:
        audience = f"For {a.sample}% of {who}"
    else:
        audience = "For every visitor" if who == "visitors" else f"For {who}"
    if a.sample and a.traits and a.traits.rules:
        audience += ", if " + _value_rules(a.traits, "their trait")
    lines.append(audience if audience.endswith(".") else audience + ".")
    fires = "the page asks for it" if t.type == "manual" or (t.type == "event" and not t.event) else "its trigger fires"
    lines.append(f"At most {_every(survey.every_days or 0)}." if survey.frequency == "every_n_days" else
                 {"once": "Once per visitor.", "until_responded": f"Every time {fires}, until the visitor answers.",
                  "always": f"Every time {fires}."}[survey.frequency])
    return lines


def gallery_page(catalogue: Catalogue, site_key: str, *, base_url: str, token: str) -> str:
    site = catalogue.sites[site_key]
    origin = site.settings.origins[0].rstrip("/") + "/" if site.settings.origins else ""
    cards = []
    for survey in site.surveys:
        preview = f"{origin}?iterate_preview={survey.id}" if origin else ""
        codes = [("Page snippet (once per page)", snippet(site.site, base_url)),
                 ("Show it from the page", f"<script>Iterate('install', {json.dumps(survey.id)});</script>"),
                 *((e.title, embed_html(e.channel, site.site, base_url, survey.id, survey.name, survey=survey,
                                        settings=site.settings))
                   for e in registry.embeds()),
                 *((f"Link for emails ({v.label})", survey_link(base_url, survey, v.name))
                   for v in registry.link_vendors())]
        cards.append({"survey": survey, "words": targeting_words(survey), "preview": preview, "codes": codes,
                      "look": f"{survey.appearance.position}.{survey.appearance.theme}"})
    # The stage shows the first survey from the start (as "Show on the stage" would), not an empty box.
    first = site.surveys[0] if site.surveys else None
    stage = (f"_sondage/stage/{quote(site.site, safe='')}.html?" + urlencode(
        {"iterate_preview": first.id, "iterate_look": f"{first.appearance.position}.{first.appearance.theme}"})
        if first else "")
    return _ENV.get_template("gallery.html").render(
        site=site, sites=sorted(catalogue.sites), cards=cards, token=token, positions=POSITIONS, themes=THEMES,
        origin=origin, stage=stage)


def responses_page(records: list[dict[str, Any]], *, db: str, token: str) -> str:
    """The latest answers as a table, with links to download them all."""
    return _RECORDS.get_template("responses.html").render(records=records, db=db, token=token)


def stage_page(site_key: str, base_url: str) -> str:
    """A host page for the gallery's stage: the snippet, some page content, and the slot an
    inline survey goes in; the survey and look come from its own URL (iterate_preview, iterate_look)."""
    return _ENV.get_template("stage.html").render(snippet=Markup(snippet(site_key, base_url)))
