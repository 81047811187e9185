"""An in-app message's answer plans (runtime/answer_plan.py), carried out the way static/inapp.js
does (tests/unit/test_showing_plan.py's filler as the oracle): each choice of the first question
has one; carried out, it makes the calls and sends the records the runtime itself would at that
moment with the same new ids; the collector takes its records; the runtime that comes up later
adopts it (same records, no second vendor call). A first question that needs a submit has none."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from runtime import answer_plan, protocol
from runtime.embed import Runtime
from runtime.hints import shown_ahead
from runtime.survey_format import SiteData, load_site_data
from runtime.vendors import registry
from sondage.collector import intake
from sondage.survey_pages import embed_html

from .test_showing_plan import fill

WRITTEN = 1_700_000_000.0
URL = "about:blank"
SITE = "shop"
NPS = {"id": "nps", "site": SITE, "name": "App NPS", "frequency": "always", "trigger": {"type": "manual"},
       "questions": [{"id": "score", "type": "nps", "prompt": "How likely?", "label": "nps_score"},
                     {"id": "why", "type": "text", "prompt": "Why?"}]}


def site(*surveys: dict[str, Any]) -> SiteData:
    return load_site_data({"format": 1, "site": SITE, "surveys": list(surveys) or [NPS]})


def plans_of(data: SiteData, survey: str = "nps", channel: str = "clevertap-inapp") -> protocol.AnswerPlans | None:
    embed = next(e for e in registry.embeds() if e.channel == channel)
    found = next(s for s in data.surveys if s.id == survey)
    return answer_plan.plans(data, survey, channel, embed.identities, shown_ahead(found)["html"], WRITTEN)


def sent_by_the_vendor(plans: Any, tags: dict[str, str]) -> Any:
    """The plans as the vendor sends the message: its merge tags filled in, in the HTML's text."""
    text = json.dumps(plans)
    for tag, value in tags.items():
        text = text.replace(tag, value)
    return json.loads(text)


def the_runtime(at: float, ids: list[str], channel: str, identities: dict[str, str], data: SiteData | None = None,
                language: str = "") -> Runtime:
    """The runtime itself in the message, at `at`, given `ids` in the order it asks for them."""
    given = iter(ids)
    rt = Runtime(clock=lambda: at, new_id=lambda: next(given))
    rt.handle({"type": "init", "site_data": data or site(), "collector": "https://c.test/collect",
               "shown_ahead": "nps", "storage": {},
               "page": {"url": URL, "channel": channel, "identities": identities, "language": language}})
    rt.handle({"type": "started"})
    rt.handle({"type": "command", "name": "install", "args": ["nps"]})
    return rt


def calls_of(effects: list[Any]) -> list[Any]:
    return [c for e in effects if e["type"] == "sdk" for c in e["calls"] if not c.get("reply")]


def test_every_choice_of_the_first_question_has_a_plan():
    plans = plans_of(site())
    assert plans is not None and plans["survey"] == "nps" and plans["question"] == "score"
    assert list(plans["choices"]) == [str(n) for n in range(11)]
    # Only where the page SDK the runtime asks for the visitor's ids is absent (in the app):
    # around a web page's message, the answers carry its ids, which no plan knows.
    assert plans["absent"] == ["clevertap"] and plans_of(site(), channel="braze-inapp")["absent"] == ["braze"]
    size = len(json.dumps(plans, separators=(",", ":")))
    assert 10_000 < size < 40_000, size        # the docs give the figure (architecture.md)
    yes_no = {**NPS, "id": "yn", "questions": [{"id": "ok", "type": "yes_no", "prompt": "OK?"}]}
    choice = {**NPS, "id": "pick", "questions": [{"id": "p", "type": "single_choice", "prompt": "Which?",
                                                  "choices": ["A & B", "<C>"]}]}
    assert list(plans_of(site(yes_no), "yn")["choices"]) == ["Yes", "No"]
    assert list(plans_of(site(choice), "pick", "braze-inapp")["choices"]) == ["A & B", "<C>"]


@pytest.mark.parametrize("first", [
    {"id": "t", "type": "text", "prompt": "Tell us"},
    {"id": "m", "type": "multiple_choice", "prompt": "Which?", "choices": ["a", "b"]},
])
def test_a_first_question_that_needs_a_submit_has_no_plans(first):
    data = site({**NPS, "questions": [first]})
    assert plans_of(data) is None
    html = embed_html("clevertap-inapp", SITE, "https://cdn.test/", "nps", survey=data.surveys[0])
    assert f'<script type="application/json" id="{protocol.ANSWER_PLANS_ELEMENT}">null</script>' in html


def test_a_welcome_step_has_no_plans():
    assert plans_of(site({**NPS, "welcome": {"text": "Hi", "button": "Start"}})) is None


def test_a_translated_survey_answered_in_another_language_calls_and_sends_what_the_plan_says():
    """The message holds the survey's own language; the phone's may be another: the runtime
    then asks in French, but its records and calls keep the survey's own words."""
    data = site({**NPS, "translations": {"fr": {"questions": {
        "score": {"prompt": "Recommanderiez-vous ?"}, "why": {"prompt": "Pourquoi ?"}}}}})
    plans = sent_by_the_vendor(plans_of(data), {"{{ Profile.Identity | default: 'null' }}": "user-7"})
    ids = [f"{n:032x}" for n in range(1, 40)]
    done = fill(plans["choices"]["7"], WRITTEN, ids, URL)
    rt = the_runtime(WRITTEN, ids, "clevertap-inapp", {"clevertap_identity": "user-7"}, data, "fr-FR")
    assert rt.screen.language == "fr"
    effects = rt.handle({"type": "ui", "action": "answer", "survey_id": "nps", "question_id": "score", "value": "7"})
    assert done["calls"] == calls_of(effects)
    assert json.loads(done["body"]) == {"records": rt.visit.delivery.outbox.items}


@pytest.mark.parametrize("channel, tags", [
    ("clevertap-inapp", {"{{ Profile.Identity | default: 'null' }}": "user-7"}),
    ("braze-inapp", {"{{${user_id}}}": "user-42"}),
])
def test_a_plan_carried_out_calls_and_sends_what_the_runtime_would(channel, tags):
    plans = sent_by_the_vendor(plans_of(site(), channel=channel), tags)
    at = WRITTEN + 3 * 86400 + 0.375
    ids = [f"{n:032x}" for n in range(1, 40)]
    done = fill(plans["choices"]["9"], at, ids, URL)
    embed = next(e for e in registry.embeds() if e.channel == channel)
    rt = the_runtime(at, ids, channel, {name: tags[tag] for name, tag in embed.identities.items()})
    before = {r["id"] for r in rt.visit.delivery.outbox.items}
    effects = rt.handle({"type": "ui", "action": "answer", "survey_id": "nps", "question_id": "score", "value": "9"})
    assert done["calls"] == calls_of(effects) and done["calls"]
    records = rt.visit.delivery.outbox.items
    assert json.loads(done["body"]) == {"records": records}
    assert done["facts"] == {"response_id": rt.screen.response_id, "view_id": records[0]["id"],
                             "answer_id": next(r["id"] for r in records if r["id"] not in before)}
    # The collector takes every record of it, with the vendor's id.
    checked = intake.check_body(done["body"].encode())
    assert not checked.rejected and len(checked.records) == 2
    assert checked.records[1]["identities"] == {embed_name: v for embed_name, v in
                                                zip(embed.identities, tags.values(), strict=True)}
    assert checked.records[1]["response_int"] == 9 and checked.records[1]["url"] == URL


def test_the_collector_reads_the_ids_of_a_plan_as_the_runtime_does():
    """A tag the vendor left unfilled, or CleverTap's 'null', is no id (the runtime ignores
    them in its message's settings); a filled one is kept, trimmed."""
    plans = plans_of(site())
    for filled, kept in (("null", {}), (" user-7 ", {"clevertap_identity": "user-7"})):
        body = fill(sent_by_the_vendor(plans, {"{{ Profile.Identity | default: 'null' }}": filled})
                    ["choices"]["3"]["body"], WRITTEN, [f"{n:032x}" for n in range(1, 40)], URL)
        assert intake.check_body(body.encode()).records[1]["identities"] == kept
    unfilled = fill(plans["choices"]["3"]["body"], WRITTEN, [f"{n:032x}" for n in range(1, 40)], URL)
    assert intake.check_body(unfilled.encode()).records[1]["identities"] == {}


def test_the_runtime_up_later_adopts_the_plan_carried_out():
    """The tap's plan was carried out at `at`; Python comes up later with other new ids: the
    answer is recorded under the plan's ids and moment (the collector keeps one), its view
    takes the plan's ids, no vendor call is made again, and the survey goes on."""
    plans = sent_by_the_vendor(plans_of(site()), {"{{ Profile.Identity | default: 'null' }}": "user-7"})
    at = WRITTEN + 60.0
    done = fill(plans["choices"]["10"], at, [f"{n:032x}" for n in range(1, 40)], URL)
    planned = {r["id"]: r for r in json.loads(done["body"])["records"]}
    rt = the_runtime(at + 2.5, [f"{n:032x}" for n in range(100, 140)], "clevertap-inapp",
                     {"clevertap_identity": "user-7"})
    effects = rt.handle({"type": "ui", "action": "answer", "survey_id": "nps", "question_id": "score", "value": "10",
                         "early": done["facts"]["answer_id"], "at": at, "carried_out": done["facts"]})
    assert calls_of(effects) == []                    # the plan called the vendor
    kept = {r["id"]: r for r in rt.visit.delivery.outbox.items}
    assert kept.keys() == planned.keys()
    answer = done["facts"]["answer_id"]
    assert kept[answer] == planned[answer]            # the same record, to the millisecond
    view = done["facts"]["view_id"]                   # (shown when Python came up: the collector keeps the first)
    assert {**kept[view], "shown_at": None} == {**planned[view], "shown_at": None}
    assert rt.screen.response_id == done["facts"]["response_id"]
    assert re.search("Why", next(e for e in effects if e["type"] == "mount")["html"])   # on to question 2
    effects = rt.handle({"type": "ui", "action": "submit", "survey_id": "nps", "question_id": "why",
                         "values": ["Fast"]})
    assert calls_of(effects)                          # the next answer goes to the vendor as ever
    assert {r["response_id"] for r in rt.visit.delivery.outbox.items} == {done["facts"]["response_id"]}


def test_a_carried_out_that_does_not_read_is_an_ordinary_early_click():
    rt = the_runtime(WRITTEN, [f"{n:032x}" for n in range(1, 40)], "clevertap-inapp", {})
    early = "e" * 32
    effects = rt.handle({"type": "ui", "action": "answer", "survey_id": "nps", "question_id": "score", "value": "4",
                         "early": early, "at": WRITTEN, "carried_out": {"response_id": "no spaces allowed"}})
    assert calls_of(effects)                          # not carried out: the runtime calls the vendor
    assert early in {r["id"] for r in rt.visit.delivery.outbox.items}


def test_the_plans_use_the_sites_settings():
    data = load_site_data({"format": 1, "site": SITE, "surveys": [NPS], "settings": {
        "forward": {"clevertap_event": "survey-question-response"}}})
    plans = plans_of(data)
    assert plans["choices"]["0"]["calls"][0]["chain"][0][1][0] == "survey-question-response"


def test_a_carried_out_for_another_question_changes_nothing():
    rt = the_runtime(WRITTEN, [f"{n:032x}" for n in range(1, 40)], "clevertap-inapp", {})
    response_id = rt.screen.response_id
    facts = {"response_id": "r" * 32, "view_id": "v" * 32, "answer_id": "a" * 32}
    effects = rt.handle({"type": "ui", "action": "answer", "survey_id": "nps", "question_id": "why", "value": "4",
                         "early": "a" * 32, "at": WRITTEN, "carried_out": facts})
    assert all(e["type"] == "store" and ":early:" in e["key"] for e in effects)   # the kept click forgotten, only
    assert rt.screen.response_id == response_id
    assert "v" * 32 not in {r["id"] for r in rt.visit.delivery.outbox.items}
