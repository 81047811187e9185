"""The delivery plan Python writes with every outbox (runtime/delivery_plan.py), which the
loader carries out without deciding: its batches, its time, its reading of the reply."""

from __future__ import annotations

import json
from typing import Any

from runtime import protocol
from runtime.delivery import Delivery
from runtime.delivery_plan import READING, plan
from runtime.outbox import Outbox
from runtime.visitor_state import OUTBOX_VERSION, outbox_from_json

from .test_embed import new_runtime, of, ui


def record(i: int, size: int = 10) -> dict[str, Any]:
    return {"id": f"rec-{i:05d}", "site": "shop", "response": "x" * size}


def stored_outbox(effects: list[Any]) -> dict[str, Any]:
    [saved] = [e["value"] for e in effects if e["type"] == "store" and ":outbox:" in e["key"]][-1:]
    return saved


def carry_out(reading: protocol.ReplyReading, reply: dict[str, Any]) -> tuple[list[str], list[str]]:
    """What the loader does with a 2xx reply, step by step as static/loader.js does it: the
    ids it notes as done, and the warnings it says."""
    done: list[str] = []
    for field in reading["done"]:
        done += reply.get(field) or []
    said = []
    for refused in reply.get(reading["refused"]) or []:
        keep = refused.get(reading["keep"]) is True
        words = reading["kept"] if keep else reading["dropped"]
        said.append(words[0] + refused["reason"] + words[1])
        if not keep:
            done.append(refused["id"])
    return done, said


def test_the_batches_are_the_runtime_s_own_each_the_exact_body_it_would_post():
    box = Outbox()
    for i in range(45):
        box.add(record(i))
    planned = plan(box)
    assert [len(b["ids"]) for b in planned["batches"]] == [protocol.BATCH_RECORDS, protocol.BATCH_RECORDS, 5]
    assert [i for b in planned["batches"] for i in b["ids"]] == [r["id"] for r in box.items]
    # The first batch is what the runtime sends first, as the same request body.
    d = Delivery("https://c.test/collect")
    d.outbox = box
    [deliver] = d.flush(0.0)
    assert planned["batches"][0]["body"] == protocol.batch_body(deliver["records"])
    for batch in planned["batches"]:
        assert [r["id"] for r in json.loads(batch["body"])["records"]] == batch["ids"]


def test_a_batch_stays_under_the_byte_limit_and_a_huge_record_goes_alone():
    box = Outbox()
    for i in range(6):
        box.add(record(i, size=25_000))
    box.add(record(6, size=protocol.BATCH_BYTES * 2))
    batches = plan(box)["batches"]
    assert [len(b["ids"]) for b in batches] == [2, 2, 2, 1]
    assert all(len(b["body"].encode()) < protocol.BATCH_BYTES for b in batches[:3])
    assert plan(Outbox())["batches"] == []


def test_not_before_is_the_backoff_python_chose_in_milliseconds():
    d = Delivery("https://c.test/collect")
    d.adopt("shop", {}, "tab0000001")
    d.add(record(1))
    d.flush(100.0)
    effects = d.result([record(1)["id"]], 503, None, None, 100.0, 0.5)
    [wake] = of(effects, "wake")
    assert stored_outbox(effects)["plan"]["not_before"] == (100.0 + wake["after"]) * 1000
    # Delivered: nothing waits any more.
    effects = d.result([record(1)["id"]], 200, {"stored": [record(1)["id"]], "duplicates": [], "rejected": []},
                       None, 200.0, 0.5)
    assert stored_outbox(effects)["plan"] == {**plan(Outbox()), "not_before": 0.0}


def test_a_record_refused_for_its_page_is_kept_with_the_time_of_its_retry():
    d = Delivery("https://c.test/collect")
    d.adopt("shop", {}, "tab0000001")
    d.add(record(1))
    d.add(record(2))
    d.flush(0.0)
    effects = d.result([record(1)["id"], record(2)["id"]], 200, {
        "stored": [record(1)["id"]], "duplicates": [],
        "rejected": [{"index": 1, "id": record(2)["id"], "retry": True, "reason": "not from its origins"}]},
        None, 0.0, 0.5)
    saved = stored_outbox(effects)
    [wake] = of(effects, "wake")
    assert saved["plan"]["batches"] == [{"ids": [record(2)["id"]], "body": protocol.batch_body([record(2)])}]
    assert saved["plan"]["not_before"] == wake["after"] * 1000 > 0


def test_every_outbox_the_runtime_stores_carries_its_current_plan(site_data, clock):
    rt, _ = new_runtime(site_data, clock)
    rt.command("event", ["bought"])
    effects = ui(rt, "answer", "score", value="9")
    saved = [e["value"] for e in of(effects, "store") if ":outbox:" in e["key"]]
    assert saved
    for value in saved:
        assert value["version"] == OUTBOX_VERSION
        assert value["plan"] == plan(outbox_from_json(value))


def test_the_reading_of_a_reply_is_the_runtime_s_own():
    """Carried out as the loader does, the plan's reading of a reply leaves the same records
    and says the same kinds of warnings as the runtime's own policy (Delivery.result)."""
    ids = ["stored-01", "dup-0001", "origin-1", "poison-1"]
    reply = {"stored": ["stored-01"], "duplicates": ["dup-0001"], "rejected": [
        {"index": 2, "id": "origin-1", "retry": True, "reason": "site 'shop' takes answers from its origins"},
        {"index": 3, "id": "poison-1", "reason": "records[3].user.x: too long"}]}
    done, said = carry_out(READING, reply)
    d = Delivery("https://c.test/collect")
    d.adopt("shop", {}, "tab0000001")
    for i in ids:
        d.add({"id": i, "site": "shop"})
    d.flush(0.0)
    effects = d.result(ids, 200, reply, None, 0.0, 0.5)
    assert [r["id"] for r in d.outbox.items] == [i for i in ids if i not in done] == ["origin-1"]
    assert said == ["the collector refuses an answer from this page: site 'shop' takes answers from its origins"
                    "; it is kept in this browser and sent again later",
                    "the collector refused an answer for good: records[3].user.x: too long; dropped"]
    runtime_said = [e["message"] for e in of(effects, "console")]
    assert ["refuses" in m for m in runtime_said] == [False, True] and "for good" in runtime_said[0]


def test_the_reading_names_the_collector_s_reply_fields():
    assert set(READING["done"]) | {READING["refused"]} <= set(protocol.CollectorReply.__annotations__)
    assert READING["keep"] in protocol.Refusal.__annotations__
    assert all(len(READING[k]) == 2 for k in ("kept", "dropped"))      # said around the reason
    assert plan(Outbox())["acked_version"] == protocol.ACKED_VERSION
    assert plan(Outbox())["acked_max"] == protocol.ACKED_MAX


def test_an_outbox_stored_before_plans_is_taken_in_and_stored_again_with_one(site_data, clock):
    """Outboxes of version 1 (and 0) have no plan; the loader starts the runtime for them,
    which delivers them and stores what is left with a plan."""
    old = {"version": 1, "items": [record(1)], "attempts": 3}
    rt, effects = new_runtime(site_data, clock, storage={"sondage:v1:shop:outbox:oldtab01": old})
    [deliver] = of(effects, "deliver")
    assert [r["id"] for r in deliver["records"]] == [record(1)["id"]]
    stored = {e["key"]: e["value"] for e in of(effects, "store")}
    assert stored["sondage:v1:shop:outbox:oldtab01"] is None
    [mine] = [v for k, v in stored.items() if ":outbox:" in k and v]
    assert mine["version"] == OUTBOX_VERSION and mine["plan"]["batches"][0]["ids"] == [record(1)["id"]]


def test_the_loader_waits_for_a_retry_after_as_the_runtime_does():
    """A 503 (the collector's database away) or a 429 with Retry-After: the plan tells the
    loader which header says how long, bounded as the runtime bounds it (Outbox.failed)."""
    from runtime.outbox import RETRY_AFTER_MAX

    rule = plan(Outbox())["retry_after"]
    assert rule["header"] == "Retry-After"
    assert rule["max_ms"] == RETRY_AFTER_MAX * 1000
    box = Outbox()
    assert box.failed(0.0, 0.0, retry_after=10 * RETRY_AFTER_MAX) == RETRY_AFTER_MAX     # the same bound
    d = Delivery("https://c.test/collect")
    d.adopt("shop", {}, "tab0000001")
    d.add(record(1))
    d.flush(100.0)
    effects = d.result([record(1)["id"]], 503, {"error": "the collector's database is not available now"}, 30.0,
                       100.0, 0.0)
    assert stored_outbox(effects)["plan"]["not_before"] == (100.0 + 30.0) * 1000       # no sooner than asked
