"""The eligibility engine: decisions and their reasons, and invariants over any input."""

from hypothesis import given, strategies as st

from sondage.runtime.survey_format import load_site_data
from sondage.runtime.targeting import (
    Context, History, Occurrence, choose, decide, matches_trigger, trigger_hint)

from .conftest import make_site_data

SURVEYS = {s.id: s for s in load_site_data(make_site_data()).surveys}


def surveys(site_data):
    return {s.id: s for s in load_site_data(site_data).surveys}


def test_event_survey_shows_on_its_event_only(site_data):
    s = surveys(site_data)["nps"]
    assert decide(s, Occurrence("event", name="bought"), Context(), History()).show
    d = decide(s, Occurrence("event", name="viewed"), Context(), History())
    assert not d.show and d.reason == "waits for the event 'bought'"


def test_once_means_once(site_data):
    s = surveys(site_data)["nps"]
    d = decide(s, Occurrence("event", name="bought"), Context(), History(shown={"nps": 1.0}))
    assert not d.show and "already shown" in d.reason


def test_draft_only_in_preview(site_data):
    s = surveys(site_data)["draft"]
    what = Occurrence("event", name="bought")
    assert "draft" in decide(s, what, Context(), History()).reason
    d = decide(s, what, Context(preview_id="draft"), History(shown={"draft": 5.0}))
    assert d.show and d.preview


def test_manual_install_by_id(site_data):
    s = surveys(site_data)["manual"]
    assert decide(s, Occurrence("manual", survey_id="manual"), Context(), History()).show
    assert not decide(s, Occurrence("page_view"), Context(), History()).show


def test_choose_takes_first_eligible_in_file_order_and_reports_all(site_data):
    chosen, decision, all_ = choose(load_site_data(site_data).surveys,
                                    Occurrence("event", name="bought"), Context(), History())
    assert chosen.id == "nps" and decision.show
    assert [sid for sid, _ in all_] == ["nps", "manual", "welcome", "draft"]


def test_hint_lists_published_triggers_only(site_data):
    hint = trigger_hint(load_site_data(site_data).surveys)
    assert hint == {"events": ["bought"], "page_view": True}


def test_history_survives_json_and_ignores_garbage():
    h = History(shown={"a": 1.5}, responded={"a": 2.0})
    assert History.from_json(h.to_json()) == h
    assert History.from_json({"shown": {"a": "x", "b": True, "c": 3}}) == History(shown={"c": 3.0})
    assert History.from_json("nonsense") == History()


# -- invariants --------------------------------------------------------------------------
occurrences = st.one_of(
    st.builds(Occurrence, st.just("event"), name=st.sampled_from(["bought", "viewed", ""])),
    st.builds(Occurrence, st.just("page_view")),
    st.builds(Occurrence, st.just("manual"), survey_id=st.sampled_from(["nps", "manual", "welcome", "draft", "x"])),
)
histories = st.builds(History, shown=st.dictionaries(st.sampled_from(["nps", "manual", "welcome", "draft"]),
                                                      st.floats(0, 1e10)))


@given(what=occurrences, history=histories, survey_id=st.sampled_from(["nps", "manual", "welcome", "draft"]))
def test_preview_shows_whenever_its_trigger_fires(what, history, survey_id):
    s = SURVEYS[survey_id]
    d = decide(s, what, Context(preview_id=survey_id), history)
    assert d.show == matches_trigger(s, what)


@given(what=occurrences, history=histories)
def test_a_once_survey_already_shown_never_shows_again_outside_preview_and_manual(what, history):
    for s in SURVEYS.values():
        if s.frequency == "once" and s.id in history.shown and what.kind != "manual":
            assert not decide(s, what, Context(), history).show
