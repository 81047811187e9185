"""A survey's own page (a link or an email) for a survey that asks no one now: it ended, its
response limit was reached, or it has not opened yet. The visitor who clicked the link reads
why, in their language, instead of a blank page; nothing is recorded and no callback runs."""

from __future__ import annotations

import pytest

from runtime.embed import Runtime
from tests.unit.conftest import make_site_data

NOW = 1_700_000_000.0          # 2023-11-14
LINK = "https://cdn.test/s/shop/nps/?answer=9"


def site(**changes):
    data = make_site_data()
    data["surveys"][0].update(changes)
    return data


def page(site_data, channel="hosted", status=None, language="en"):
    rt = Runtime(clock=lambda: NOW, new_id=iter(f"id{n:030d}" for n in range(1000)).__next__)
    effects = rt.handle({"type": "init", "site_data": site_data, "collector": "https://c.test/collect",
                         "storage": {}, "status": status, "page": {"url": LINK, "channel": channel,
                                                                   "language": language}})
    return rt, effects + rt.command("install", ["nps"])


def of(effects, kind):
    return [e for e in effects if e["type"] == kind]


@pytest.mark.parametrize("changes, status, why, words", [
    ({"ends_at": "2023-11-01T00:00:00Z"}, None, "closed", "This survey has closed. Thank you for your interest."),
    ({"limit": {"responses": 100}}, {"closed": ["nps"]}, "closed", "This survey has closed."),
    ({"starts_at": "2023-12-01T00:00:00Z"}, None, "not_open", "This survey is not open yet. Please come back later."),
])
def test_the_survey_s_own_page_says_it_is_closed_and_records_nothing(changes, status, why, words):
    rt, effects = page(site(**changes), status=status)
    mounted = of(effects, "mount")
    assert len(mounted) == 1 and f'data-closed="{why}"' in mounted[0]["html"] and words in mounted[0]["html"]
    assert mounted[0]["focus"] is True                              # the visitor opened it
    assert 'data-action="answer"' not in mounted[0]["html"]         # the link's answer= is not taken
    assert not of(effects, "deliver") and not of(effects, "callback")
    assert "nps" not in rt.visit.history.shown
    closed = rt.handle({"type": "ui", "action": "close", "survey_id": "nps"})
    assert [e["type"] for e in closed] == ["unmount"]               # no onClose: nothing was shown


def test_it_speaks_the_visitor_s_language_when_the_survey_does():
    data = site(ends_at="2023-11-01T00:00:00Z")
    data["surveys"][0]["translations"] = {"fr": {"questions": {"score": {"prompt": "Probable ?"},
                                                               "why": {"prompt": "Pourquoi ?"}}}}
    _, effects = page(data, language="fr")
    assert "Ce questionnaire est clos." in of(effects, "mount")[0]["html"]


def test_on_a_site_s_pages_a_closed_survey_shows_nothing():
    for channel in ("page", "braze-inapp"):
        _, effects = page(site(ends_at="2023-11-01T00:00:00Z"), channel=channel)
        assert not of(effects, "mount"), channel
    # An open survey on its own page is the survey itself, as before.
    _, effects = page(make_site_data())
    assert 'data-action="answer"' in of(effects, "mount")[0]["html"]
