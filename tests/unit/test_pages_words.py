"""What the dashboard and the gallery say, in words: a survey's targeting as English sentences
for every combination of its settings, counts that agree with their nouns, the per-day
chart's axis one date per tick, and the gallery's stage showing the first survey at once."""

import html
import itertools
import re

import pytest

from runtime.survey_format import load_site_data
from sondage.catalogue import Catalogue
from sondage.collector.pages import dashboard_page, day_ticks, gallery_page, per_day_chart, plural, targeting_words
from sondage.collector.results import Filter, QuestionResult, Results, SurveyResult

QUESTIONS = [{"id": "q", "type": "nps", "prompt": "How likely?"}]


def _words(**fields):
    survey = {"id": "s", "site": "x", "name": "S", "questions": QUESTIONS, **fields}
    return targeting_words(load_site_data({"format": 1, "site": "x", "surveys": [survey]}).surveys[0])


@pytest.mark.parametrize(("fields", "sentence"), [
    # The card: devices and a sample, nothing else.
    ({"audience": {"devices": ["desktop"], "sample": 50}}, "For 50% of visitors on desktop."),
    ({}, "For every visitor."),
    ({}, "Shows only when the page calls Iterate('install', id)."),          # no trigger: no event shows it
    ({"trigger": {"type": "event", "event": "bought"}}, "Shows when the event 'bought' fires."),
    ({"starts_at": "2027-01-10T09:00:00+01:00", "ends_at": "2027-01-20T08:00:00Z"},
     "Runs from 2027-01-10 08:00 UTC until 2027-01-20 08:00 UTC (a preview shows it at any time)."),
    ({"ends_at": "2027-01-20T08:00:00Z"}, "Runs until 2027-01-20 08:00 UTC (a preview shows it at any time)."),
    ({"audience": {"identified": True}}, "For identified visitors."),
    ({"audience": {"identified": False, "devices": ["mobile", "tablet"]}},
     "For anonymous visitors on mobile or tablet."),
    ({"audience": {"languages": ["en", "fr", "de"]}}, "For visitors whose language is en, fr or de."),
    ({"audience": {"identified": True, "devices": ["desktop", "mobile"], "languages": ["en"], "sample": 10,
                   "traits": {"rules": [{"key": "plan", "op": "not_one_of", "values": ["free"]},
                                        {"key": "signup", "op": "less_than", "value": "2024-01-31"}]}}},
     "For 10% of identified visitors on desktop or mobile whose language is en, if their trait 'plan' is not 'free' "
     "and their trait 'signup' is before '2024-01-31'."),
    ({"audience": {"traits": {"match": "any", "rules": [{"key": "vip", "op": "equals", "value": True},
                                                         {"key": "n", "op": "greater_than", "value": 3},
                                                         {"key": "coupon", "op": "is_set"}]}}},
     "For every visitor, if their trait 'vip' is true, their trait 'n' is greater than 3 or their trait 'coupon' "
     "is set."),
    ({"audience": {"sample": 0}}, "For nobody (a sample of 0% of visitors)."),
    ({"trigger": {"type": "event", "event": "bought",
                  "properties": {"rules": [{"key": "plan", "op": "one_of", "values": ["pro", "team"]}]}}},
     "Shows when the event 'bought' fires, if its property 'plan' is 'pro' or 'team'."),
    ({"trigger": {"type": "seconds", "seconds": 1}}, "Shows after 1 second on a page."),
    ({"trigger": {"type": "seconds", "seconds": 30}}, "Shows after 30 seconds on a page."),
    ({"trigger": {"type": "scroll", "percent": 50}}, "Shows when the visitor scrolls 50% of the way down a page."),
    ({"pages": {"match": "any", "rules": [{"op": "not_starts_with", "value": "/blog", "field": "path"},
                                          {"op": "matches", "value": r"^/p/\d+"}]}},
     r"On pages whose path does not start with '/blog' or whose URL matches the pattern '^/p/\d+'."),
    ({"pages": {"rules": [{"op": "not_equals", "value": "https://shop.test/"}, {"op": "contains", "value": "it's"}]}},
     "On pages whose URL is not 'https://shop.test/' and whose URL contains \"it's\"."),
    ({"frequency": "every_n_days", "every_days": 1}, "At most once a day."),
    ({"frequency": "every_n_days", "every_days": 7}, "At most once every 7 days."),
    ({"frequency": "every_n_days", "every_days": 0.5}, "At most once every 12 hours."),
    ({"trigger": {"type": "manual"}, "frequency": "always"}, "Every time the page asks for it."),
    ({"trigger": {"type": "page_view"}, "frequency": "until_responded"},
     "Every time its trigger fires, until the visitor answers."),
])
def test_targeting_reads_as_english(fields, sentence):
    assert sentence in _words(**fields)


TRIGGERS = [{"type": "event", "event": "bought"}, {"type": "page_view"}, {"type": "seconds", "seconds": 1},
            {"type": "scroll", "percent": 50}, {"type": "exit_intent"}, {"type": "manual"},
            {"type": "event", "event": "bought", "properties": {"match": "any", "rules": [
                {"key": "plan", "op": "not_contains", "value": "free"},
                {"key": "n", "op": "less_than", "value": 2.5}]}}]
PAGES = [None, {"rules": [{"op": "ends_with", "value": ".html", "field": "path"}]},
         {"match": "any", "rules": [{"op": "not_matches", "value": "x"}, {"op": "not_ends_with", "value": "/"}]}]
IDENTIFIED = [None, True, False]
DEVICES = [[], ["desktop"], ["desktop", "mobile", "tablet"]]
LANGUAGES = [[], ["en"]]
TRAITS = [None, {"rules": [{"key": "plan", "op": "is_not_set"}]}]
SAMPLES = [100, 50, 0]
FREQUENCIES = [{"frequency": "once"}, {"frequency": "always"}, {"frequency": "every_n_days", "every_days": 2}]
# What broken sentences look like: a preposition or "whose" with no noun, a verb missing, a
# count that disagrees with its noun, a list with a trailing comma, doubled words or spaces.
BROKEN = re.compile(r"For (on|whose|speaking|,|\d+% of them)|\bnot (equals|contains|starts|ends|matches|one of)\b"
                    r"|' (one of|greater than|less than|equals)\b|\b1 (seconds|days|hours)\b|, \.|  |\b(\w+) \3\b"
                    r"|\bof them\b|every 1 days")


def test_every_combination_of_targeting_reads_as_sentences():
    seen = 0
    for trigger, pages, identified, devices, languages, traits, sample, frequency in itertools.product(
            TRIGGERS, PAGES, IDENTIFIED, DEVICES, LANGUAGES, TRAITS, SAMPLES, FREQUENCIES):
        audience = {"devices": devices, "languages": languages, "sample": sample}
        if identified is not None:
            audience["identified"] = identified
        if traits:
            audience["traits"] = traits
        fields = {"trigger": trigger, "audience": audience, **frequency}
        if pages:
            fields["pages"] = pages
        lines = _words(**fields)
        seen += 1
        for line in lines:
            assert line[0].isupper() and line.endswith(".") and line.count(".") >= 1, line
            assert not BROKEN.search(line), line
        assert lines[0].startswith("Shows ")
        assert sum(line.startswith("For ") for line in lines) == 1
    assert seen == 7 * 3 * 3 * 3 * 2 * 2 * 3 * 3


def test_counts_agree_with_their_nouns():
    assert [plural(n, "promoter") for n in (0, 1, 2)] == ["0 promoters", "1 promoter", "2 promoters"]
    score = QuestionResult("score", "How likely?", "nps", answers=3, distribution=[(3, 1), (8, 1), (10, 1)],
                           nps={"promoters": 1, "passives": 1, "detractors": 1, "score": 0})
    why = QuestionResult("why", "Why?", "text", answers=1, latest=[("2026-05-28T10:00:00.000Z", "Fast")])
    survey = SurveyResult("nps", "NPS", views=4, responses=3, completed=1, answers=4, questions=[score, why])
    page = html.unescape(re.sub(r"<[^>]+>", "", dashboard_page(
        Results(Filter("shop"), [survey], [("2026-05-28", 4, 3)]), sites=["shop"], token="t")))
    assert "1 promoter (33%), 1 passive (33%), 1 detractor (33%)" in page      # each group with its share
    assert "nps · 3 answers" in page and "text · 1 answer" in page
    assert not re.search(r"\b1 (promoters|passives|detractors|answers)\b", page)


def test_gallery_counts_and_its_stage_shows_the_first_survey(site_data):
    site_data["surveys"] = site_data["surveys"][:1]
    site_data["surveys"][0]["questions"] = site_data["surveys"][0]["questions"][:1]
    site = load_site_data(site_data)
    page = gallery_page(Catalogue({"shop": site}), "shop", base_url="http://collector.test/", token="t")
    text = html.unescape(re.sub(r"<[^>]+>", "", page))
    assert "1 survey of shop" in text and "1 question: How likely?" in text
    [stage] = re.findall(r'<iframe name="stage"[^>]* src="([^"]*)"', page)
    assert html.unescape(stage) == "_sondage/stage/shop.html?iterate_preview=nps&iterate_look=bottom-right.light"


@pytest.mark.parametrize("days", [1, 2, 3, 8, 9, 16, 17, 56, 57, 112, 113, 248, 249, 736, 737, 3000])
def test_the_per_day_axis_never_ticks_within_a_day(days):
    ticks = day_ticks(days)
    assert ticks["interval"] in ("day", "week", "month", "year") and ticks["step"] >= 1
    if days <= 8:
        assert ticks == {"interval": "day", "step": 1}
    # At most about 8 dates along the axis, whatever the span.
    length = {"day": 1, "week": 7, "month": 28, "year": 365}[ticks["interval"]] * ticks["step"]
    assert days / length <= 9


def test_the_per_day_chart_draws_days_without_answers_as_zero():
    spec = per_day_chart([("2026-02-27", 5, 2), ("2026-03-02", 1, 1)])
    views = [(v["day"], v["count"]) for v in spec["data"]["values"] if v["what"] == "views"]
    assert views == [("2026-02-27", 5), ("2026-02-28", 0), ("2026-03-01", 0), ("2026-03-02", 1)]
    assert spec["encoding"]["x"]["axis"]["tickCount"] == {"interval": "day", "step": 1}
    # With a trait filter views are not known: no line for them.
    assert {v["what"] for v in per_day_chart([("2026-02-27", None, 2)])["data"]["values"]} == {"responses"}


def test_the_per_day_chart_leaves_out_days_a_clock_wrote_oddly_and_spans_years_by_year():
    spec = per_day_chart([("2016-05-01", 1, 1), ("2026-05-01", 2, 2), ("2026-13-40", 3, 3), ("garbage", 4, 4)])
    days = sorted({v["day"] for v in spec["data"]["values"]})
    assert days == ["2016-05-01", "2026-05-01"]             # ten years apart: the stored days, not 3,653 zeros
    assert spec["encoding"]["x"]["axis"]["tickCount"]["interval"] == "year"
