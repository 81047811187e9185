"""Invariants of the targeting engine, property-based (hypothesis). Kept apart from the
example-based tests so that those also run inside Pyodide (hypothesis has a native part)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from runtime.targeting import History, Occurrence, choose, decide, in_sample, trigger_hint, trigger_matches

from .test_targeting import NOW, ctx, survey

SURVEY_IDS = ["a", "b", "c"]
surveys_st = st.lists(st.fixed_dictionaries({
    "trigger": st.sampled_from([{"event": "go"}, {"type": "page_view"}, {"type": "manual"},
                                {"type": "seconds", "seconds": 5}, {"type": "scroll", "percent": 50}]),
    "frequency": st.sampled_from(["once", "until_responded", "always"]),
    "status": st.sampled_from(["published", "draft"]),
    "audience": st.fixed_dictionaries({"sample": st.integers(0, 100),
                                       "identified": st.sampled_from([None, True, False])}),
}), min_size=3, max_size=3).map(lambda specs: [survey(id=i, **spec) for i, spec in zip(SURVEY_IDS, specs, strict=True)])
occurrences = st.one_of(
    st.builds(Occurrence, st.just("event"), name=st.sampled_from(["go", "other"])),
    st.builds(Occurrence, st.sampled_from(["page_view", "exit_intent"])),
    st.builds(Occurrence, st.just("scroll"), percent=st.integers(0, 100)),
    st.builds(Occurrence, st.sampled_from(["manual", "timer"]), survey_id=st.sampled_from(SURVEY_IDS)),
)
histories = st.builds(History,
                      shown=st.dictionaries(st.sampled_from(SURVEY_IDS), st.floats(0, NOW)),
                      responded=st.dictionaries(st.sampled_from(SURVEY_IDS), st.floats(0, NOW)))
visitors = st.text("abcdef0123456789", min_size=8, max_size=32)


@settings(max_examples=300)
@given(surveys=surveys_st, what=occurrences, history=histories, visitor=visitors,
       preview=st.sampled_from(SURVEY_IDS))
def test_preview_shows_whenever_its_trigger_fires(surveys, what, history, visitor, preview):
    s = next(x for x in surveys if x.id == preview)
    d = decide(s, what, ctx(preview_id=preview, visitor_id=visitor), history)
    matches, wait = trigger_matches(s, what)
    assert (d.show or d.wait > 0) == matches
    chosen, _, _ = choose(surveys, what, ctx(preview_id=preview, visitor_id=visitor), history)
    if matches and not wait:
        assert chosen is not None and chosen.id == preview


@settings(max_examples=300)
@given(surveys=surveys_st, what=occurrences, history=histories, visitor=visitors)
def test_a_once_survey_never_shows_twice(surveys, what, history, visitor):
    for s in surveys:
        if s.frequency == "once" and s.id in history.shown and what.kind != "manual":
            assert not decide(s, what, ctx(visitor_id=visitor), history).show


@settings(max_examples=300)
@given(surveys=surveys_st, visitor=visitors)
def test_sampling_is_deterministic_per_visitor(surveys, visitor):
    for s in surveys:
        first = decide(s, Occurrence("page_view"), ctx(visitor_id=visitor), History())
        again = decide(s, Occurrence("page_view"), ctx(visitor_id=visitor), History())
        assert first == again
        assert in_sample(visitor, s.id, s.audience.sample) == in_sample(visitor, s.id, s.audience.sample)


@settings(max_examples=300)
@given(surveys=surveys_st, what=occurrences, history=histories, visitor=visitors)
def test_every_no_has_a_reason_and_hints_never_hide_a_showable_survey(surveys, what, history, visitor):
    c = ctx(visitor_id=visitor)
    hint = trigger_hint(surveys, history, now=NOW)
    for s in surveys:
        d = decide(s, what, c, history)
        assert d.reason
        if d.show and what.kind == "event":
            assert what.name in hint["events"]
        if (d.show or d.wait) and what.kind in ("page_view", "scroll", "exit_intent"):
            assert hint["page_view"]
        if d.show and what.kind != "manual":
            assert hint["not_before"] <= NOW
