"""Surveys that end themselves (issue 31, item 2): `limit` in the format, the collector's
count on both databases, its public status, and the decision the runtime takes from it."""

from __future__ import annotations

import copy
import json

import pytest

from runtime.page import closed_surveys
from runtime.records import answer_record
from runtime.schema import FormatError
from runtime.survey_format import load_site_data, load_survey
from runtime.targeting import Context, History, Occurrence, decide, next_event_surveys
from sondage.collector.config import CollectorConfig
from sondage.collector.database import Store
from sondage.collector.server import start
from sondage.collector.status import RECOUNT_S, LimitCounter
from tests.unit.conftest import Clock, make_site_data
from tests.unit.test_collector_server import make_bundle, post, request

BASE = {"id": "nps", "site": "shop", "name": "NPS", "trigger": {"event": "bought"},
        "questions": [{"id": "score", "type": "nps", "prompt": "How likely?"},
                      {"id": "why", "type": "text", "prompt": "Why?"}]}
BOUGHT = Occurrence("event", name="bought")


def survey(**changes):
    data = copy.deepcopy(BASE)
    data.update(changes)
    return load_survey(data)


def answers(s, showing, *, complete, preview=False, n=0):
    """One showing's answers: the first question, and the last one if ``complete``."""
    first = answer_record(s, s.questions[0], 9, record_id=f"rec-{showing}-1-{n}", site="shop", now=1.0,
                          response_id=showing, preview=preview)
    if not complete:
        return [first]
    return [first, answer_record(s, s.questions[1], "fine", record_id=f"rec-{showing}-2-{n}", site="shop", now=2.0,
                                 response_id=showing, completes_response=True, preview=preview)]


def test_the_limit_is_checked_at_build():
    assert survey(limit={"responses": 100}).limit.count == "responses"
    with pytest.raises(FormatError) as e:
        survey(limit={"responses": 0})
    assert e.value.path == "limit.responses"
    with pytest.raises(FormatError) as e:
        survey(limit={"responses": 5, "count": "visits"})
    assert e.value.path == "limit.count"


def test_a_closed_survey_is_not_shown_and_says_why():
    s = survey(limit={"responses": 100})
    closed = decide(s, BOUGHT, Context(now=1, visitor_id="v", closed=frozenset({"nps"})), History())
    assert not closed.show and closed.stage == "limit"
    assert closed.reason == "limit: the collector has 100 responses; no new visitor sees it"
    # Not known (no status, or none in time): it shows; another survey's closing is not its own.
    assert decide(s, BOUGHT, Context(now=1, visitor_id="v", closed=None), History()).show
    assert decide(s, BOUGHT, Context(now=1, visitor_id="v", closed=frozenset({"other"})), History()).show
    # Preview shows it all the same; install(id) does not.
    assert decide(s, BOUGHT, Context(now=1, preview_id="nps", closed=frozenset({"nps"})), History()).show
    assert not decide(s, Occurrence("manual", survey_id="nps"),
                      Context(now=1, visitor_id="v", closed=frozenset({"nps"})), History()).show


def test_a_limited_survey_is_never_shown_ahead():
    assert next_event_surveys([survey(limit={"responses": 5})], History(), visitor_id="v", now=1) == {}


@pytest.mark.parametrize("status, closed", [
    ({"closed": ["a", "b"], "counted_at": 1.0}, frozenset({"a", "b"})),
    ({"closed": ["a", 3]}, frozenset({"a"})),
    (None, None), ({"closed": "a"}, None), ("closed", None),
])
def test_the_status_the_worker_hands_over_is_read_carefully(status, closed):
    assert closed_surveys(status) == closed


@pytest.mark.parametrize("count, closes_after", [("responses", 3), ("answers", 2)])
def test_the_collector_counts_completed_responses_or_any_answer(db_url, count, closes_after):
    """Responses: showings whose last question was answered; answers: showings with any answer.
    Previews and a second copy of the same answers never count."""
    s = survey(limit={"responses": 2, "count": count})
    store = Store(db_url)
    clock = Clock()
    counter = LimitCounter(store, clock)
    try:
        store.add_records(answers(s, "showing-1", complete=True))
        store.add_records(answers(s, "showing-1", complete=True))             # sent twice
        store.add_records(answers(s, "showing-p", complete=True, preview=True))
        store.add_records(answers(s, "showing-2", complete=False))
        assert counter.status("shop", [s])["closed"] == (["nps"] if closes_after == 2 else [])
        store.add_records(answers(s, "showing-3", complete=True))
        # Within RECOUNT_S the count is not taken again ...
        clock.now += RECOUNT_S - 1
        assert counter.status("shop", [s])["closed"] == (["nps"] if closes_after == 2 else [])
        # ... after it, it is.
        clock.now += 2
        assert counter.status("shop", [s])["closed"] == ["nps"]
        assert counter.status("shop", [survey(id="other", limit={"responses": 1})])["closed"] == ["nps"]   # cached
    finally:
        store.close()


def test_the_status_is_public_short_cached_and_names_what_it_does_not_know(tmp_path, db_url):
    data = make_site_data()
    data["surveys"][0]["limit"] = {"responses": 1}
    bundle = make_bundle(tmp_path)
    (bundle / "surveys-shop.json").write_text(json.dumps(data))
    running = start(bundle, port=0, demo_port=0, db=db_url, config=CollectorConfig(admin_token="t0ken-for-tests"))
    try:
        url = running.runtime_url
        s = load_site_data(data).surveys[0]
        stored = post(url + "collect", {"records": answers(s, "showing-1", complete=True)})
        assert stored[0] == 200 and len(json.loads(stored[2])["stored"]) == 2, stored
        status, headers, body = request(url + "status/shop.json")
        assert status == 200 and json.loads(body)["closed"] == ["nps"]
        assert headers["access-control-allow-origin"] == "*" and headers["cache-control"] == "public, max-age=30"
        status, _, body = request(url + "status/nowhere.json")
        assert status == 404 and "no site 'nowhere'" in json.loads(body)["error"]
    finally:
        running.stop()
