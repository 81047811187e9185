"""A showing's plan (runtime/showing_plan.py), carried out later the way static/frame.js does
it, stores exactly what the runtime itself would have stored at that moment with the same new
ids; its dismissal calls what the runtime calls; it holds only for the storage it was made for."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from runtime import protocol, showing_plan
from runtime.embed import Runtime
from runtime.survey_format import load_site_data

from .conftest import make_site_data

WRITTEN = 1_700_000_000.0
PAGE = "https://shop.test/checkout?order=42#done"
INSTALL = {"type": "command", "name": "install", "args": []}
BOUGHT = {"type": "command", "name": "event", "args": ["bought"]}


def site(cooldown: float = 72.0):
    data = make_site_data()
    data["settings"] = {"cooldown_hours": cooldown}
    data["surveys"] = [s for s in data["surveys"] if s["id"] != "welcome"]   # no page-view survey
    data["surveys"][0]["frequency"] = "once"
    data["surveys"].append({"id": "other", "site": "shop", "name": "Other", "frequency": "always",
                            "trigger": {"type": "event", "event": "left"},
                            "questions": [{"id": "q", "type": "text", "prompt": "Anything else?"}]})
    return load_site_data(data)


def fill(value: Any, at: float, ids: list[str], url: str) -> Any:
    """The frame's filling of a template (protocol.PLAN_TOKENS), as a test oracle."""
    if isinstance(value, list):
        return [fill(v, at, ids, url) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1 and next(iter(value)) in protocol.PLAN_TOKENS:
        token, args = next(iter(value.items()))
        if token == "$now":
            return at + args[0]
        if token == "$now_ms":
            return at * 1000 + args[0]
        if token == "$iso":
            moment = dt.datetime.fromtimestamp(at + args[0], dt.UTC)
            return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        if token == "$id":
            return ids[args[0] - 1][:args[1]]
        if token == "$page_url":
            for char in args[0]:
                url = url.split(char, 1)[0]
            return url[:args[1]]
        if token == "$concat":
            return "".join(fill(args[0], at, ids, url))
        return json.dumps(fill(args[0], at, ids, url), separators=(",", ":"))
    return {k: fill(v, at, ids, url) for k, v in value.items()}


def runtime_at(at: float, ids: list[str], storage: dict[str, Any]) -> tuple[Runtime, protocol.Effects]:
    """The runtime itself, at `at`, given the same new ids in the order it asks for them."""
    given = iter(ids)
    rt = Runtime(clock=lambda: at, new_id=lambda: next(given))
    rt.visit.history.planning = False
    effects = rt.handle({"type": "init", "site_data": site(), "collector": "https://c.test/collect",
                         "data_id": "sites/shop-1.json", "page": {"url": PAGE}, "storage": storage})
    effects += rt.handle({"type": "started"}) + rt.handle(INSTALL) + rt.handle(BOUGHT)
    return rt, effects


def stores(effects: list[Any]) -> dict[str, Any]:
    return {e["key"]: e["value"] for e in effects if e["type"] == "store"}


def test_a_plan_carried_out_days_later_stores_what_the_runtime_would_have():
    plan = showing_plan.plan(site(), "sites/shop-1.json", "nps", "bought", {}, WRITTEN)
    assert plan is not None
    assert plan["covers"] == [BOUGHT] and plan["quiet"] == [INSTALL]    # the page view shows nothing here
    at = WRITTEN + 5 * 86400 + 0.25
    ids = [f"{i:032x}" for i in range(1, 30)]
    shown = fill(plan["shown"], at, ids, PAGE)
    rt, effects = runtime_at(at, ids, {})
    expected = stores(effects)
    assert stores(shown) == expected
    history = expected["sondage:v1:shop:history"]
    assert history["shown"] == {"nps": at}
    hint = expected["sondage:v1:shop:hint"]
    assert hint["events"] == ["left"] and hint["not_before"] == at + 72 * 3600   # once; the cooldown
    [outbox] = [v for k, v in expected.items() if ":outbox:" in k]
    [view] = outbox["items"]
    assert view["kind"] == "view" and view["url"] == "https://shop.test/checkout"
    assert [e for e in shown if e["type"] == "callback"] == [e for e in effects if e["type"] == "callback"]
    # What the runtime would carry on with: the showing's response id.
    assert fill(plan["facts"], at, ids, PAGE) == {"survey": "nps", "response_id": rt.screen.response_id,
                                                  "closed": False}
    # Dismissed: the survey goes, and onClose and onEvent('dismiss') are called as the runtime does.
    closed = rt.handle({"type": "ui", "action": "close", "survey_id": "nps"})
    dismissed = fill(plan["dismissed"], at, ids, PAGE)
    assert dismissed == [e for e in closed if e["type"] in ("unmount", "callback", "sdk")]
    assert [e["name"] for e in dismissed if e["type"] == "callback"] == ["onClose", "onEvent"]


def test_a_plan_holds_for_the_stored_state_it_was_made_for():
    history = {"version": 1, "shown": {"manual": WRITTEN - 9 * 86400}, "responded": {}}
    storage = {"sondage:v1:shop:history": history, "sondage:v1:shop:visitor": "v" * 32}
    plan = showing_plan.plan(site(), "d", "nps", "bought", storage, WRITTEN)
    assert plan is not None
    assert plan["requires"] == {"sondage:v1:shop:history": history, "sondage:shop:history": None,
                                "sondage:v1:shop:visitor": "v" * 32, "sondage:shop:visitor": None}
    at = WRITTEN + 60
    shown = stores(fill(plan["shown"], at, [f"{i:032x}" for i in range(1, 30)], PAGE))
    # The visitor's other showing is kept, and their id is not made anew.
    assert shown["sondage:v1:shop:history"]["shown"] == {"manual": WRITTEN - 9 * 86400, "nps": at}
    assert "sondage:v1:shop:visitor" not in shown
    # State of an older storage version is the runtime's to migrate: no plan.
    assert showing_plan.plan(site(), "d", "nps", "bought", {"sondage:shop:history": history}, WRITTEN) is None


def test_a_showing_the_runtime_would_not_make_has_no_plan():
    shown = {"sondage:v1:shop:history": {"version": 1, "shown": {"nps": WRITTEN - 10}, "responded": {}}}
    assert showing_plan.plan(site(), "d", "nps", "bought", shown, WRITTEN) is None    # once: already shown


def test_the_runtime_writes_the_visitors_plans_in_their_hint_after_a_showing():
    rt = Runtime(clock=lambda: WRITTEN, new_id=iter(f"{i:032x}" for i in range(1, 99)).__next__)
    effects = rt.handle({"type": "init", "site_data": site(cooldown=0), "collector": "https://c.test/collect",
                         "page": {"url": PAGE}, "storage": {}})
    # At start the hint is written at once, and its plans a moment later (at the wake it asks
    # for): playing them does not hold back the runtime's start.
    hint = stores(effects)["sondage:v1:shop:hint"]
    assert hint["event_surveys"] == {"bought": "nps", "left": "other"} and "plans" not in hint
    assert [e for e in effects if e["type"] == "wake"]
    hint = stores(rt.handle({"type": "wake"}))["sondage:v1:shop:hint"]
    assert hint["event_surveys"] == {"bought": "nps", "left": "other"} and set(hint["plans"]) == {"nps", "other"}
    assert hint["plans"]["nps"]["requires"]["sondage:v1:shop:history"] == \
        stores(effects)["sondage:v1:shop:history"]


def started_later(carried: dict[str, Any], site_data: Any = None) -> tuple[Runtime, protocol.Effects]:
    """A runtime started after the frame carried out a plan for the event survey "other"
    (frequency always: the engine alone would show it again)."""
    rt = Runtime(clock=lambda: WRITTEN + 30, new_id=iter(f"{i:032x}" for i in range(100, 199)).__next__)
    effects = rt.handle({"type": "init", "site_data": site_data or site(cooldown=0), "collector": "https://c.test/c",
                         "page": {"url": PAGE}, "storage": {}, "shown_ahead": "other", "ahead_event": "left",
                         "carried_out": carried})
    effects += rt.handle(INSTALL) + rt.handle({"type": "command", "name": "event", "args": ["left"]})
    return rt, effects + rt.handle({"type": "started"})


def test_a_runtime_started_later_takes_the_carried_out_showing_over_without_recording_it_again():
    rt, effects = started_later({"survey": "other", "response_id": "r" * 32, "closed": False})
    assert rt.screen.state == "question" and rt.screen.survey and rt.screen.survey.id == "other"
    assert not [e for e in effects if e["type"] in ("callback", "unmount")]      # onLoad etc.: done
    assert not [r for e in effects if e["type"] == "store" and ":outbox:" in e["key"]
                for r in (e["value"] or {}).get("items", [])]                  # no second view
    answered = rt.handle({"type": "ui", "action": "submit", "survey_id": "other", "question_id": "q",
                          "values": ["fine"]})
    [outbox] = [e["value"] for e in answered if e["type"] == "store" and ":outbox:" in e["key"]]
    assert [r["response_id"] for r in outbox["items"]] == ["r" * 32]


def test_a_survey_dismissed_before_python_started_is_not_shown_again_by_its_own_event():
    rt, effects = started_later({"survey": "other", "response_id": "r" * 32, "closed": True})
    assert rt.screen.state == "empty" and not [e for e in effects if e["type"] == "mount"]
    assert rt.visit.page.mode == "installed"
    # The same event later on the page is decided as usual.
    assert [e for e in rt.command("event", ["left"]) if e["type"] == "mount"]


def test_no_plan_is_written_inside_a_vendors_message():
    rt = Runtime(clock=lambda: WRITTEN, new_id=iter(f"{i:032x}" for i in range(1, 99)).__next__)
    effects = rt.handle({"type": "init", "site_data": site(cooldown=0), "collector": "https://c.test/collect",
                         "page": {"url": PAGE, "channel": "braze-inapp"}, "storage": {}})
    hint = stores(effects)["sondage:v1:shop:hint"]
    assert hint["event_surveys"] == {"bought": "nps", "left": "other"} and "plans" not in hint


def test_a_translated_survey_has_no_plan():
    data = make_site_data()
    assert showing_plan.plan(load_site_data(data), "d", "nps", "bought", {}, WRITTEN) is not None
    data["surveys"][0]["translations"] = {"fr": {"questions": {"score": {"prompt": "Probable ?"},
                                                              "why": {"prompt": "Pourquoi ?"}}}}
    translated = load_site_data(data)
    # Drawn in the visitor's language, which only the page says: Python starts at once.
    assert showing_plan.plan(translated, "d", "nps", "bought", {}, WRITTEN) is None
