"""Which SDK calls each answer makes (runtime/forwarding.py), and the runtime carrying them."""

import pytest

from runtime import forwarding
from runtime.survey_format import load_site_data

from .test_embed import answers, new_runtime, of, ui


@pytest.fixture
def site(site_data):
    site_data["settings"]["forward"] = {"segment": True, "braze": True, "clevertap": True,
                                        "clevertap_user_properties": ["plan", "joined"]}
    return site_data


def sdk_calls(effects):
    return [c for e in of(effects, "sdk") for c in e["calls"]]


def test_an_nps_answer_for_every_vendor(site, clock):
    rt, _ = new_runtime(site, clock)
    rt.command("identify", [{"external_id": "u-1", "plan": "pro", "joined": {"type": "date", "value": 1700000000},
                             "secret": "no"}, {"order": "A1"}])
    rt.command("event", ["bought"])
    calls = sdk_calls(ui(rt, "answer", "score", value="9"))
    assert [(c["vendor"], c["target"], [s[0] for s in c["chain"]]) for c in calls] == [
        ("Segment", "analytics", ["track"]),
        ("Braze", "braze", ["getUser", "setCustomUserAttribute"]),
        ("Braze", "braze", ["logCustomEvent"]),
        ("Braze", "braze", ["requestImmediateDataFlush"]),
        ("CleverTap", "clevertap", ["event", "push"]),
        ("CleverTap", "clevertap", ["profile", "push"]),
    ]
    segment, attribute, event, _, ct_event, ct_profile = calls
    assert segment["chain"][0][1] == ["Survey Question Response", {
        "survey_id": "nps", "survey_name": "NPS", "question": "How likely?", "label": "nps_score", "response": 9,
        "response_int": 9, "response_string": "9", "response_properties": {"order": "A1"}}]
    assert attribute["chain"][1][1] == ["nps_score", 9]                    # typed: a number
    assert event["chain"][0][1][0] == "survey-question-response"
    assert ct_event["chain"][1][1] == ["survey_question_response", {
        "survey_id": "nps", "survey_name": "NPS", "question": "How likely?", "label": "nps_score", "response": 9,
        "response_int": 9, "response_string": "9", "order": "A1"}]        # response property: on the event
    # User properties (named in sites.yaml) go to the profile; a date as a Date; others stay out.
    assert ct_profile["chain"][1][1] == [{"Site": {"nps_score": 9, "plan": "pro", "joined": {"$date": 1700000000}}}]


def test_multiple_choice_is_an_array_for_braze_and_the_profile_but_flat_on_clevertap_events(site, clock):
    rt, _ = new_runtime(site, clock)
    rt.command("install", ["manual"])
    calls = sdk_calls(ui(rt, "submit", "pick", values=["a", "c"]))
    braze_attribute = next(c for c in calls if c["chain"][-1][0] == "setCustomUserAttribute")
    assert braze_attribute["chain"][1][1] == ["Pick", ["a", "c"]]          # no label: the prompt
    ct_event = next(c for c in calls if c["chain"][0][0] == "event")
    assert ct_event["chain"][1][1][1]["response_array"] == "a, c"
    ct_profile = next(c for c in calls if c["chain"][0][0] == "profile")
    assert ct_profile["chain"][1][1] == [{"Site": {"Pick": ["a", "c"]}}]


def test_a_survey_turns_a_vendor_off_and_preview_answers_go_nowhere(site, clock):
    site["surveys"][0]["forward"] = {"braze": False}
    rt, _ = new_runtime(site, clock)
    rt.command("event", ["bought"])
    assert {c["vendor"] for c in sdk_calls(ui(rt, "answer", "score", value="3"))} == {"Segment", "CleverTap"}
    preview, _ = new_runtime(site, clock, preview="nps")
    preview.command("event", ["bought"])
    assert sdk_calls(ui(preview, "answer", "score", value="3")) == []


def test_no_forwarding_configured_means_no_sdk_calls(site_data, clock):
    rt, _ = new_runtime(site_data, clock)
    effects = rt.command("event", ["bought"])
    assert of(effects, "sdk") == [] and of(ui(rt, "answer", "score", value="3"), "sdk") == []


def test_the_clevertap_event_name_is_the_sites_choice(site, clock):
    site["settings"]["forward"]["clevertap_event"] = "survey-question-response"
    rt, _ = new_runtime(site, clock)
    rt.command("event", ["bought"])
    ct = next(c for c in sdk_calls(ui(rt, "answer", "score", value="3")) if c["chain"][0][0] == "event")
    assert ct["chain"][1][1][0] == "survey-question-response"


def test_identities_are_asked_for_when_shown_and_stored_with_each_answer(site, clock):
    rt, _ = new_runtime(site, clock)
    queries = sdk_calls(rt.command("event", ["bought"]))
    assert [(q["reply"], q["optional"]) for q in queries] == [
        ("braze_external_id", True), ("braze_device_id", True), ("clevertap_id", True)]
    rt.handle({"type": "sdk_reply", "name": "braze_external_id", "value": "u-42"})
    rt.handle({"type": "sdk_reply", "name": "clevertap_id", "value": 12345})
    rt.handle({"type": "sdk_reply", "name": "not_an_identity", "value": "x"})
    # Every id is known: the hold ends, and the showing's view is sent (and stored).
    [view] = of(rt.handle({"type": "sdk_reply", "name": "braze_device_id", "value": None}), "deliver")
    assert [r["kind"] for r in view["records"]] == ["view"]
    assert "identities" not in view["records"][0]          # a view says nothing of the visitor
    rt.handle({"type": "delivered", "ids": [r["id"] for r in view["records"]]})
    [deliver] = of(ui(rt, "answer", "score", value="5"), "deliver")
    assert answers(deliver)[0]["identities"] == {"braze_external_id": "u-42", "clevertap_id": "12345"}


def init_in(site_data, clock, channel, campaign=None):
    from runtime.embed import Runtime
    rt = Runtime(clock=clock, new_id=lambda: "id-0000000001")
    effects = rt.handle({"type": "init", "site_data": site_data, "collector": "https://c.test/collect",
                         "page": {"url": "https://app.test/", "channel": channel, "campaign": campaign},
                         "storage": {}})
    return rt, effects


def test_inside_a_braze_message_answers_go_through_the_bridge_and_the_message_closes(site_data, clock):
    rt, _ = init_in(site_data, clock, "braze-inapp")
    [mount] = of(rt.command("install", ["manual"]), "mount")
    assert mount["position"] == "modal"
    effects = ui(rt, "submit", "pick", values=["b"])
    bridge = [c for c in sdk_calls(effects) if c["vendor"] == "Braze"]
    assert bridge and all(c["target"] == "brazeBridge" and c["wait_for"] == "ab.BridgeReady" for c in bridge)
    [wake] = of(effects, "wake")
    assert of(rt.handle({"type": "wake"}), "unmount") == []        # not yet
    clock.now += wake["after"]
    closing = rt.handle({"type": "wake"})
    assert of(closing, "unmount") and sdk_calls(closing)[0]["chain"] == [["closeMessage", []]]


def test_dismissing_a_clevertap_popup_closes_it_by_its_campaign(site_data, clock):
    rt, _ = init_in(site_data, clock, "clevertap-popup", campaign="1732000000")
    [mount] = of(rt.command("install", ["manual"]), "mount")
    assert mount["position"] == "fill"
    [close] = sdk_calls(ui(rt, "close", "pick"))
    assert close["target"] == "$WZRK_WR" and close["chain"] == [["closeIframe", ["1732000000", ""]]]


def test_an_unknown_channel_is_named(site_data, clock):
    _, effects = init_in(site_data, clock, "fax")
    assert any("iterateSettings.channel 'fax' is not one of" in e["message"] for e in of(effects, "console"))


def test_vendors_follow_site_survey_and_channel():
    data = load_site_data({"format": 1, "site": "s", "settings": {"forward": {"segment": True}}, "surveys": [
        {"id": "a", "site": "s", "name": "A", "forward": {"segment": False, "clevertap": True},
         "questions": [{"id": "q", "type": "text", "prompt": "Q"}]}]})
    survey = data.surveys[0]
    assert forwarding.vendors(data.settings, survey, "page") == {"segment": False, "braze": False, "clevertap": True}
    assert forwarding.vendors(data.settings, survey, "braze-inapp")["braze"] is True


def test_a_hosted_page_takes_the_link_and_never_auto_closes(site_data, clock):
    from runtime.embed import Runtime
    ids = iter(range(100, 200))
    rt = Runtime(clock=clock, new_id=lambda: f"id-0000000{next(ids)}")
    rt.handle({"type": "init", "site_data": site_data, "collector": "https://c.test/collect", "storage": {},
               "page": {"url": "https://cdn.test/s/shop/nps/?user_braze_id=b-1&user_number_age=41"
                                "&response_boolean_vip=yes&user_date_joined=2024-01-02&answer=7",
                        "channel": "hosted"}})
    assert rt.visit.visitor.traits == {"braze_id": "b-1", "age": 41, "joined": {"type": "date", "value": 1704153600}}
    assert rt.visit.visitor.response_properties == {"vip": True} and rt.visit.visitor.identities == {"braze_id": "b-1"}
    effects = rt.command("install", ["nps"])
    assert effects[0]["position"] == "page"
    [deliver] = of(effects, "deliver")
    assert answers(deliver)[0]["response"] == 7                # answered in the email
    assert "Why?" in of(effects, "mount")[-1]["html"]            # question 2 on screen
    done = ui(rt, "submit", "why", values=["great"])
    assert of(done, "wake") == [] and sdk_calls(done) == []       # no auto-close, no in-page SDKs


def test_a_link_answer_that_does_not_fit_leaves_the_question_to_the_visitor(site_data, clock):
    from runtime.embed import Runtime
    rt = Runtime(clock=clock, new_id=lambda: "id-0000000003")
    rt.handle({"type": "init", "site_data": site_data, "storage": {},
               "page": {"url": "https://cdn.test/s/shop/nps/?answer=eleven&user_number_age=old",
                        "channel": "hosted"}})
    effects = rt.command("install", ["nps"])
    messages = [e["message"] for e in of(effects, "console")]
    assert any("answer='eleven' in the link does not fit question 'score'" in m for m in messages)
    assert "How likely?" in of(effects, "mount")[0]["html"]
