"""The server-side relay to Braze's and CleverTap's REST APIs, on SQLite and PostgreSQL:
every request checked against the vendors' documented shapes (endpoint, headers, body),
a vendor that fails first and recovers, once per answer, nothing lost across a restart."""

from __future__ import annotations

import json
import time

import pytest

from runtime.records import answer_record
from runtime.survey_format import load_site_data
from runtime.vendors.braze import BrazeRelay
from runtime.vendors.clevertap import CleverTapRelay
from sondage.collector.config import ConfigError, load
from sondage.collector.database import Store
from sondage.collector.relay import Relays
from sondage.collector.webhooks import WebhookQueue
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
    return {"shop": {"braze": BrazeRelay(braze.url.removesuffix("/hook"), "braze-rest-key"),
                     "clevertap": CleverTapRelay("TEST-ACCOUNT", "ct-passcode", endpoint=clevertap.url
                                                 .removesuffix("/hook"), user_properties=("plan",))}}


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
    assert loaded.relays["shop"]["braze"].url == "https://rest.iad-01.braze.com/users/track"
    assert loaded.relays["shop"]["clevertap"].url == "https://us1.api.clevertap.com/1/upload"
    with pytest.raises(ConfigError, match=r"relay.shop.braze.api_key_env: name an environment variable"):
        load(config, {"CT": "p"})
    config.write_text("relay:\n  shop:\n    clevertap: {account_id: A, passcode_env: CT, region: mars}\n")
    with pytest.raises(ConfigError, match=r"relay.shop.clevertap.region: one of eu1"):
        load(config, {"CT": "p"})


# -- Retry-After: the vendor says when to try again ---------------------------------------
def braze_only(braze) -> dict[str, Relays]:
    return {"shop": {"braze": BrazeRelay(braze.url.removesuffix("/hook"), "braze-rest-key")}}


def next_try(queue: WebhookQueue, kind: str = "braze") -> dict:
    return next(r for r in queue.pending() if r["kind"] == kind)


def test_a_429s_retry_after_schedules_the_next_try_not_the_backoff(db_url, answers):
    braze = Receiver(fail=1, fail_status=429, fail_headers={"Retry-After": "1"})
    store = Store(db_url)
    queue = WebhookQueue(store, {}, relays=braze_only(braze))     # the backoff's first wait: 10 s
    queue.enqueue(answers[:1])
    t0 = time.time()
    assert queue.work_once(now=t0) == 0
    row = next_try(queue)
    assert row["status"] == "pending" and "HTTP 429" in row["last_error"]
    assert row["next_attempt_at"] - t0 == pytest.approx(1.0)       # a second later, as Braze asked; not 10 s
    assert queue.work_once(now=t0 + 1) == 1
    assert next_try(queue)["status"] == "done" and len(braze.got) == 2
    store.close()
    braze.close()


@pytest.mark.parametrize(("header", "status", "wait"), [
    ("0", 429, 1.0),                                  # never sooner than a second: the queue does not spin
    ("864000", 429, 3600.0),                          # "10 days": an hour at most
    ("9" * 5000, 503, 3600.0),                        # a number too long to read as one
    ("soon", 429, 10.0),                              # not a Retry-After: the backoff's 10 s
    ("Wed, 21 Oct 2015 07:28:00 GMT", 503, 1.0),      # a date already past
    ("", 503, 10.0),
])
def test_an_absurd_or_unreadable_retry_after_is_bounded_or_ignored(db_url, answers, header, status, wait):
    braze = Receiver(fail=1, fail_status=status, fail_headers={"Retry-After": header})
    store = Store(db_url)
    queue = WebhookQueue(store, {}, relays=braze_only(braze))
    queue.enqueue(answers[:1])
    t0 = time.time()
    queue.work_once(now=t0)
    assert next_try(queue)["next_attempt_at"] - t0 == pytest.approx(wait)
    store.close()
    braze.close()


def test_retry_after_as_an_http_date_and_on_a_webhook_too(db_url, answers):
    from email.utils import formatdate

    from sondage.collector.webhooks import Webhook

    then = int(time.time()) + 31
    hook = Receiver(fail=1, fail_status=503, fail_headers={"Retry-After": formatdate(then, usegmt=True)})
    store = Store(db_url)
    queue = WebhookQueue(store, {"shop": [Webhook(hook.url, "s3cret")]})
    queue.enqueue(answers[2:])
    assert queue.work_once(now=time.time()) == 0
    tried = next_try(queue, "answer")
    assert tried["next_attempt_at"] - then == pytest.approx(0.0, abs=0.5)   # the date; not the backoff's 10 s
    assert queue.work_once(now=then) == 1
    store.close()
    hook.close()


def test_while_a_vendor_asks_to_wait_nothing_else_goes_to_it_and_other_vendors_go_on(db_url, braze, clevertap,
                                                                                   answers, site_data):
    slow = Receiver(fail=1, fail_status=429, fail_headers={"Retry-After": "30"})
    nps = load_site_data(site_data).surveys[0]
    second = answer_record(nps, nps.questions[0], 7, record_id="rec-relay-04", site="shop", now=1_800_000_030.0,
                           identities={"braze_id": "b-2"})
    store = Store(db_url)
    queue = WebhookQueue(store, {}, relays=relays(slow, clevertap))
    queue.enqueue([answers[0], second, answers[1]])
    t0 = time.time()
    assert queue.work_once(now=t0) == 1                 # CleverTap's answer goes; Braze said 429
    assert len(slow.got) == 1                           # the second Braze answer waited with the first
    assert queue.work_once(now=t0 + 10) == 0 and len(slow.got) == 1
    assert queue.work_once(now=t0 + 30) == 2            # then both
    assert [r["status"] for r in queue.pending()] == ["done", "done", "done"]
    store.close()
    slow.close()


def test_a_vendor_that_keeps_asking_for_a_second_is_not_given_up_on_sooner_than_the_backoff(db_url, answers):
    from sondage.collector.webhooks import MAX_ATTEMPTS, patience

    braze = Receiver(fail=10_000, fail_status=429, fail_headers={"Retry-After": "1"})
    store = Store(db_url)
    queue = WebhookQueue(store, {}, relays=braze_only(braze))
    queue.enqueue(answers[:1])
    t0 = time.time()
    for i in range(MAX_ATTEMPTS + 5):                   # 25 tries, a second apart, as asked
        queue.work_once(now=t0 + i)
    row = next_try(queue)
    assert row["status"] == "pending" and row["attempts"] == MAX_ATTEMPTS + 5
    queue.work_once(now=row["created_at"] + patience() + 1)   # past what the backoff would have waited
    assert next_try(queue)["status"] == "failed"
    store.close()
    braze.close()


def test_the_collectors_own_worker_delivers_after_the_vendors_retry_after(tmp_path, answers):
    """The real collector and its queue worker: Braze says 429 with Retry-After: 1, then takes
    it. The collector's own backoff here is 10 minutes, so only Retry-After delivers it in time."""
    import urllib.request

    from sondage.collector.config import CollectorConfig
    from sondage.collector.server import start

    braze = Receiver(fail=1, fail_status=429, fail_headers={"Retry-After": "1"})
    config = CollectorConfig(relays=braze_only(braze), webhook_interval=0.2, webhook_base_delay=600,
                             rate_per_second=0)
    running = start(None, port=0, db=tmp_path / "answers.db", config=config)
    try:
        request = urllib.request.Request(running.runtime_url.replace("localhost", "127.0.0.1") + "collect",
                                         data=json.dumps({"records": answers[:1]}).encode(), method="POST",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            assert json.loads(response.read())["stored"] == ["rec-relay-01"]
        deadline = time.monotonic() + 60
        while len(braze.got) < 2:
            assert time.monotonic() < deadline, f"not delivered again: {running.store.engine.url}"
            time.sleep(0.1)   # polling the vendor's stand-in, bounded by the deadline
        rows = WebhookQueue(running.store, {}).pending()
        deadline = time.monotonic() + 30
        while rows[0]["status"] != "done":                # the worker records what Braze said
            assert time.monotonic() < deadline, rows
            time.sleep(0.1)
            rows = WebhookQueue(running.store, {}).pending()
        assert rows[0]["attempts"] == 2 and json.loads(braze.got[1]["body"])["attributes"][0]["braze_id"] == "b-1"
    finally:
        running.stop()
        braze.close()


def test_one_sites_wait_does_not_hold_up_another_site_on_the_same_vendor_endpoint(db_url, answers, site_data):
    """Two sites, two Braze workspaces on one REST endpoint: each key has its own rate limit."""
    braze = Receiver(fail=1, fail_status=429, fail_headers={"Retry-After": "30"})
    nps = load_site_data(site_data).surveys[0]
    other = answer_record(nps, nps.questions[0], 8, record_id="rec-relay-05", site="outlet", now=1_800_000_040.0,
                          identities={"braze_id": "b-9"})
    endpoint = braze.url.removesuffix("/hook")
    store = Store(db_url)
    queue = WebhookQueue(store, {}, relays={"shop": {"braze": BrazeRelay(endpoint, "shop-key")},
                                            "outlet": {"braze": BrazeRelay(endpoint, "outlet-key")}})
    queue.enqueue([answers[0], other])
    assert queue.work_once(now=time.time()) == 1        # the shop's key is told to wait; the outlet's goes
    assert [g["headers"]["authorization"] for g in braze.got] == ["Bearer shop-key", "Bearer outlet-key"]
    store.close()
    braze.close()
