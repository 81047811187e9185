"""The visitor's state in their browser is versioned and migrated (issue 9)."""

from sondage.runtime import protocol
from sondage.runtime.stored import HISTORY_VERSION, history_from_json

from .test_embed import new_runtime, of, ui

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
    assert after["sondage:v1:shop:visitor"] == "legacyvisitor0001" and rt.visitor_id == "legacyvisitor0001"
    # The old keys are removed once migrated; nothing is read from them again.
    for old in LEGACY:
        assert after[old] is None


def test_answers_waiting_in_an_old_outbox_are_still_sent(site_data, clock):
    rt, effects = new_runtime(site_data, clock, storage=dict(LEGACY))
    [deliver] = of(effects, "deliver")
    assert [r["id"] for r in deliver["records"]] == ["legacy-record-1"]
    [own] = [k for k, v in stored_after(effects).items() if k.startswith("sondage:v1:shop:outbox:") and v]
    assert stored_after(effects)[own]["version"] == 1


def test_values_carry_their_version(site_data, clock):
    rt, _ = new_runtime(site_data, clock)
    effects = rt.command("event", ["bought"])
    effects += ui(rt, "answer", "score", value="9")
    after = stored_after(effects)
    assert after["sondage:v1:shop:history"]["version"] == 1
    assert after["sondage:v1:shop:hint"]["version"] == protocol.HINT_VERSION
    assert all(v["version"] == 1 for k, v in after.items() if ":outbox:" in k)


def test_an_unreadable_history_is_said_not_silently_reset(site_data, clock):
    _, effects = new_runtime(site_data, clock, storage={"sondage:v1:shop:history": ["not", "a", "history"]})
    assert any("stored survey history could not be read" in e["message"] for e in of(effects, "console"))


def test_a_newer_runtimes_history_is_read_by_its_known_fields():
    history = history_from_json({"version": 7, "shown": {"a": 1.0}, "responded": {}, "future": {"x": 1}})
    assert history is not None and history.shown == {"a": 1.0}
