"""Iterate's commands as the runtime applies them: identify typing, uninstall, page changes, Segment."""

import pytest

from runtime import segment_plugin

from .conftest import Clock
from .test_embed import new_runtime, of


@pytest.fixture
def rt(site_data):
    runtime, _ = new_runtime(site_data, Clock())
    return runtime


def test_identify_keeps_iterates_trait_types_and_warns_about_others(rt):
    effects = rt.command("identify", [{"external_id": 123, "plan": "pro", "seats": 4, "trial": False,
                                       "joined": {"type": "date", "value": 1700000000.7},
                                       "tags": ["a"], "address": {"city": "Lyon"}},
                                      {"order": "A-1", "bad": None}])
    assert rt.visit.visitor.traits == {"external_id": "123", "plan": "pro", "seats": 4, "trial": False,
                         "joined": {"type": "date", "value": 1700000000}}
    assert rt.visit.visitor.response_properties == {"order": "A-1"}
    messages = [e["message"] for e in of(effects, "console")]
    assert any("trait 'tags'" in m for m in messages) and any("trait 'address'" in m for m in messages)
    assert any("response property 'bad'" in m for m in messages)
    rt.command("identify", [{"plan": "team"}])      # later calls merge, newest wins
    assert rt.visit.visitor.traits["plan"] == "team" and rt.visit.visitor.traits["seats"] == 4


def test_uninstall_removes_the_widget_and_stops_until_install(rt):
    assert of(rt.command("event", ["bought"]), "mount")
    assert rt.command("uninstall", []) == [{"type": "unmount"}]
    assert rt.command("event", ["bought"]) == []                  # stopped
    assert rt.handle({"type": "page", "url": "https://shop.test/next"}) == []
    assert rt.visit.page.url == "https://shop.test/next"                     # still follows the page
    [mount] = of(rt.command("install", []), "mount")              # page view again
    assert mount["survey_id"] == "welcome"


def test_page_changes_count_as_page_views_only_after_install(rt):
    assert rt.handle({"type": "page", "url": "https://shop.test/a"}) == []
    rt.command("install", [])
    rt.handle({"type": "ui", "survey_id": "welcome", "action": "close"})
    [mount] = of(rt.handle({"type": "page", "url": "https://shop.test/b"}), "mount")
    assert mount["survey_id"] == "welcome" and rt.visit.page.url == "https://shop.test/b"


def test_segment_mapping_matches_the_iterate_destination():
    assert segment_plugin.commands({"type": "track", "event": "Order Completed", "properties": {"x": 1}}) == \
        [("event", ["Order Completed", {"x": 1}])]
    assert segment_plugin.commands({"type": "track", "event": "Viewed", "properties": {}}) == [("event", ["Viewed"])]
    assert segment_plugin.commands({"type": "identify", "userId": "u-9", "traits": {"plan": "pro"}}) == \
        [("identify", [{"plan": "pro", "external_id": "u-9"}])]
    assert segment_plugin.commands({"type": "identify", "userId": None, "anonymousId": "a", "traits": {}}) == \
        [("identify", [{}])]
    assert segment_plugin.commands({"type": "page", "context": {"page": {"url": "https://x.test/p"}}}) == \
        [("page", ["https://x.test/p"])]
    assert segment_plugin.commands({"type": "group", "groupId": "g"}) == []
    with pytest.raises(segment_plugin.SegmentEventError):
        segment_plugin.commands({"type": "track"})


def test_segment_command_drives_the_runtime(rt):
    rt.command("segment", [{"type": "identify", "userId": "u-9", "traits": {"plan": "pro"}}])
    assert rt.visit.visitor.traits == {"plan": "pro", "external_id": "u-9"}
    assert of(rt.command("segment", [{"type": "track", "event": "bought"}]), "mount")
    [w] = rt.command("segment", ["nonsense"])
    assert "Segment plugin" in w["message"]


@pytest.mark.parametrize("name, args, words", [
    ("event", [], "Iterate('event', name) needs the event name"),
    ("event", ["bought", {}, "extra"], "Iterate('event') takes at most 2 argument(s), got 3"),
    ("install", [42], "Iterate('install', surveyId) needs a survey id"),
    ("url", [], "Iterate('url', href) needs a URL"),
    ("uninstall", ["now"], "Iterate('uninstall') takes at most 0 argument(s), got 1"),
    ("debug", [1, 2], "Iterate('debug') takes at most 0 argument(s), got 2"),
    ("identify", ["u-1"], "Iterate('identify', traits) needs an object of traits"),
    ("explode", [], "unknown command Iterate('explode')"),
])
def test_the_callers_mistakes_are_named_and_nothing_runs(rt, name, args, words):
    [warning] = rt.command(name, args)
    assert warning == {"type": "console", "level": "warn", "message": f"Sondage: {words}; ignored"}


def test_a_bug_inside_the_engine_is_not_blamed_on_the_caller(rt, monkeypatch):
    """A TypeError deep inside targeting propagates (browser.py reports it as a runtime
    error) instead of becoming "wrong arguments for Iterate('event')"."""
    from runtime import deciding

    def broken(*_args, **_kwargs):
        raise TypeError("a bug in the engine")

    monkeypatch.setattr(deciding, "choose", broken)
    with pytest.raises(TypeError, match="a bug in the engine"):
        rt.command("event", ["bought"])


def test_callback_registrations_reach_python_as_nothing_to_do(rt):
    assert rt.command("onResponse", []) == []


def test_unknown_messages_are_reported(rt):
    [warning] = rt.handle({"type": "telepathy"})
    assert warning["level"] == "warn" and "unknown message type 'telepathy'" in warning["message"]
