"""Issue 13: a visitor answers every question type in the widget, with skip logic, an
optional question skipped, an "Other" answer and validation messages."""

from __future__ import annotations

from playwright.sync_api import expect

from .test_spine import wait_for_rows


def test_every_question_type_end_to_end(host, servers):
    host.open("<h1>Types</h1>", api_key="e2e-types", install_on_load=False)
    page = host.page
    page.evaluate("Iterate('install', 'e2e-types')")
    s = host.survey()
    prompt = s.locator(".sondage-prompt")
    expect(prompt).to_have_text("How likely?", timeout=30000)
    s.locator("button[data-value='9']").click()                     # a promoter: logic skips a question
    expect(prompt).to_have_text("Stars?")
    s.locator("button[aria-label='4 of 5 stars']").click()
    expect(prompt).to_have_text("Mood?")
    expect(s.locator(".sondage-ends")).to_contain_text("Glad")
    s.locator("button[data-value='3']").click()
    expect(prompt).to_have_text("Satisfied?")
    s.locator("button[data-value='5']").click()
    expect(prompt).to_have_text("Where from?")
    s.locator("label", has_text="Other").click()
    s.locator("button[type=submit]").click()                         # no words for Other yet
    expect(s.locator(".sondage-error")).to_have_text("write your answer next to Other")
    s.locator("label", has_text="Other").click()
    s.locator("input[name=other]").fill("a podcast")
    s.locator("button[type=submit]").click()
    expect(prompt).to_have_text("Which?")
    s.locator("label", has_text="A").click()
    s.locator("button[type=submit]").click()
    expect(s.locator(".sondage-error")).to_have_text("choose at least 2")
    s.locator("label", has_text="A").click()
    s.locator("label", has_text="C").click()
    s.locator("button[type=submit]").click()
    expect(prompt).to_have_text("Size?")
    s.locator("select").select_option("L")
    s.locator("button[type=submit]").click()
    expect(prompt).to_have_text("Again?")
    s.locator("button[data-value='Yes']").click()
    expect(prompt).to_have_text("Name?")
    s.locator("[data-action=skip]").click()                          # optional: skipped, no record
    expect(prompt).to_have_text("Email?")
    s.locator("input[name=value]").fill("not an email")
    s.locator("button[type=submit]").click()
    expect(s.locator(".sondage-error")).to_contain_text("write an email address")
    s.locator("input[name=value]").fill("ann@example.com")
    s.locator("button[type=submit]").click()
    expect(prompt).to_have_text("How many?")
    s.locator("input[name=value]").fill("3")
    s.locator("button[type=submit]").click()
    expect(prompt).to_have_text("When?")
    s.locator("input[type=date]").fill("2026-03-14")
    s.locator("button[type=submit]").click()
    expect(prompt).to_have_text("Anything else?")
    s.locator("textarea").fill("all good")
    s.locator("button[type=submit]").click()
    expect(s.locator(".sondage-thanks")).to_be_visible()

    rows = {r["question_id"]: r for r in wait_for_rows(servers.store, 12, survey_id="e2e-types", url=page.url)}
    assert set(rows) == {"nps", "stars", "emoji", "csat", "one", "many", "size", "yn", "mail", "count", "day",
                         "long"}                                     # skipped_by_logic and short: none
    assert rows["nps"]["response_int"] == 9 and rows["stars"]["response_int"] == 4
    assert rows["one"]["response"] == "Other: a podcast"
    assert rows["many"]["response_array"] == ["A", "C"]
    assert rows["size"]["response"] == "L" and rows["yn"]["response"] == "Yes"
    assert rows["count"]["response_int"] == 3
    assert (rows["day"]["response_year"], rows["day"]["response_month"], rows["day"]["response_day"]) == \
        (2026, 3, 14)
    assert rows["long"]["completes_response"] is True
    assert len({r["response_id"] for r in rows.values()}) == 1
