"""Braze, with the real Web SDK from npm: a survey inside a Braze HTML in-app message
(`sondage embed braze-inapp`), answers on the user's profile through brazeBridge."""

from __future__ import annotations

from pathlib import Path

import yaml
from playwright.sync_api import expect

from runtime.survey_format import load_survey
from sondage.survey_pages import embed_html
from tests.conftest import wait_until

from .test_spine import wait_for_rows
from .vendors import BRAZE_PAGE, answer_vendor_survey, route_braze


def vendor_survey():
    return load_survey(yaml.safe_load((Path(__file__).parent / "surveys" / "e2e-vendors.yaml").read_text()))


def braze_events(captured) -> list[dict]:
    return [e for body in captured.bodies("/api/v3/data") for e in (body.get("events") or [])]


def test_survey_in_a_braze_in_app_message(host, servers):
    captured = route_braze(host.page.context)
    host.open("<h1>App</h1>" + BRAZE_PAGE, api_key="e2e-vendors", with_snippet=False)
    page = host.page
    page.wait_for_function("window.brazeReady === true", timeout=30000)
    html = embed_html("braze-inapp", "e2e-vendors", servers.runtime_url, "e2e-vendor-nps", survey=vendor_survey())
    page.evaluate("(html) => braze.showInAppMessage(new braze.HtmlMessage(html))", html)
    # The survey is the message's own page (its first question in it, as on a phone).
    survey = page.frame_locator("iframe.ab-html-message")
    expect(survey.locator(".sondage-prompt")).to_have_text("How likely are you to recommend us?", timeout=30000)
    page.screenshot(path=str(host.folder / "braze-inapp.png"))
    answer_vendor_survey(survey, "9", ["Price", "Support"])
    # The message closes by itself a moment after the thank-you.
    expect(page.locator(".ab-in-app-message")).to_have_count(0, timeout=15000)
    rows = wait_for_rows(servers.store, 2, survey_id="e2e-vendor-nps", url=page.url)
    assert all(r["identities"].get("braze_external_id") == "user-42" for r in rows)
    assert all(r["identities"].get("braze_device_id") for r in rows)
    assert_on_the_braze_profile(captured)


def assert_on_the_braze_profile(captured) -> None:
    """What Braze's own SDK sent: the attributes and events of both answers, for user-42."""
    bodies = captured.bodies("/api/v3/data")
    assert bodies and all(b["respond_with"]["user_id"] == "user-42" for b in bodies)
    custom = {k: v for b in bodies for a in b.get("attributes") or [] for k, v in a.get("custom", {}).items()}
    sets = {e["data"]["key"]: e["data"]["value"] for e in braze_events(captured) if e["name"] == "set"}
    assert custom.get("nps_score") == 9                               # the label names the attribute
    assert sets.get("What did you like?") == ["Price", "Support"]     # no label: the prompt; an array
    answers = [e["data"]["p"] for e in braze_events(captured)
               if e["name"] == "ce" and e["data"]["n"] == "survey-question-response"]
    assert [a["question"] for a in answers] == ["How likely are you to recommend us?", "What did you like?"]
    assert answers[0]["response_int"] == 9 and answers[0]["label"] == "nps_score"
    assert answers[1]["response_array"] == ["Price", "Support"] and answers[1]["response"] == "Price, Support"
    assert all(a["survey_id"] == "e2e-vendor-nps" and a["survey_name"] == "E2E vendor NPS" for a in answers)
    assert all(e["user_id"] == "user-42" for e in braze_events(captured))


def test_dismissing_the_survey_closes_the_braze_message(host, servers):
    route_braze(host.page.context)
    host.open("<h1>App</h1>" + BRAZE_PAGE, api_key="e2e-vendors", with_snippet=False)
    page = host.page
    page.wait_for_function("window.brazeReady === true", timeout=30000)
    html = embed_html("braze-inapp", "e2e-vendors", servers.runtime_url, "e2e-vendor-nps", survey=vendor_survey())
    page.evaluate("(html) => braze.showInAppMessage(new braze.HtmlMessage(html))", html)
    survey = page.frame_locator("iframe.ab-html-message")
    expect(survey.locator(".sondage-prompt")).to_be_visible(timeout=30000)
    survey.locator("[data-action=close]").click()
    expect(page.locator(".ab-in-app-message")).to_have_count(0, timeout=5000)
    assert host.warnings() == []


def test_answers_reach_braze_from_a_page_with_the_web_sdk(host, servers):
    """Not inside a message: the site forwards answers to Braze (sites.yaml), the page has
    the Web SDK, the survey shows in its corner."""
    captured = route_braze(host.page.context)
    host.open("<h1>Shop</h1>" + BRAZE_PAGE, api_key="e2e-vendors")
    page = host.page
    page.wait_for_function("window.brazeReady === true", timeout=30000)
    page.evaluate("Iterate('event', 'rate-us')")
    survey = host.survey()
    answer_vendor_survey(survey, "9", ["Price", "Support"])
    rows = wait_for_rows(servers.store, 2, survey_id="e2e-vendor-nps", url=page.url)
    assert {r["identities"].get("braze_external_id") for r in rows} == {"user-42"}
    page.wait_for_function("() => true")
    # Braze flushes on its own schedule after requestImmediateDataFlush.
    wait_until(page, lambda: len([e for e in braze_events(captured) if e["name"] == "ce"]) >= 2,
               "two custom events at Braze")
    assert_on_the_braze_profile(captured)
    # Segment and CleverTap are forwarded to as well on this site, but are not on the page:
    # one warning each, and the survey went on.
    host.wait_for_warning("CleverTap: clevertap is not on this page")
    assert sum("is not on this page" in w for w in host.warnings()) == 2
