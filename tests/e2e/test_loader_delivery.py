"""The loader carries out the delivery plan Python stored with an outbox, on a page view that
needs no Python: the exact bodies, the reply read as the plan says (kept, dropped with one
warning), not before the plan's time; and an outbox stored before plans still arrives."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import yaml
from playwright.sync_api import expect

from runtime import protocol
from runtime.outbox import Outbox
from runtime.records import answer_record
from runtime.survey_format import load_survey
from runtime.visitor_state import outbox_to_json

from .test_spine import SHOP, wait_for_rows

SITE = "e2e-site"          # no survey on a page view: the loader alone
SURVEY = load_survey(yaml.safe_load((Path(__file__).parent / "surveys" / "e2e.yaml").read_text()))
OUTBOX = protocol.storage_key(SITE, "outbox:seededtab01")
ACKED = protocol.storage_key(SITE, "acked")


def records(tag: str, n: int, url: str) -> list[dict[str, Any]]:
    return [answer_record(SURVEY, SURVEY.questions[0], i, record_id=f"{tag}-{i:04d}-{int(time.time())}", site=SITE,
                          now=time.time(), url=url) for i in range(n)]


def stored_plan(found: list[dict[str, Any]], next_try: float = 0.0) -> dict[str, Any]:
    box = Outbox(next_try=next_try)
    for r in found:
        box.add(r)
    return dict(outbox_to_json(box))


def page_view_with(host, value: Any) -> None:
    """The page again, its storage holding ``value`` as a tab's outbox left behind."""
    host.page.evaluate("([k, v]) => localStorage.setItem(k, JSON.stringify(v))", [OUTBOX, value])
    host.requests.clear()
    host.page.reload()
    host.page.wait_for_load_state("load")


def wait_acked(page, record_id: str, timeout: float = 30000) -> None:
    """Wait until the loader noted ``record_id`` as done."""
    page.wait_for_function("([k, id]) => (localStorage.getItem(k) || '').includes(id)", arg=[ACKED, record_id],
                           timeout=timeout)


def acked(page) -> list[str]:
    return page.evaluate("(k) => (JSON.parse(localStorage.getItem(k) || 'null') || {ids: []}).ids", ACKED)


def collector_says(page, replies: list[dict[str, Any]]) -> list[tuple[float, str]]:
    """The collector answers each POST with the next of ``replies``; returns (when, body) of each."""
    posted: list[tuple[float, str]] = []

    def answer(route) -> None:
        posted.append((time.time(), route.request.post_data or ""))
        route.fulfill(status=200, body=json.dumps(replies[min(len(posted), len(replies)) - 1]),
                      content_type="application/json", headers={"Access-Control-Allow-Origin": "*"})

    page.route("**/collect", answer)
    return posted


def no_python(host) -> None:
    """Nothing of Python was fetched (no worker, no Pyodide, no Python zip): the frame the
    loader prepares for the site's event surveys is only its page and script."""
    assert not [u for u in host.requests if "pyodide" in u or "python-" in u or "worker-" in u]
    expect(host.page.locator("script[data-sondage]")).to_have_attribute("data-sondage", "idle")


def test_an_answer_left_in_an_outbox_reaches_the_collector_on_a_page_view_without_surveys(host, servers):
    host.open(SHOP, api_key=SITE)
    host.wait_for_loader("idle")
    [record] = records("left", 1, host.page.url)
    page_view_with(host, stored_plan([record]))
    [row] = wait_for_rows(servers.store, 1, id=record["id"], timeout=30)
    assert row["response"] == 0
    wait_acked(host.page, record["id"])
    no_python(host)


def test_the_loader_posts_the_planned_bodies_and_reads_the_reply_as_the_plan_says(host):
    host.open(SHOP, api_key=SITE)
    host.wait_for_loader("idle")
    page = host.page
    stored, origin, poison = records("plan", 3, page.url)
    value = stored_plan([stored, origin, poison])
    refusals = [{"index": 1, "id": origin["id"], "retry": True, "reason": "not from the site's origins"},
                {"index": 2, "id": poison["id"], "reason": "records[2].user.x: too long"}]
    posted = collector_says(page, [
        {"stored": [stored["id"]], "duplicates": [], "rejected": refusals},
        {"stored": [origin["id"]], "duplicates": [stored["id"]], "rejected": refusals[1:]}])
    page_view_with(host, value)
    wait_acked(page, poison["id"])
    [(_, body)] = posted
    assert body == value["plan"]["batches"][0]["body"]
    # Stored and refused for good: done. Refused for the page it comes from: kept.
    assert acked(page) == [stored["id"], poison["id"]]
    host.wait_for_warning("kept in this browser and sent again later")
    host.wait_for_warning("refused an answer for good: records[2].user.x: too long; dropped")
    assert sum("for good" in w for w in host.warnings()) == 1
    no_python(host)
    # The next page view sends the batch again for the record kept; then all is done.
    page_view_with(host, value)
    wait_acked(page, origin["id"])
    assert len(posted) == 2 and posted[1][1] == body
    page_view_with(host, value)
    host.wait_for_loader("idle")
    page.evaluate("() => new Promise((done) => setTimeout(done, 500))")
    assert len(posted) == 2                 # nothing left to send
    no_python(host)


def test_the_loader_sends_nothing_before_the_plan_s_time_then_sends_at_it(host):
    host.open(SHOP, api_key=SITE)
    host.wait_for_loader("idle")
    page = host.page
    found = records("later", 2, page.url)
    posted = collector_says(page, [{"stored": [r["id"] for r in found], "duplicates": [], "rejected": []}])
    value = stored_plan(found, next_try=time.time() + 4)           # Python's backoff: 4 s from now
    page_view_with(host, value)
    host.wait_for_loader("idle")
    wait_acked(page, found[1]["id"], timeout=20000)
    [(when, body)] = posted
    assert when * 1000 >= value["plan"]["not_before"] - 50          # not before (clocks read apart)
    assert body == value["plan"]["batches"][0]["body"]
    no_python(host)


def test_an_outbox_stored_before_plans_is_sent_by_the_runtime_it_starts(host, servers):
    host.open(SHOP, api_key=SITE)
    host.wait_for_loader("idle")
    page = host.page
    [record] = records("old", 1, page.url)
    page_view_with(host, {"version": 1, "items": [record], "attempts": 2})      # as Sondage stored it before
    [row] = wait_for_rows(servers.store, 1, id=record["id"], timeout=60)
    assert row["survey_id"] == "e2e-nps"
    host.wait_for_loader("ready")
    # The runtime took it in: the old outbox is gone, and nothing is left unplanned.
    page.wait_for_function("(k) => localStorage.getItem(k) === null", arg=OUTBOX)
    outboxes = page.evaluate("() => Object.keys(localStorage).filter((k) => k.includes(':outbox:'))"
                             ".map((k) => JSON.parse(localStorage.getItem(k)))")
    assert all(o["version"] == 2 and "plan" in o for o in outboxes)
    expect(page.locator("iframe[title=Survey]")).to_be_hidden()
