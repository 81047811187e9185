"""The server-side relay to Braze's and CleverTap's REST APIs, on SQLite and PostgreSQL:
every request checked against the vendors' documented shapes (endpoint, headers, body),
a vendor that fails first and recovers, once per answer, nothing lost across a restart."""

from __future__ import annotations

import json
import time

import pytest

from sondage.collector_config import ConfigError, load
from sondage.relay import BrazeRelay, CleverTapRelay, Relays
from sondage.runtime.responses import answer_record
from sondage.runtime.survey_format import load_site_data
from sondage.store import Store
from sondage.webhooks import WebhookQueue
from tests.receiver import Receiver


@pytest.fixture
def braze():
    r = Receiver(fail=1)           # answers 503 once, then takes everything
    yield r
    r.close()


@pytest.fixture
def clevertap():
    r = Receiver(fail=0)
    yield r
    r.close()


@pytest.fixture
def answers(site_data):
    data = load_site_data(site_data)
    nps, manual = data.surveys[0], data.surveys[1]
    return [
        answer_record(nps, nps.questions[0], 9, record_id="rec-relay-01", site="shop", now=1_800_000_000.0,
                      user={"braze_id": "b-1", "plan": "pro"}, identities={"braze_id": "b-1"},
                      response_properties={"order": "A1"}),
        answer_record(manual, manual.questions[0], ["a", "c"], record_id="rec-relay-02", site="shop",
                      now=1_800_000_010.0, user={"email": "ct@example.test", "plan": "pro"},
                      identities={"clevertap_identity": "ct@example.test"}),
        answer_record(nps, nps.questions[0], 3, record_id="rec-relay-03", site="shop", now=1_800_000_020.0),
    ]


def relays(braze, clevertap) -> dict[str, Relays]:
    return {"shop": Relays(braze=BrazeRelay(braze.url.removesuffix("/hook"), "braze-rest-key"),
                           clevertap=CleverTapRelay("TEST-ACCOUNT", "ct-passcode", endpoint=clevertap.url
                                                    .removesuffix("/hook"), user_properties=("plan",)))}


def test_answers_with_a_link_identity_are_relayed_once_each(db_url, braze, clevertap, answers):
    store = Store(db_url)
    store.add(answers)
    queue = WebhookQueue(store, {}, relays=relays(braze, clevertap))
    t0 = time.time()
    assert queue.enqueue(answers) == 2              # the third answer has no vendor identity
    assert queue.enqueue(answers) == 2 and len(queue.pending()) == 2
    assert queue.work_once(now=t0 + 1) == 1         # Braze answers 503 the first time
    store.close()
    store = Store(db_url)                           # a restart: nothing is lost
    queue = WebhookQueue(store, {}, relays=relays(braze, clevertap))
    assert queue.work_once(now=t0 + 100) == 1
    assert queue.work_once(now=t0 + 1000) == 0
    assert [r["status"] for r in queue.pending()] == ["done", "done"]
    store.close()

    assert len(braze.got) == 2                      # the failed try and the one that took
    request = braze.got[-1]
    assert request["path"] == "/users/track"
    assert request["headers"]["authorization"] == "Bearer braze-rest-key"
    assert request["headers"]["content-type"] == "application/json"
    body = json.loads(request["body"])
    assert body["attributes"] == [{"braze_id": "b-1", "nps_score": 9}]
    [event] = body["events"]
    assert event["braze_id"] == "b-1" and event["name"] == "survey-question-response"
    assert event["time"] == "2027-01-15T08:00:00.000Z"
    assert event["properties"] == {"survey_id": "nps", "survey_name": "NPS", "question": "How likely?",
                                   "label": "nps_score", "response": 9, "response_int": 9, "response_string": "9",
                                   "response_properties": {"order": "A1"}}

    [request] = clevertap.got
    assert request["path"] == "/1/upload"
    assert request["headers"]["x-clevertap-account-id"] == "TEST-ACCOUNT"
    assert request["headers"]["x-clevertap-passcode"] == "ct-passcode"
    event, profile = json.loads(request["body"])["d"]
    assert event == {"type": "event", "identity": "ct@example.test", "ts": 1800000010,
                     "evtName": "survey_question_response",
                     "evtData": {"survey_id": "manual", "survey_name": "Manual", "question": "Pick", "label": "Pick",
                                 "response": "a, c", "response_array": "a, c"}}
    assert profile == {"type": "profile", "identity": "ct@example.test", "ts": 1800000010,
                       "profileData": {"Pick": ["a", "c"], "plan": "pro"}}


def test_a_refusal_is_final_and_clevertaps_unprocessed_records_count_as_refused(db_url, answers):
    braze = Receiver(status=400, reply=b'{"message": "Invalid API key"}')
    clevertap = Receiver(status=200, reply=b'{"status": "success", "processed": 0, "unprocessed": '
                                           b'[{"status": "fail", "code": 509, "error": "bad identity"}]}')
    store = Store(db_url)
    queue = WebhookQueue(store, {}, relays=relays(braze, clevertap))
    queue.enqueue(answers)
    assert queue.work_once(now=time.time() + 1) == 0
    rows = {r["kind"]: r for r in queue.pending()}
    assert rows["braze"]["status"] == "failed" and rows["braze"]["attempts"] == 1        # not retried
    assert "HTTP 400" in rows["braze"]["last_error"] and "Invalid API key" in rows["braze"]["last_error"]
    assert rows["clevertap"]["status"] == "failed" and "bad identity" in rows["clevertap"]["last_error"]
    store.close()
    braze.close()
    clevertap.close()


def test_the_relay_configuration_names_what_is_wrong(tmp_path):
    config = tmp_path / "collector.yaml"
    config.write_text("relay:\n  shop:\n    braze: {rest_endpoint: https://rest.iad-01.braze.com, "
                      "api_key_env: BRAZE_KEY}\n    clevertap: {account_id: A, passcode_env: CT, region: us1}\n")
    loaded = load(config, {"BRAZE_KEY": "k", "CT": "p"})
    assert loaded.relays["shop"].braze.url == "https://rest.iad-01.braze.com/users/track"
    assert loaded.relays["shop"].clevertap.url == "https://us1.api.clevertap.com/1/upload"
    with pytest.raises(ConfigError, match=r"relay.shop.braze.api_key_env: name an environment variable"):
        load(config, {"CT": "p"})
    config.write_text("relay:\n  shop:\n    clevertap: {account_id: A, passcode_env: CT, region: mars}\n")
    with pytest.raises(ConfigError, match=r"relay.shop.clevertap.region: one of eu1"):
        load(config, {"CT": "p"})
