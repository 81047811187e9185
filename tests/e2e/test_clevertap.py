"""CleverTap, with the real Web SDK from npm (the snippet build and the npm build): answers
as the `survey_question_response` event and profile properties, after onUserLogin, so they
carry the user's identity; and a survey inside a CleverTap web pop-up."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from sondage.survey_pages import embed_html
from tests.conftest import wait_until

from .test_spine import wait_for_rows
from .vendors import CLEVERTAP_GUID, CLEVERTAP_NPM, CLEVERTAP_SNIPPET, answer_vendor_survey, route_clevertap

ONLY_LOGIN = """<script>
clevertap.onUserLogin.push({Site: {Identity: "ct-user-9", Email: "nine@example.test"}});
</script>"""
LOGIN = ONLY_LOGIN + """<script>
Iterate('identify', {external_id: 'ct-user-9', plan: 'gold'}, {campaign: 'spring'});
</script>"""


@pytest.mark.parametrize("integration", ["snippet", "npm"])
def test_answers_reach_clevertap(host, servers, integration):
    captured = route_clevertap(host.page.context)
    sdk = CLEVERTAP_SNIPPET if integration == "snippet" else CLEVERTAP_NPM
    host.open("<h1>Shop</h1>" + LOGIN, api_key="e2e-vendors", head=sdk)
    page = host.page
    page.evaluate("Iterate('event', 'rate-us')")
    survey = host.survey()
    answer_vendor_survey(survey, "7", ["Speed", "Price"])
    rows = wait_for_rows(servers.store, 2, survey_id="e2e-vendor-nps", url=page.url)
    assert {r["identities"].get("clevertap_id") for r in rows} == {CLEVERTAP_GUID}
    assert_on_the_clevertap_profile(page, captured)
    assert not [m for m in host.console if m.startswith("pageerror")]


def answer_events(captured) -> list[dict]:
    return [r["body"] for r in captured.requests
            if isinstance(r["body"], dict) and r["body"].get("evtName") == "survey_question_response"]


def profiles(captured) -> list[dict]:
    return [r["body"] for r in captured.requests
            if isinstance(r["body"], dict) and r["body"].get("type") == "profile"]


def answer_profiles(captured) -> list[dict]:
    return [p for p in profiles(captured) if "nps_score" in p["profile"] or "What did you like?" in p["profile"]]


def the_answer(bodies: list[dict], has) -> dict | None:
    """The first of ``bodies`` that ``has`` picks (the SDK may send one again, and in its order)."""
    return next((b for b in bodies if has(b)), None)


def assert_on_the_clevertap_profile(page, captured, traits: bool = True) -> None:
    """``traits``: the page identified the visitor to Sondage too (plan, a response property)."""
    def score(event: dict) -> bool:
        return event["evtData"].get("label") == "nps_score"

    def liked(event: dict) -> bool:
        return "response_array" in event["evtData"]

    # The SDK sends on its own schedule (and sends a request again that it thinks was lost):
    # each answer is found by what it is, not by its place.
    wait_until(page, lambda: the_answer(answer_events(captured), score) and the_answer(answer_events(captured), liked)
               and len(answer_profiles(captured)) >= 2, "both answers' events and profile pushes at CleverTap")
    # onUserLogin came first and bound the device (guid) to the user's Identity.
    login = next(p for p in profiles(captured) if p.get("isOUL"))
    assert login["profile"]["Identity"] == "ct-user-9"
    first, second = the_answer(answer_events(captured), score), the_answer(answer_events(captured), liked)
    assert first and second
    assert first["evtData"] == {"survey_id": "e2e-vendor-nps", "survey_name": "E2E vendor NPS",
                                "question": "How likely are you to recommend us?", "label": "nps_score",
                                "response": 7, "response_int": 7, "response_string": "7",
                                **({"campaign": "spring"} if traits else {})}   # a response property: on the event
    assert second["evtData"]["response_array"] == "Speed, Price"     # CleverTap events are flat
    answers = [p["profile"] for p in answer_profiles(captured)]
    scored = the_answer(answers, lambda p: "nps_score" in p)
    chose = the_answer(answers, lambda p: "What did you like?" in p)
    assert scored and chose
    assert scored["nps_score"] == 7
    assert chose["What did you like?"] == ["Speed", "Price"]              # a multi-value property
    assert "campaign" not in scored
    if traits:
        assert scored["plan"] == "gold"                                   # a user property
    for body in [first, second, *answer_profiles(captured)]:
        assert body["g"] == CLEVERTAP_GUID        # the identified user's device


def test_survey_in_a_clevertap_web_popup(host, servers):
    """CleverTap renders the pop-up itself (its campaign code, as for a campaign its servers
    send); the survey runs inside and answers reach the page's clevertap."""
    captured = route_clevertap(host.page.context)
    host.open("<h1>Shop</h1>" + ONLY_LOGIN, api_key="e2e-vendors", head=CLEVERTAP_SNIPPET, with_snippet=False)
    page = host.page
    page.wait_for_function("typeof (window.$WZRK_WR || {}).tr === 'function'", timeout=30000)
    html = embed_html("clevertap-popup", "e2e-vendors", servers.runtime_url, "e2e-vendor-nps")
    page.evaluate("""(html) => window.$WZRK_WR.tr({inapp_notifs: [{
        wzrk_id: "1732000000_20261123", display: {wtarget_type: 0, layout: 0},
        msgContent: {type: 1, html: html}}]})""", html)
    popup = page.frame_locator("#wiz-iframe")
    survey = popup.frame_locator("iframe[title=Survey]")
    expect(survey.locator(".sondage-prompt")).to_have_text("How likely are you to recommend us?", timeout=30000)
    page.screenshot(path=str(host.folder / "clevertap-popup.png"))
    answer_vendor_survey(survey, "7", ["Speed", "Price"])
    expect(page.locator("#wizParDiv0")).to_have_count(0, timeout=15000)      # the pop-up closed
    rows = wait_for_rows(servers.store, 2, survey_id="e2e-vendor-nps", url=page.url)
    assert {r["identities"].get("clevertap_id") for r in rows} == {CLEVERTAP_GUID}
    assert_on_the_clevertap_profile(page, captured, traits=False)
    assert not [m for m in host.console if m.startswith("pageerror")]
