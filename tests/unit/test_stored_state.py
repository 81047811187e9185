"""The visitor's state in their browser is versioned and migrated (issue 9)."""

from runtime import protocol
from runtime.visitor_state import HISTORY_VERSION, OUTBOX_VERSION, history_from_json

from .test_embed import answers, new_runtime, of, ui

# What Sondage stored before versioning (storage version 0): the same shapes, no versions.
LEGACY = {
    "sondage:shop:history": {"shown": {"nps": 1_699_000_000.0}, "responded": {"nps": 1_699_000_010.0}},
    "sondage:shop:visitor": "legacyvisitor0001",
    "sondage:shop:outbox:abc": {"items": [{"id": "legacy-record-1", "survey_id": "nps"}], "attempts": 2},
    "sondage:shop:hint": {"data": "sites/shop-old.json", "events": ["bought"]},
}


def stored_after(effects):
    return {e["key"]: e["value"] for e in of(effects, "store")}


def test_keys_carry_the_storage_version():
    assert protocol.storage_key("shop", "history") == f"sondage:v{protocol.STORAGE_VERSION}:shop:history"
    assert protocol.storage_key("shop", "history", 0) == "sondage:shop:history"


def test_a_visitor_who_answered_a_once_survey_is_not_asked_again_after_the_upgrade(site_data, clock):
    rt, effects = new_runtime(site_data, clock, storage=dict(LEGACY))
    assert of(rt.command("event", ["bought"]), "mount") == []        # "nps" is once: already shown
    after = stored_after(effects)
    assert after["sondage:v1:shop:history"] == {
        "version": HISTORY_VERSION, "shown": {"nps": 1_699_000_000.0}, "responded": {"nps": 1_699_000_010.0}}
    assert after["sondage:v1:shop:visitor"] == "legacyvisitor0001" and rt.visit.visitor.id == "legacyvisitor0001"
    # The old keys are removed once migrated; nothing is read from them again.
    for old in LEGACY:
        assert after[old] is None


def test_answers_waiting_in_an_old_outbox_are_still_sent(site_data, clock):
    rt, effects = new_runtime(site_data, clock, storage=dict(LEGACY))
    [deliver] = of(effects, "deliver")
    assert [r["id"] for r in deliver["records"]] == ["legacy-record-1"]
    [own] = [k for k, v in stored_after(effects).items() if k.startswith("sondage:v1:shop:outbox:") and v]
    # Rewritten in this version's shape, with the plan a loader carries out.
    assert stored_after(effects)[own]["version"] == OUTBOX_VERSION == 2
    [batch] = stored_after(effects)[own]["plan"]["batches"]
    assert batch["ids"] == ["legacy-record-1"]


def test_values_carry_their_version(site_data, clock):
    rt, _ = new_runtime(site_data, clock)
    effects = rt.command("event", ["bought"])
    effects += ui(rt, "answer", "score", value="9")
    after = stored_after(effects)
    assert after["sondage:v1:shop:history"]["version"] == 1
    assert after["sondage:v1:shop:hint"]["version"] == protocol.HINT_VERSION
    assert all(v["version"] == OUTBOX_VERSION for k, v in after.items() if ":outbox:" in k)


def test_an_unreadable_history_is_said_not_silently_reset(site_data, clock):
    _, effects = new_runtime(site_data, clock, storage={"sondage:v1:shop:history": ["not", "a", "history"]})
    assert any("stored survey history could not be read" in e["message"] for e in of(effects, "console"))


def test_a_newer_runtimes_history_is_read_by_its_known_fields():
    history = history_from_json({"version": 7, "shown": {"a": 1.0}, "responded": {}, "future": {"x": 1}})
    assert history is not None and history.shown == {"a": 1.0}


def test_answers_the_loader_delivered_are_not_sent_again(site_data, clock):
    storage = {"sondage:v1:shop:outbox:tabA": {"version": 1, "items": [
        {"id": "rec-delivered-1"}, {"id": "rec-waiting-01"}]},
        "sondage:v1:shop:acked": {"ids": ["rec-delivered-1"]}}
    _, effects = new_runtime(site_data, clock, storage=storage)
    [deliver] = of(effects, "deliver")
    assert [r["id"] for r in deliver["records"]] == ["rec-waiting-01"]
    assert stored_after(effects)["sondage:v1:shop:acked"] is None


def test_a_click_in_the_first_second_is_answered_on_the_next_page_view(site_data, clock):
    """The visitor answered the survey shown ahead and left before Python was up: the next
    page view records the answer (with the click's id) and counts the survey as shown."""
    site_data["surveys"][2]["frequency"] = "once"        # "welcome", a page-view rating survey
    early = {"early": "early-click-0001", "survey_id": "welcome", "question_id": "stars", "action": "answer",
             "value": "4", "at": clock.now - 60, "url": "https://shop.test/home"}
    rt, effects = new_runtime(site_data, clock, storage={"sondage:v1:shop:early:early-click-0001": early})
    [deliver] = of(effects, "deliver")
    [record] = deliver["records"]
    assert record["id"] == "early-click-0001" and record["response"] == 4 and record["survey_id"] == "welcome"
    assert record["url"] == "https://shop.test/home"
    assert stored_after(effects)["sondage:v1:shop:early:early-click-0001"] is None
    assert of(rt.command("install", []), "mount") == []   # shown once already: not again


def test_a_click_the_runtime_took_in_keeps_its_id_and_clears_its_key(site_data, clock):
    rt, _ = new_runtime(site_data, clock)
    rt.command("install", [])
    effects = rt.handle({"type": "ui", "survey_id": "welcome", "question_id": "stars", "action": "answer",
                         "value": "5", "early": "early-click-0002"})
    [deliver] = of(effects, "deliver")
    assert answers(deliver)[0]["id"] == "early-click-0002"
    assert stored_after(effects)["sondage:v1:shop:early:early-click-0002"] is None


def test_another_tabs_unsent_answers_are_taken_in(site_data, clock):
    rt, _ = new_runtime(site_data, clock)
    effects = rt.handle({"type": "storage", "key": "sondage:v1:shop:outbox:othertab01",
                         "value": {"version": 1, "items": [{"id": "rec-other-tab1", "site": "shop"}]}})
    [deliver] = of(effects, "deliver")
    assert [r["id"] for r in deliver["records"]] == ["rec-other-tab1"]
