"""Segment delivers a page's buffered `event` before its `identify`: what the visitor sees
must not depend on that order (issue 8)."""

import pytest

from runtime.undecided import WINDOW_SECONDS

from .test_embed import new_runtime, of


def pro_survey(**extra):
    return {"id": "pro", "site": "shop", "name": "Pro", "frequency": "always",
            "trigger": {"type": "event", "event": "Signed Up"},
            "audience": {"traits": {"rules": [{"key": "plan", "op": "equals", "value": "pro"}]}},
            "questions": [{"id": "q", "type": "text", "prompt": "Welcome, pro?"}], **extra}


@pytest.fixture
def site(site_data):
    site_data["surveys"] = [pro_survey()]
    return site_data


def started(rt):
    rt.handle({"type": "started"})


def shown(effects):
    return [e["survey_id"] for e in of(effects, "mount")]


@pytest.mark.parametrize("plan, expected", [("pro", ["pro"]), ("free", [])])
def test_event_then_identify_decides_like_identify_then_event(site, clock, plan, expected):
    first, _ = new_runtime(site, clock, started=False)
    seen = shown(first.command("identify", [{"external_id": "u-1", "plan": plan}]))
    seen += shown(first.command("event", ["Signed Up"]))
    second, _ = new_runtime(site, clock, started=False)
    later = shown(second.command("event", ["Signed Up"]))
    later += shown(second.command("identify", [{"external_id": "u-1", "plan": plan}]))
    assert seen == later == expected


def test_queued_before_start_up_has_no_window(site, clock):
    """Both calls in the start-up queue: however long the runtime took to take them in,
    the identify decides the event again."""
    rt, _ = new_runtime(site, clock, started=False)
    assert shown(rt.command("event", ["Signed Up"])) == []
    clock.now += 60
    assert shown(rt.command("identify", [{"plan": "pro"}])) == ["pro"]


@pytest.mark.parametrize("after, expected", [(WINDOW_SECONDS - 0.5, ["pro"]), (WINDOW_SECONDS + 0.5, [])])
def test_after_start_up_the_window_applies(site, clock, after, expected):
    rt, _ = new_runtime(site, clock, started=False)
    started(rt)
    rt.command("event", ["Signed Up"])
    clock.now += after
    assert shown(rt.command("identify", [{"plan": "pro"}])) == expected


def test_the_window_of_a_queued_event_starts_when_the_queue_is_taken_in(site, clock):
    rt, _ = new_runtime(site, clock, started=False)
    rt.command("event", ["Signed Up"])
    clock.now += 30
    started(rt)
    clock.now += WINDOW_SECONDS - 1
    assert shown(rt.command("identify", [{"plan": "pro"}])) == ["pro"]


def test_one_event_never_shows_a_survey_twice(site, clock):
    rt, _ = new_runtime(site, clock, started=False)
    rt.command("event", ["Signed Up"])
    assert shown(rt.command("identify", [{"plan": "pro"}])) == ["pro"]
    rt.handle({"type": "ui", "survey_id": "pro", "question_id": "q", "action": "close"})
    assert rt.screen.state == "empty"
    assert shown(rt.command("identify", [{"plan": "pro", "seats": 3}])) == []


def test_a_second_identify_may_still_decide_it(site, clock):
    rt, _ = new_runtime(site, clock, started=False)
    rt.command("event", ["Signed Up"])
    assert shown(rt.command("identify", [{"plan": "free"}])) == []
    assert shown(rt.command("identify", [{"plan": "pro"}])) == ["pro"]


@pytest.mark.parametrize("change, reason", [
    ({"pages": {"rules": [{"field": "path", "op": "starts_with", "value": "/signup"}]}}, "pages"),
    ({"audience": {"sample": 0, "traits": {"rules": [{"key": "plan", "op": "equals", "value": "pro"}]}}},
     "sample"),
])
def test_rightly_not_shown_stays_not_shown(site_data, clock, change, reason):
    site_data["surveys"] = [pro_survey(**change)]
    rt, _ = new_runtime(site_data, clock)
    rt.command("identify", [{"plan": "pro"}])
    assert shown(rt.command("event", ["Signed Up"])) == []
    assert shown(rt.command("identify", [{"plan": "pro", "again": True}])) == []


def test_frequency_still_holds_when_decided_again(site_data, clock):
    site_data["surveys"] = [pro_survey(frequency="once")]
    rt, _ = new_runtime(site_data, clock)
    rt.command("event", ["Signed Up"])
    assert shown(rt.command("identify", [{"plan": "pro"}])) == ["pro"]
    rt.handle({"type": "ui", "survey_id": "pro", "question_id": "q", "action": "close"})
    # A new event from an anonymous-looking visitor (traits reset by a new page view).
    again, _ = new_runtime(site_data, clock, storage={
        "sondage:v1:shop:history": {"shown": {"pro": clock.now}, "responded": {}}})
    again.command("event", ["Signed Up"])
    assert shown(again.command("identify", [{"plan": "pro"}])) == []


def test_only_the_audience_surveys_are_decided_again(site_data, clock):
    """The event also matched a survey that failed on its page rules: after identify, only
    the audience-targeted one shows."""
    other = pro_survey(id="paged", audience={},
                       pages={"rules": [{"field": "path", "op": "equals", "value": "/nope"}]})
    site_data["surveys"] = [other, pro_survey()]
    rt, _ = new_runtime(site_data, clock)
    rt.command("event", ["Signed Up"])
    assert shown(rt.command("identify", [{"plan": "pro"}])) == ["pro"]


def test_a_survey_on_screen_blocks_the_second_decision(site_data, clock):
    site_data["surveys"].insert(0, pro_survey())
    rt, _ = new_runtime(site_data, clock)
    rt.command("event", ["Signed Up"])
    assert shown(rt.command("event", ["bought"])) == ["nps"]
    assert shown(rt.command("identify", [{"plan": "pro"}])) == []


def test_uninstall_forgets_what_was_waiting(site, clock):
    rt, _ = new_runtime(site, clock, started=False)
    rt.command("event", ["Signed Up"])
    rt.command("uninstall", [])
    assert shown(rt.command("identify", [{"plan": "pro"}])) == []


def test_debug_says_the_event_was_decided_before_identify(site, clock):
    rt, _ = new_runtime(site, clock, started=False)
    rt.visit.page.debug = True
    [line] = of(rt.command("event", ["Signed Up"]), "console")
    assert "audience: trait plan equals 'pro' (plan is not set)" in line["message"]
    assert "the visitor is not identified yet" in line["message"]
    assert f"an identify within {WINDOW_SECONDS:g} s" in line["message"]
    effects = rt.command("identify", [{"external_id": "u-1", "plan": "free"}])
    [again] = of(effects, "console")
    assert "event 'Signed Up' decided again after identify" in again["message"]
    assert "(plan is 'free')" in again["message"]


def test_debug_names_the_property_rule_that_failed(site_data, clock):
    site_data["surveys"][0]["trigger"] = {"event": "bought", "properties": {"rules": [
        {"key": "total", "op": "greater_than", "value": 100}]}}
    rt, _ = new_runtime(site_data, clock)
    rt.visit.page.debug = True
    [line] = of(rt.command("event", ["bought", {"total": 20}]), "console")
    assert ("the event 'bought' came, but its properties do not match: "
            "property total greater than 100 (total is 20)") in line["message"]
