"""Inside the vendors' mobile in-app messages: the bridge calls Python decides (CleverTap's
Android interface takes JSON as strings, its iOS handler objects with an action; Braze's
bridge as on the web), closing the message, and the ids its merge tags filled in."""

from __future__ import annotations

import json

from runtime.embed import Runtime

from .test_embed import of, ui
from .test_forwarding import sdk_calls


def init_in(site_data, clock, channel, identities=None):
    rt = Runtime(clock=clock, new_id=lambda: "id-0000000001")
    effects = rt.handle({"type": "init", "site_data": site_data, "collector": "https://c.test/collect",
                         "shown_ahead": "manual", "storage": {},
                         "page": {"url": "about:blank", "channel": channel, "campaign": None,
                                  "identities": identities}})
    return rt, effects


def answered(rt, question="pick", value="b"):
    effects = ui(rt, "answer", question, value=value)
    return effects, sdk_calls(effects)


def test_clevertap_in_app_answers_go_through_the_android_interface_or_the_ios_handler(site_data, clock):
    rt, effects = init_in(site_data, clock, "clevertap-inapp")
    assert not of(effects, "console")                            # a channel the runtime knows
    [mount] = of(rt.command("install", ["manual"]), "mount")
    assert mount["position"] == "fill"
    rt.handle({"type": "sdk_reply", "name": "clevertap_id", "value": None})
    effects = ui(rt, "submit", "pick", values=["a", "c"])
    calls = [c for c in sdk_calls(effects) if c["vendor"] == "CleverTap"]
    event, profile = calls[:2]
    # Android: CTWebInterface.pushEvent(String, String), pushProfile(String): strings only.
    assert event["target"] == "CleverTap" and event["chain"][0][0] == "pushEvent"
    name, props = event["chain"][0][1]
    assert name == "survey_question_response" and isinstance(props, str)
    assert json.loads(props)["response_array"] == "a, c"          # flat, as on the web
    assert profile["chain"] == [["pushProfile", [json.dumps({"Pick": ["a", "c"]})]]]
    assert all(isinstance(a, str) for c in calls for step in c["chain"] for a in (step[1] or []))
    # iOS: the clevertap message handler, objects with their action.
    assert event["else_target"] == "webkit"
    assert event["else_chain"][:2] == [["messageHandlers", None], ["clevertap", None]]
    [body] = event["else_chain"][2][1]
    assert body["action"] == "recordEventWithProps" and body["event"] == "survey_question_response"
    assert body["properties"] == json.loads(props)
    assert profile["else_chain"][2] == ["postMessage", [{"action": "profilePush", "properties": {"Pick": ["a", "c"]}}]]


def test_the_clevertap_in_app_message_is_dismissed_through_its_bridge(site_data, clock):
    rt, _ = init_in(site_data, clock, "clevertap-inapp")
    rt.command("install", ["manual"])
    closing = [c for c in sdk_calls(ui(rt, "close", "pick")) if c["vendor"] == "CleverTap"]
    assert [(c["target"], c["chain"], c["else_target"], c["else_chain"]) for c in closing] == [
        ("CleverTap", [["dismissInAppNotification", []]], "webkit",
         [["messageHandlers", None], ["clevertap", None], ["postMessage", [{"action": "dismissInAppNotification"}]]])]


def test_the_ids_a_message_s_merge_tags_filled_go_with_each_answer(site_data, clock):
    rt, _ = init_in(site_data, clock, "braze-inapp", identities={"braze_external_id": "user-42"})
    rt.command("install", ["manual"])
    assert rt.visit.visitor.identities == {"braze_external_id": "user-42"}
    # A tag the vendor left as it is (a preview, a test send), or no id at all: no id.
    for unfilled in ("{{${user_id}}}", "", "null", 42, None):
        rt, _ = init_in(site_data, clock, "braze-inapp", identities={"braze_external_id": unfilled})
        assert rt.visit.visitor.identities == {}, unfilled
    rt, _ = init_in(site_data, clock, "braze-inapp", identities={"not_a_vendor_id": "x"})
    assert rt.visit.visitor.identities == {}
    # CleverTap's bridges give no CleverTap ID: its Liquid fills the profile's Identity into the
    # in-app message, and the answers carry it (the id its upload API and its emails use).
    rt, _ = init_in(site_data, clock, "clevertap-inapp", identities={"clevertap_identity": " user-7 "})
    rt.command("install", ["manual"])
    assert rt.visit.visitor.identities == {"clevertap_identity": "user-7"}
    for unfilled in ("{{ Profile.Identity | default: 'null' }}", "null", " "):
        rt, _ = init_in(site_data, clock, "clevertap-inapp", identities={"clevertap_identity": unfilled})
        assert rt.visit.visitor.identities == {}, unfilled
