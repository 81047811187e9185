"""What the runtime does with each answer of the collector (runtime/delivery.py)."""

from runtime.delivery import Delivery


def delivery_with(*ids):
    d = Delivery("https://c.test/collect")
    d.adopt("shop", {}, "tab0000001")
    for i in ids:
        d.add({"id": i, "site": "shop"})
    return d


def sent(effects):
    return [[r["id"] for r in e["records"]] for e in effects if e["type"] == "deliver"]


def warnings(effects):
    return [e["message"] for e in effects if e["type"] == "console"]


def test_a_poison_record_is_dropped_with_one_warning_and_the_rest_go_on():
    d = delivery_with("good-1", "poison", "good-2")
    assert sent(d.flush(0.0)) == [["good-1", "poison", "good-2"]]
    effects = d.result(["good-1", "poison", "good-2"], 200, {
        "stored": ["good-1", "good-2"], "duplicates": [],
        "rejected": [{"index": 1, "id": "poison", "reason": "records[1].user.x: too long"}]}, None, 1.0, 0.5)
    [warning] = warnings(effects)
    assert "refused 1 answer(s) for good (poison): records[1].user.x: too long" in warning
    assert d.outbox.items == []
    d.add({"id": "later", "site": "shop"})
    assert sent(d.flush(2.0)) == [["later"]]       # nothing is stuck behind it


def test_no_answer_408_429_and_5xx_are_retried_with_backoff_and_retry_after():
    for status in (0, 408, 429, 500, 503):
        d = delivery_with("a")
        d.flush(0.0)
        [saved, wake] = d.result(["a"], status, None, 42.0 if status == 429 else None, 0.0, 0.5)
        assert wake["type"] == "wake" and wake["after"] == (42.0 if status == 429 else 2.0)
        assert saved["type"] == "store" and saved["value"]["plan"]["not_before"] == wake["after"] * 1000
        assert [r["id"] for r in d.outbox.items] == ["a"]
        assert d.flush(1.0) == []                   # waits
        assert sent(d.flush(wake["after"]))         # then tries again


def test_413_halves_the_batch_and_a_single_huge_record_is_dropped():
    d = delivery_with(*[f"r{i}" for i in range(8)])
    d.flush(0.0)
    assert sent(d.result([f"r{i}" for i in range(8)], 413, None, None, 0.0, 0.5)) == [[f"r{i}" for i in range(4)]]
    effects = d.result(["r0"], 413, {"error": "body is larger than 262144 bytes"}, None, 0.0, 0.5)
    assert "HTTP 413: body is larger" in warnings(effects)[0]


def test_other_4xx_refuse_the_batch_for_good():
    d = delivery_with("a", "b")
    d.flush(0.0)
    effects = d.result(["a", "b"], 400, {"error": "body is not JSON"}, None, 0.0, 0.5)
    assert "refused 2 answer(s) for good (a, b): HTTP 400: body is not JSON" in warnings(effects)[0]
    assert d.outbox.items == []


def test_the_same_reason_warns_once():
    d = delivery_with("a", "b")
    d.flush(0.0)
    first = d.result(["a"], 200, {"stored": [], "rejected": [{"id": "a", "reason": "r"}]}, None, 0.0, 0.5)
    d.in_flight = True
    second = d.result(["b"], 200, {"stored": [], "rejected": [{"id": "b", "reason": "r"}]}, None, 0.0, 0.5)
    assert len(warnings(first)) == 1 and warnings(second) == []
