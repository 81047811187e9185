"""The collector's two pages for people: the results dashboard and the survey gallery.

Both are rendered here in Python (Jinja, autoescaped: nothing from an answer is ever HTML),
with their charts as Vega-Lite specifications built here too; the browser only draws them
with Vega-Lite (from npm, served by the collector: no CDN) through ``static/charts.js``.
The gallery shows every survey of a site live, drawn by the real runtime on a stage page
(a host page of the collector's own origin, with the snippet and
``?iterate_preview=<id>&iterate_look=<position>.<theme>``).
"""

from __future__ import annotations

import importlib.resources
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from markupsafe import Markup

from .catalogue import Catalogue
from .embeds import embed_html
from .links import survey_link
from .results import QuestionResult, Results
from .runtime.placement import POSITIONS, THEMES
from .runtime.survey_format import Survey, ValueRules
from .snippet import snippet

TEMPLATES = Path(__file__).resolve().parent / "templates"
# Served at /_sondage/<name>, from the package sondage.static (static/ in a checkout, inside
# the package when installed from the wheel): the charting library (vega and vega-lite from
# npm, kept in static/vendor/ so the wheel ships them) and charts.js, which draws with it.
VENDOR = {"vega.min.js": ("vendor", "vega.min.js"), "vega-lite.min.js": ("vendor", "vega-lite.min.js"),
          "charts.js": ("charts.js",)}
# Vega compiles its expressions with Function(): the pages allow that, and nothing else inline.
PAGE_CSP = ("default-src 'none'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
_ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined)
NPS_COLORS = {"detractor": "#d1495b", "passive": "#edae49", "promoter": "#00798c"}


def vendor_file(name: str) -> Path | None:
    parts = VENDOR.get(name)
    if parts is None:
        return None
    found = importlib.resources.files("sondage.static")
    for part in parts:
        found = found.joinpath(part)
    return Path(str(found)) if found.is_file() else None


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


def per_day_chart(per_day: list[tuple[str, int | None, int]]) -> dict[str, Any]:
    values = [{"day": d, "what": "responses", "count": r} for d, _, r in per_day]
    values += [{"day": d, "what": "views", "count": v} for d, v, _ in per_day if v is not None]
    spec = _bars(values, {"field": "day", "type": "temporal", "timeUnit": "utcyearmonthdate", "title": None},
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
            questions.append({"q": q, "chart": chart_id})
        surveys.append({"s": s, "questions": questions})
    f = results.filter
    return _ENV.get_template("dashboard.html").render(
        results=results, surveys=surveys, f=f, sites=sites, token=token, error=error,
        per_day_chart=chart(per_day_chart(results.per_day)) if results.per_day else None,
        charts=charts, csv=urlencode({**f.params(), "token": token}),
        survey_ids=[s.id for s in results.surveys])


# -- the gallery ---------------------------------------------------------------------------
def _rules(rules: ValueRules, what: str) -> str:
    def one(r: Any) -> str:
        op = r.op.replace("_", " ")
        if r.op in ("is_set", "is_not_set"):
            return f"{what} {r.key!r} {op}"
        value = ", ".join(map(repr, r.values)) if r.op in ("one_of", "not_one_of") else repr(r.value)
        return f"{what} {r.key!r} {op} {value}"
    return (" and " if rules.match == "all" else " or ").join(map(one, rules.rules))


def targeting_words(survey: Survey) -> list[str]:
    """The survey's targeting, in words (one line each)."""
    t = survey.trigger
    trigger = {"event": f"when the event {t.event!r} fires", "page_view": "when a page is viewed",
               "seconds": f"after {t.seconds} s on a page", "scroll": f"when the visitor scrolls {t.percent}% down",
               "exit_intent": "when the mouse leaves the top of the window (desktop)",
               "manual": "only when the page calls Iterate('install', id)"}[t.type]
    if t.type == "event" and t.properties and t.properties.rules:
        trigger += " with " + _rules(t.properties, "property")
    lines = [f"Shows {trigger}."]
    if survey.status == "draft":
        lines.append("Draft: only a preview shows it.")
    if survey.pages and survey.pages.rules:
        joiner = " and " if survey.pages.match == "all" else " or "
        lines.append("On pages where " + joiner.join(f"the {r.field} {r.op.replace('_', ' ')} {r.value!r}"
                                                      for r in survey.pages.rules) + ".")
    a = survey.audience
    who = []
    if a.identified is not None:
        who.append("identified visitors" if a.identified else "anonymous visitors")
    if a.devices:
        who.append("on " + ", ".join(a.devices))
    if a.languages:
        who.append("speaking " + ", ".join(a.languages))
    if a.traits and a.traits.rules:
        who.append("whose " + _rules(a.traits, "trait"))
    if a.sample < 100:
        who.append(f"{a.sample}% of them")
    lines.append("For " + (", ".join(who) if who else "every visitor") + ".")
    lines.append(f"At most every {survey.every_days or 0:g} days." if survey.frequency == "every_n_days" else
                 {"once": "Once per visitor.", "until_responded": "Until the visitor answers.",
                  "always": "Every time its trigger fires."}[survey.frequency])
    return lines


def gallery_page(catalogue: Catalogue, site_key: str, *, base_url: str, token: str) -> str:
    site = catalogue.sites[site_key]
    origin = site.settings.origins[0].rstrip("/") + "/" if site.settings.origins else ""
    cards = []
    for survey in site.surveys:
        preview = f"{origin}?iterate_preview={survey.id}" if origin else ""
        codes = [("Page snippet (once per page)", snippet(site.site, base_url)),
                 ("Show it from the page", f"<script>Iterate('install', {json.dumps(survey.id)});</script>"),
                 ("Braze in-app message (custom HTML)", embed_html("braze-inapp", site.site, base_url, survey.id,
                                                                  survey.name)),
                 ("CleverTap web pop-up (custom HTML)", embed_html("clevertap-popup", site.site, base_url, survey.id,
                                                                  survey.name)),
                 ("Link for emails (Braze)", survey_link(base_url, survey, "braze")),
                 ("Link for emails (CleverTap)", survey_link(base_url, survey, "clevertap"))]
        cards.append({"survey": survey, "words": targeting_words(survey), "preview": preview, "codes": codes,
                      "look": f"{survey.appearance.position}.{survey.appearance.theme}"})
    return _ENV.get_template("gallery.html").render(
        site=site, sites=sorted(catalogue.sites), cards=cards, token=token, positions=POSITIONS, themes=THEMES,
        origin=origin)


def stage_page(site_key: str, base_url: str) -> str:
    """A host page for the gallery's stage: the snippet, some page content, and the slot an
    inline survey goes in; the survey and look come from its own URL (iterate_preview, iterate_look)."""
    return _ENV.get_template("stage.html").render(snippet=Markup(snippet(site_key, base_url)))
