"""Answers: parsing per question type, the record definition, the outbox."""

import pytest

from runtime.answers import AnswerError, parse_answer
from runtime.outbox import Outbox
from runtime.records import answer_record, load_record
from runtime.schema import FormatError
from runtime.survey_format import load_site_data
from runtime.visitor_state import outbox_from_json, outbox_to_json


def questions(site_data):
    return {q.id: (s, q) for s in load_site_data(site_data).surveys for q in s.questions}


@pytest.mark.parametrize("qid, raw, value", [
    ("score", "0", 0), ("score", 10, 10), ("stars", "5", 5),
    ("pick", ["c", "a"], ["a", "c"]), ("why", "  fine ", "fine"), ("q", "y", "y"),
])
def test_valid_answers(site_data, qid, raw, value):
    assert parse_answer(questions(site_data)[qid][1], raw) == value


@pytest.mark.parametrize("qid, raw", [
    ("score", "11"), ("score", "nine"), ("stars", "0"), ("pick", []), ("pick", ["z"]),
    ("why", "   "), ("q", "z"),
])
def test_invalid_answers(site_data, qid, raw):
    with pytest.raises(AnswerError):
        parse_answer(questions(site_data)[qid][1], raw)


def test_multiple_choice_record_has_array_and_readable_response(site_data):
    survey, q = questions(site_data)["pick"]
    r = answer_record(survey, q, ["a", "c"], record_id="abcdefgh1", site="shop", now=0.0)
    assert r["response"] == "a, c" and r["response_array"] == ["a", "c"]
    assert r["response_int"] is None and r["response_string"] is None
    assert r["answered_at"] == "1970-01-01T00:00:00.000Z"
    assert load_record(r).id == "abcdefgh1"


def test_record_definition_rejects_bad_fields(site_data):
    survey, q = questions(site_data)["score"]
    good = answer_record(survey, q, 9, record_id="abcdefgh1", site="shop", now=0.0)
    for field, value in [("id", "x"), ("response", {"a": 1}), ("preview", "yes"),
                         ("user", {"k": [1]}), ("survey_id", "a b")]:
        with pytest.raises(FormatError) as e:
            load_record({**good, field: value})
        assert e.value.path.startswith(field)
    with pytest.raises(FormatError, match="unknown field"):
        load_record({**good, "extra": 1})


def test_outbox_dedupes_batches_and_backs_off():
    box = Outbox()
    for i in range(25):
        box.add({"id": f"r{i}"})
    box.add({"id": "r0"})
    assert len(box.items) == 25
    assert len(box.due(0)) == 20
    waits = [box.failed(0) for _ in range(12)]        # jitter 0.5: no spread
    assert waits[:4] == [2, 4, 8, 16] and waits[-1] == 300
    assert box.due(299) == [] and box.due(300)
    box.delivered([f"r{i}" for i in range(20)])
    assert [r["id"] for r in box.items] == [f"r{i}" for i in range(20, 25)] and box.attempts == 0
    assert outbox_from_json(outbox_to_json(box)).items == box.items
    assert outbox_from_json({"items": [{"no": "id"}, 3]}).items == []


def test_retries_spread_with_jitter_and_wait_at_least_retry_after():
    low, high = Outbox(), Outbox()
    assert low.failed(0, jitter=0.0) == 1.0 and high.failed(0, jitter=1.0) == 3.0
    box = Outbox()
    assert box.failed(0, jitter=0.5, retry_after=30) == 30       # the collector's Retry-After wins


def test_a_batch_stays_under_the_keepalive_size():
    box = Outbox()
    for i in range(10):
        box.add({"id": f"big{i}", "text": "x" * 20_000})
    assert len(box.due(0)) == 2          # 2 x 20 KB fit under 60 KB, a third would not
    lone = Outbox()
    lone.add({"id": "huge", "text": "x" * 100_000})
    assert len(lone.due(0)) == 1         # a record alone always goes (the collector decides)
