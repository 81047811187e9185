"""A survey's life in time: starts_at / ends_at in the format (checked at build), in the
decision (with its reason, as `?iterate_debug=1` shows it), and in the hint, so that a page
view before a survey starts or after it ends downloads no Python."""

from __future__ import annotations

import copy
import datetime as dt

import pytest

from runtime.hints import event_ahead_file, hint
from runtime.schema import FormatError
from runtime.survey_format import load_survey
from runtime.targeting import Context, History, Occurrence, decide, next_event_surveys, next_page_view_survey

START = dt.datetime(2027, 1, 10, 8, 0, tzinfo=dt.UTC).timestamp()
END = dt.datetime(2027, 1, 20, 8, 0, tzinfo=dt.UTC).timestamp()
BASE = {"id": "s", "site": "k", "name": "S", "trigger": {"event": "bought"},
        "questions": [{"id": "q", "type": "nps", "prompt": "How likely?"}]}
BOUGHT = Occurrence("event", name="bought")


def survey(**changes):
    data = copy.deepcopy(BASE)
    data.update(changes)
    return load_survey(data)


WINDOW = {"starts_at": "2027-01-10T09:00:00+01:00", "ends_at": "2027-01-20T08:00:00Z"}


def at(now, s, what=BOUGHT, preview=None):
    return decide(s, what, Context(now=now, visitor_id="v", preview_id=preview), History())


def test_the_window_is_read_with_its_zone():
    assert survey(**WINDOW).window() == (START, END)
    assert survey().window() == (0.0, 0.0)


@pytest.mark.parametrize("changes, field, words", [
    ({"starts_at": "2027-01-10T09:00:00"}, "starts_at", "not an ISO date-time with a zone"),
    ({"ends_at": "next tuesday"}, "ends_at", "not an ISO date-time with a zone"),
    ({"starts_at": "2027-01-20T08:00:00Z", "ends_at": "2027-01-10T08:00:00Z"}, "ends_at", "is not after starts_at"),
    ({"starts_at": "2027-01-10T08:00:00Z", "ends_at": "2027-01-10T08:00:00Z"}, "ends_at", "never show"),
])
def test_a_bad_schedule_names_its_field(changes, field, words):
    with pytest.raises(FormatError) as e:
        survey(**changes)
    assert e.value.path == field and words in str(e.value)


def test_before_the_start_the_reason_says_when_it_starts():
    d = at(START - 2 * 86400, survey(**WINDOW))
    assert not d.show and d.stage == "schedule" and d.not_before == START
    assert d.reason == "schedule: starts 2027-01-10 08:00 UTC (in 2.0 days)"
    assert at(START - 1800, survey(**WINDOW)).reason == "schedule: starts 2027-01-10 08:00 UTC (in 0.5 h)"


def test_inside_the_window_it_shows_and_from_the_end_on_it_does_not():
    assert at(START, survey(**WINDOW)).show
    assert at(END - 1, survey(**WINDOW)).show
    d = at(END, survey(**WINDOW))
    assert not d.show and d.reason == "schedule: ended 2027-01-20 08:00 UTC"


def test_preview_ignores_the_schedule_and_install_does_not():
    assert at(END + 1, survey(**WINDOW), preview="s").show
    assert not at(END + 1, survey(**WINDOW), what=Occurrence("manual", survey_id="s")).show


def test_the_sites_hint_loads_no_python_outside_the_windows():
    early = survey(id="early", trigger={"event": "bought"}, ends_at="2027-01-05T00:00:00Z")
    later = survey(id="later", trigger={"event": "bought"}, **WINDOW)
    always = survey(id="always", trigger={"event": "opened"})
    pages = survey(id="pages", trigger={"type": "page_view"}, starts_at=WINDOW["starts_at"])
    site = hint([early, later, always, pages])        # the build's: for any time
    assert site["events"] == ["bought", "opened"]
    assert site["event_windows"] == {"bought": [0.0, END]}     # the two surveys' windows together
    assert site["page_view_window"] == [START, 0.0]
    assert site["not_before"] == 0


def test_a_visitors_hint_drops_what_ended_and_waits_for_what_has_not_started():
    later = survey(id="later", **WINDOW)
    ended = survey(id="ended", trigger={"event": "left"}, ends_at="2027-01-05T00:00:00Z")
    mine = hint([later, ended], History(), now=START - 86400)
    assert mine["events"] == ["bought"] and mine["event_windows"] == {"bought": [START, END]}
    assert mine["not_before"] == START           # nothing at all can show before the start
    assert hint([later, ended], History(), now=END)["events"] == []


def test_a_scheduled_survey_is_never_shown_ahead():
    """Shown ahead, it would be on screen before Python could say it has ended."""
    s = survey(id="s", trigger={"type": "page_view"}, **WINDOW)
    assert next_page_view_survey([s], History(), visitor_id="v", now=START + 1) is None
    e = survey(id="e", **WINDOW)
    assert next_event_surveys([e], History(), visitor_id="v", now=START + 1) == {}
    assert event_ahead_file([e]) == {}
