"""Email and link surveys: the survey's own page in the bundle, Iterate's typed link
parameters, and the first question in an email whose every answer is a link."""

from __future__ import annotations

import html
import json
import re

from playwright.sync_api import expect

from sondage.links import email_html, survey_link
from sondage.runtime.survey_format import load_survey

from .test_spine import wait_for_rows


def vendor_survey(survey_dir):
    import yaml

    return load_survey(yaml.safe_load((survey_dir / "e2e-vendors.yaml").read_text()))


def test_hosted_page_reads_link_parameters_and_the_first_answer(host, servers):
    page = host.page
    url = (servers.runtime_url + "s/e2e-vendors/e2e-vendor-nps/?user_braze_id=b-77&user_number_age=33"
           "&user_plan=gold&response_boolean_trial=true&response_date_renewal=2026-02-01&answer=9")
    page.goto(url)
    survey = page.frame_locator("iframe[title=Survey]")
    # The first question was answered in the link: the page goes on with question 2.
    expect(survey.locator(".sondage-prompt")).to_have_text("What did you like?", timeout=30000)
    page.screenshot(path=str(host.folder / "hosted-page.png"))
    survey.locator("label", has_text="Price").click()
    survey.locator("button[type=submit]").click()
    expect(survey.locator(".sondage-thanks")).to_be_visible()
    rows = wait_for_rows(servers.store, 2, survey_id="e2e-vendor-nps", url=url)
    first = next(r for r in rows if r["question_id"] == "score")
    assert first["response"] == 9
    assert first["user"] == {"braze_id": "b-77", "age": 33, "plan": "gold"}
    assert first["response_properties"] == {"trial": True, "renewal": {"type": "date", "value": 1769904000}}
    assert first["identities"] == {"braze_id": "b-77"}
    assert {r["response_id"] for r in rows} == {first["response_id"]} and first["response_id"]
    assert [r["completes_response"] for r in sorted(rows, key=lambda r: r["question_id"] != "score")] == \
        [False, True]


def test_unfilled_merge_tags_are_ignored(host, servers):
    page = host.page
    url = servers.runtime_url + "s/e2e-vendors/e2e-vendor-nps/?user_email=null&user_braze_id={{${braze_id}}}&answer=4"
    page.goto(url)
    survey = page.frame_locator("iframe[title=Survey]")
    expect(survey.locator(".sondage-prompt")).to_have_text("What did you like?", timeout=30000)
    [row] = wait_for_rows(servers.store, 1, survey_id="e2e-vendor-nps", url=url)
    assert row["user"] == {} and row["identities"] == {} and row["response"] == 4


def test_email_renders_without_javascript_and_every_answer_link_records_it(host, servers, browser, survey_dir,
                                                                          vendor_apis):
    survey = vendor_survey(survey_dir)
    email = email_html(servers.runtime_url, survey, "braze")
    assert "<script" not in email and "<style" not in email and "class=" not in email
    # As a mail client shows it: no JavaScript at all.
    context = browser.new_context(java_script_enabled=False, viewport={"width": 600, "height": 320})
    try:
        mail = context.new_page()
        mail.set_content(f"<!doctype html><html><body style='margin:12px'>{email}</body></html>")
        mail.screenshot(path=str(host.folder / "email-braze.png"))
        links = mail.eval_on_selector_all("a", "as => as.map(a => a.getAttribute('href'))")
        texts = mail.eval_on_selector_all("a", "as => as.map(a => a.textContent)")
        boxes = mail.eval_on_selector_all("a", "as => as.map(a => a.getBoundingClientRect().width)")
    finally:
        context.close()
    assert texts == [str(n) for n in range(11)] and min(boxes) > 20
    assert all("user_braze_id={{${braze_id}}}" in link for link in links)
    # Braze fills the merge tag; the recipient clicks: every link records its answer.
    page = host.page
    for n, link in enumerate(links):
        target = html.unescape(link).replace("{{${braze_id}}}", f"mail-user-{n}")
        assert re.search(rf"[?&]answer={n}$", target)
        page.goto(target)
        expect(page.frame_locator("iframe[title=Survey]").locator(".sondage-prompt")).to_have_text(
            "What did you like?", timeout=30000)
        [row] = wait_for_rows(servers.store, 1, survey_id="e2e-vendor-nps", url=target)
        assert row["response"] == n and row["identities"] == {"braze_id": f"mail-user-{n}"}
    # And each answer is on the recipient's Braze profile: the collector relayed it.
    braze = vendor_apis["braze"]

    def relayed() -> dict:
        bodies = [json.loads(g["body"]) for g in braze.got]
        return {a["braze_id"]: a["nps_score"] for b in bodies for a in b["attributes"]
                if a["braze_id"].startswith("mail-user-")}

    for _ in range(100):
        if len(relayed()) >= 11:
            break
        page.wait_for_timeout(100)
    assert all(g["path"] == "/users/track" and g["headers"]["authorization"] == "Bearer e2e-braze-rest-key"
               for g in braze.got)
    assert relayed() == {f"mail-user-{n}": n for n in range(11)}


def test_a_clevertap_link_puts_the_answer_on_the_clevertap_profile(host, servers, survey_dir, vendor_apis):
    survey = vendor_survey(survey_dir)
    link = survey_link(servers.runtime_url, survey, "clevertap", ["type=@Profile - User Type"], ["number_cart=3"])
    assert link == (servers.runtime_url + "s/e2e-vendors/e2e-vendor-nps/?user_email={{ Profile.Identity | "
                    "default: 'null' }}&user_type={{ Profile.User Type | default: 'null' }}&response_number_cart=3")
    # CleverTap fills the tags for a recipient; the recipient answers on the survey's page.
    filled = link.replace("{{ Profile.Identity | default: 'null' }}", "ct-link@example.test") \
        .replace("{{ Profile.User Type | default: 'null' }}", "seller")
    page = host.page
    page.goto(filled)
    survey_frame = page.frame_locator("iframe[title=Survey]")
    survey_frame.locator("button[data-value='8']").click(timeout=30000)
    expect(survey_frame.locator(".sondage-prompt")).to_have_text("What did you like?")
    [row] = wait_for_rows(servers.store, 1, survey_id="e2e-vendor-nps", url=page.url)
    assert row["user"] == {"email": "ct-link@example.test", "type": "seller"}
    assert row["response_properties"] == {"cart": 3}
    clevertap = vendor_apis["clevertap"]

    def uploads() -> list:
        return [d for g in clevertap.got for d in json.loads(g["body"])["d"]
                if d["identity"] == "ct-link@example.test"]

    for _ in range(100):
        if len(uploads()) >= 2:
            break
        page.wait_for_timeout(100)
    event, profile = uploads()
    assert event["evtName"] == "survey_question_response" and event["evtData"]["response_int"] == 8
    assert event["evtData"]["cart"] == 3 and profile["profileData"] == {"nps_score": 8}
    assert all(g["path"] == "/1/upload" and g["headers"]["x-clevertap-passcode"] == "e2e-passcode"
               for g in clevertap.got)
