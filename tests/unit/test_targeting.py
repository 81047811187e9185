"""The eligibility engine: every rule, its reason in words, and invariants over any input."""

from __future__ import annotations

import copy

import pytest

from runtime.survey_format import SiteSettings, load_survey
from runtime.targeting import (
    DAY,
    HOUR,
    Context,
    History,
    Occurrence,
    choose,
    decide,
    device_type,
    in_sample,
    next_event_surveys,
    next_page_view_survey,
    trigger_hint,
    trigger_matches,
)

NOW = 1_800_000_000.0
BASE = {"id": "s", "site": "k", "name": "S", "trigger": {"event": "bought"},
        "questions": [{"id": "q", "type": "nps", "prompt": "How likely?"}]}


def survey(**changes):
    data = copy.deepcopy(BASE)
    data.update(changes)
    return load_survey(data)


def ctx(**kw):
    kw.setdefault("now", NOW)
    kw.setdefault("visitor_id", "visitor-1")
    kw.setdefault("url", "https://shop.test/products/coffee?ref=mail")
    return Context(**kw)


BOUGHT = Occurrence("event", name="bought")


def verdict(s, what=BOUGHT, c=None, h=None, site=None):
    return decide(s, what, c or ctx(), h or History(), site)


# -- triggers ---------------------------------------------------------------------------
def test_event_trigger_exact_name_and_property_filters():
    s = survey(trigger={"event": "bought", "properties": {"rules": [
        {"key": "total", "op": "greater_than", "value": 50}, {"key": "coupon", "op": "is_not_set"}]}})
    assert verdict(s, Occurrence("event", name="bought", properties={"total": 80})).show
    d = verdict(s, Occurrence("event", name="bought", properties={"total": 20}))
    assert not d.show and d.reason == ("the event 'bought' came, but its properties do not match: "
                                       "property total greater than 50 (total is 20)")
    assert not verdict(s, Occurrence("event", name="bought", properties={"total": 80, "coupon": "X"})).show
    assert not verdict(s, Occurrence("event", name="Bought", properties={"total": 80})).show


def test_seconds_trigger_waits_on_a_page_view_then_shows_on_its_timer():
    s = survey(trigger={"type": "seconds", "seconds": 20})
    d = verdict(s, Occurrence("page_view"))
    assert (d.verdict, d.wait) == ("wait", 20.0) and "after 20 s" in d.reason
    assert verdict(s, Occurrence("timer", survey_id="s")).show
    assert not verdict(s, Occurrence("timer", survey_id="other")).show


def test_scroll_exit_intent_page_view_and_manual_triggers():
    scroll = survey(trigger={"type": "scroll", "percent": 60})
    assert not verdict(scroll, Occurrence("scroll", percent=50)).show
    assert verdict(scroll, Occurrence("scroll", percent=75)).show
    assert verdict(survey(trigger={"type": "exit_intent"}), Occurrence("exit_intent")).show
    assert verdict(survey(trigger={"type": "page_view"}), Occurrence("page_view")).show
    manual = survey(trigger={"type": "manual"})
    assert not verdict(manual, Occurrence("page_view")).show
    assert verdict(manual, Occurrence("manual", survey_id="s")).show
    assert trigger_matches(manual, Occurrence("manual", survey_id="x")) == (False, 0.0)


# -- page rules -------------------------------------------------------------------------
@pytest.mark.parametrize("rule, shows", [
    ({"field": "path", "op": "equals", "value": "/products/coffee"}, True),
    ({"field": "path", "op": "not_equals", "value": "/products/coffee"}, False),
    ({"op": "contains", "value": "REF=MAIL"}, True),                    # contains ignores case
    ({"op": "not_contains", "value": "checkout"}, True),
    ({"field": "path", "op": "starts_with", "value": "/products"}, True),
    ({"field": "path", "op": "not_starts_with", "value": "/products"}, False),
    ({"field": "path", "op": "ends_with", "value": "/coffee"}, True),
    ({"field": "path", "op": "not_ends_with", "value": "/tea"}, True),
    ({"op": "matches", "value": r"/products/\w+\?"}, True),
    ({"op": "not_matches", "value": r"ref=(mail|ads)"}, False),
])
def test_each_page_rule(rule, shows):
    assert verdict(survey(pages={"rules": [rule]})).show is shows


def test_page_rules_all_any_and_reason():
    rules = [{"field": "path", "op": "starts_with", "value": "/checkout"},
             {"op": "contains", "value": "ref=mail"}]
    d = verdict(survey(pages={"rules": rules}))
    assert d.reason == "page rule: path starts with '/checkout' (the path is '/products/coffee')"
    assert verdict(survey(pages={"match": "any", "rules": rules})).show


# -- audience ---------------------------------------------------------------------------
def traits_survey(*rules, match="all"):
    return survey(audience={"traits": {"match": match, "rules": list(rules)}})


@pytest.mark.parametrize("rule, traits, shows", [
    ({"key": "plan", "op": "equals", "value": "pro"}, {"plan": "pro"}, True),
    ({"key": "plan", "op": "equals", "value": "pro"}, {"plan": "free"}, False),
    ({"key": "plan", "op": "not_equals", "value": "pro"}, {}, True),
    ({"key": "email", "op": "contains", "value": "@ACME.com"}, {"email": "a@acme.com"}, True),
    ({"key": "email", "op": "not_contains", "value": "@acme"}, {"email": "a@acme.com"}, False),
    ({"key": "seats", "op": "greater_than", "value": 5}, {"seats": 10}, True),
    ({"key": "seats", "op": "less_than", "value": 5}, {"seats": 10}, False),
    ({"key": "joined", "op": "greater_than", "value": "2024-01-01"},
     {"joined": {"type": "date", "value": 1735689600}}, True),            # 2025-01-01
    ({"key": "joined", "op": "less_than", "value": "2024-01-01"},
     {"joined": {"type": "date", "value": 1735689600}}, False),
    ({"key": "email", "op": "is_set"}, {"email": "a@b.c"}, True),
    ({"key": "email", "op": "is_set"}, {"email": ""}, False),
    ({"key": "email", "op": "is_not_set"}, {}, True),
    ({"key": "plan", "op": "one_of", "values": ["pro", "team"]}, {"plan": "team"}, True),
    ({"key": "plan", "op": "not_one_of", "values": ["pro", "team"]}, {"plan": "team"}, False),
    ({"key": "trial", "op": "equals", "value": True}, {"trial": True}, True),
    ({"key": "trial", "op": "equals", "value": True}, {"trial": False}, False),
    ({"key": "age", "op": "equals", "value": 30}, {"age": 30.0}, True),
])
def test_each_trait_rule(rule, traits, shows):
    assert verdict(traits_survey(rule), c=ctx(traits=traits)).show is shows


def test_trait_reason_names_the_rule_and_the_value():
    d = verdict(traits_survey({"key": "plan", "op": "one_of", "values": ["pro", "team"]}),
                c=ctx(traits={"plan": "free"}))
    assert d.reason == "audience: trait plan one of ['pro', 'team'] (plan is 'free')"
    d = verdict(traits_survey({"key": "seats", "op": "greater_than", "value": 5}), c=ctx())
    assert d.reason == "audience: trait seats greater than 5 (seats is not set)"


def test_identified_device_and_language():
    only_known = survey(audience={"identified": True})
    assert not verdict(only_known).show
    assert verdict(only_known, c=ctx(traits={"external_id": "u1"})).show
    assert verdict(survey(audience={"identified": False})).show
    mobile = survey(audience={"devices": ["mobile", "tablet"]})
    assert verdict(mobile).reason == "audience: mobile, tablet only (this is desktop)"
    assert verdict(mobile, c=ctx(device="tablet")).show
    french = survey(audience={"languages": ["fr"]})
    assert not verdict(french, c=ctx(language="en-US")).show
    assert verdict(french, c=ctx(language="fr-CA")).show
    assert verdict(french, c=ctx(language="en-US", traits={"language": "fr"})).show  # the trait wins


@pytest.mark.parametrize("ua, touch, kind", [
    ("Mozilla/5.0 (X11; Linux x86_64) Chrome/156", 0, "desktop"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Mobile/15E148", 5, "mobile"),
    ("Mozilla/5.0 (Linux; Android 15; Pixel 9) Mobile Safari/537.36", 5, "mobile"),
    ("Mozilla/5.0 (Linux; Android 14; SM-X910) Safari/537.36", 5, "tablet"),
    ("Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X)", 5, "tablet"),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) Safari/605.1.15", 5, "tablet"),  # iPadOS
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) Safari/605.1.15", 0, "desktop"),
])
def test_device_type(ua, touch, kind):
    assert device_type(ua, touch) == kind


# -- frequency, cooldown, sample --------------------------------------------------------
def test_frequencies():
    shown = History(shown={"s": NOW - 2 * DAY})
    assert "frequency once" in verdict(survey(), h=shown).reason
    until = survey(frequency="until_responded")
    assert verdict(until, h=shown).show
    assert "already answered" in verdict(until, h=History(shown={"s": 1}, responded={"s": 2})).reason
    weekly = survey(frequency="every_n_days", every_days=7)
    d = verdict(weekly, h=shown)
    assert not d.show and d.not_before == NOW + 5 * DAY and "shown again in 5.0 days" in d.reason
    assert "frequency every 7 days:" in d.reason
    daily = verdict(survey(frequency="every_n_days", every_days=1), h=History(shown={"s": NOW - DAY / 2}))
    assert "frequency every day: shown again in 0.5 days" in daily.reason     # not "every 1 days"
    assert verdict(weekly, h=History(shown={"s": NOW - 8 * DAY})).show
    assert verdict(survey(frequency="always"), h=shown).show


def test_cooldown_between_two_surveys_not_within_one():
    other_shown = History(shown={"other": NOW - 10 * HOUR})
    d = verdict(survey(frequency="always"), h=other_shown)
    assert not d.show and d.not_before == NOW + 62 * HOUR
    assert d.reason == "cooldown: survey 'other' was shown 10.0 h ago (the site waits 72 h between surveys)"
    assert verdict(survey(frequency="always"), h=other_shown, site=SiteSettings(cooldown_hours=8)).show
    assert verdict(survey(frequency="always"), h=History(shown={"s": NOW - HOUR})).show


def test_sample_is_sticky_and_roughly_the_percentage():
    s = survey(audience={"sample": 30})
    picked = [verdict(s, c=ctx(visitor_id=f"v{i}")).show for i in range(2000)]
    assert 0.25 < sum(picked) / len(picked) < 0.35
    assert picked == [verdict(s, c=ctx(visitor_id=f"v{i}")).show for i in range(2000)]
    out = next(i for i, p in enumerate(picked) if not p)
    assert verdict(s, c=ctx(visitor_id=f"v{out}")).reason == "sample: this visitor is not in the 30% who see it"


def test_draft_only_in_preview_and_preview_skips_everything_but_the_trigger():
    s = survey(status="draft", frequency="once", pages={"rules": [{"op": "contains", "value": "/nowhere"}]},
               audience={"identified": True, "sample": 0})
    assert "draft" in verdict(s).reason
    d = verdict(s, c=ctx(preview_id="s"), h=History(shown={"s": NOW, "other": NOW}))
    assert d.show and d.preview
    assert not verdict(s, Occurrence("event", name="viewed"), c=ctx(preview_id="s")).show


def test_choose_prefers_the_preview_then_file_order():
    a, b = survey(id="a"), survey(id="b")
    chosen, _, decisions = choose([a, b], BOUGHT, ctx(), History())
    assert chosen.id == "a" and [s.id for s, _ in decisions] == ["a", "b"]
    chosen, d, _ = choose([a, b], BOUGHT, ctx(preview_id="b"), History())
    assert chosen.id == "b" and d.preview


# -- hints ------------------------------------------------------------------------------
def test_trigger_hint_and_nothing_before():
    surveys = [survey(id="e"), survey(id="p", trigger={"type": "page_view"}),
               survey(id="sc", trigger={"type": "scroll", "percent": 40}),
               survey(id="x", trigger={"type": "exit_intent"}),
               survey(id="d", status="draft", trigger={"event": "never"})]
    hint = trigger_hint(surveys)
    assert hint == {"events": ["bought"], "page_view": True, "scroll": [40], "exit_intent": True,
                    "not_before": 0, "event_windows": {}, "page_view_window": None}
    # Everything in cooldown: nothing can show before it ends.
    h = History(shown={"e": NOW - HOUR})
    assert trigger_hint(surveys, h, now=NOW)["not_before"] == NOW + 71 * HOUR


def test_next_page_view_survey_only_when_certain():
    plain = survey(id="p", trigger={"type": "page_view"})
    assert next_page_view_survey([plain], History()).id == "p"
    assert next_page_view_survey([plain], History(shown={"p": 1})) is None     # once, seen
    paged = survey(id="p", trigger={"type": "page_view"}, pages={"rules": [{"op": "contains", "value": "x"}]})
    assert next_page_view_survey([paged], History()) is None
    sampled = survey(id="p", trigger={"type": "page_view"}, audience={"sample": 50})
    assert next_page_view_survey([sampled], History()) is None                  # unknown visitor
    known = [v for v in (f"v{i}" for i in range(50)) if in_sample(v, "p", 50)]
    assert next_page_view_survey([sampled], History(), visitor_id=known[0]).id == "p"


def test_next_event_surveys_only_when_certain():
    bought = survey(id="b", trigger={"event": "bought"})
    assert next_event_surveys([bought], History()) == {"bought": "b"}
    assert next_event_surveys([bought], History(shown={"b": 1})) == {}              # once, seen
    # The first survey the event fires depends on traits: nothing is certain for that event.
    pro = survey(id="pro", trigger={"event": "bought"}, audience={"traits": {"rules": [
        {"key": "plan", "op": "equals", "value": "pro"}]}})
    assert next_event_surveys([pro, bought], History()) == {}
    assert next_event_surveys([bought, pro], History()) == {"bought": "b"}          # b comes first
    by_total = survey(id="t", trigger={"event": "paid", "properties": {"rules": [
        {"key": "total", "op": "greater_than", "value": 10}]}})
    paged = survey(id="p", trigger={"event": "viewed"}, pages={"rules": [{"op": "contains", "value": "x"}]})
    sampled = survey(id="s", trigger={"event": "left"}, audience={"sample": 50})
    assert next_event_surveys([by_total, paged, sampled], History()) == {}
    known = [v for v in (f"v{i}" for i in range(50)) if in_sample(v, "s", 50)]
    assert next_event_surveys([sampled], History(), visitor_id=known[0]) == {"left": "s"}
    draft = survey(id="d", status="draft", trigger={"event": "bought"})
    assert next_event_surveys([draft, bought], History()) == {"bought": "b"}       # drafts never show


# -- invariants over any input ----------------------------------------------------------
