"""Webhooks from the collector's durable queue, on SQLite and PostgreSQL: signed, retried
from a receiver that fails first, once per answer and per completed response, and nothing
lost across a restart."""

from __future__ import annotations

import json
import time

import pytest

from runtime.records import answer_record
from runtime.survey_format import load_site_data
from sondage.collector.database import Store
from sondage.collector.webhooks import Webhook, WebhookQueue, signature
from tests.receiver import Receiver

SECRET = "s3cret-for-tests"


@pytest.fixture
def receiver():
    r = Receiver(fail=2)
    yield r
    r.close()


@pytest.fixture
def records(site_data):
    survey = load_site_data(site_data).surveys[0]     # two questions: score, why
    first = answer_record(survey, survey.questions[0], 9, record_id="rec-hook-01", site="shop", now=1.0,
                          response_id="resp-00000001")
    last = answer_record(survey, survey.questions[1], "fast", record_id="rec-hook-02", site="shop", now=2.0,
                         response_id="resp-00000001", completes_response=True)
    return [first, last]


def test_signed_retried_once_each_and_kept_across_a_restart(db_url, receiver, records):
    store = Store(db_url)
    hooks = {"shop": [Webhook(receiver.url, SECRET)]}
    store.add(records)
    queue = WebhookQueue(store, hooks)
    t0 = time.time()
    assert queue.enqueue(records) == 3                # two answers and the completed response
    assert queue.enqueue(records) == 3 and len(queue.pending()) == 3   # queued once, however often asked
    assert queue.work_once(now=t0 + 1) == 1            # the receiver fails twice, then takes them
    store.close()
    # A restart: a new process, the same database; nothing is lost.
    store = Store(db_url)
    queue = WebhookQueue(store, hooks)
    assert queue.work_once(now=t0 + 6) == 0            # the retries are not due yet (10 s backoff)
    assert queue.work_once(now=t0 + 100) == 2
    assert queue.work_once(now=t0 + 1000) == 0           # nothing left
    assert [r["status"] for r in queue.pending()] == ["done", "done", "done"]
    taken = [g for g in receiver.got[2:]]
    kinds = sorted(json.loads(g["body"])["type"] for g in taken)
    assert kinds == ["answer", "answer", "response.completed"]
    for g in receiver.got:
        h = g["headers"]
        assert h["x-sondage-signature"] == signature(SECRET, h["x-sondage-timestamp"], g["body"])
    completed = next(json.loads(g["body"]) for g in taken if b"response.completed" in g["body"])
    assert completed["response_id"] == "resp-00000001" and completed["survey_id"] == "nps"
    assert [r["id"] for r in completed["records"]] == ["rec-hook-01", "rec-hook-02"]
    assert len({g["headers"]["x-sondage-delivery"] for g in taken}) == 3
    store.close()


def test_a_receiver_that_never_answers_is_given_up_on(db_url, records):
    store = Store(db_url)
    queue = WebhookQueue(store, {"shop": [Webhook("http://127.0.0.1:9/nothing-listens", SECRET)]}, base_delay=0)
    queue.enqueue(records[:1])
    t0 = time.time()
    for i in range(25):
        queue.work_once(now=t0 + i)
    [row] = queue.pending()
    assert row["status"] == "failed" and row["attempts"] == 20 and "Error" in row["last_error"]
    store.close()
