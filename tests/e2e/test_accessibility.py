"""Issue 13: the widget with the keyboard and screen readers. axe-core (from npm, run in the
widget's own document) finds no serious or critical problem at any step of a survey with
every question type, light and dark; arrow keys move in a scale; Escape closes and the
focus goes back where it was."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import ROOT

AXE = (ROOT / "node_modules" / "axe-core" / "axe.min.js").read_text()
PAGE = "<h1>A11y</h1><button id=before>Before</button>"


def widget_frame(host):
    return host.page.locator("iframe[title=Survey]").element_handle().content_frame()


def serious_problems(frame) -> list[str]:
    if not frame.evaluate("typeof axe !== 'undefined'"):
        frame.evaluate(AXE)
    # The settled step, not its entrance animation (a fading card has fading contrast).
    return frame.evaluate("""() => Promise.all(document.getAnimations().map(a => a.finished))
        .then(() => axe.run(document)).then(r => r.violations
        .filter(v => v.impact === 'serious' || v.impact === 'critical')
        .map(v => v.id + ' ' + v.impact + ': ' + v.nodes.map(n => n.target.join(' ')).join(', ')))""")


@pytest.mark.parametrize("survey_id", ["e2e-types", "e2e-types-dark"])
def test_no_serious_accessibility_problem_at_any_step(host, survey_id):
    host.open(PAGE, api_key="e2e-types", install_on_load=False)
    page = host.page
    page.evaluate(f"Iterate('install', '{survey_id}')")
    s = host.survey()
    expect(s.locator(".sondage-prompt")).to_have_text("How likely?", timeout=30000)
    problems: dict[str, list[str]] = {}

    def check(step: str) -> None:
        found = serious_problems(widget_frame(host))
        if found:
            problems[step] = found

    check("nps")
    page.keyboard.press("End")                       # the radio group: 10, then back to 9, Enter
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("Enter")
    expect(s.locator(".sondage-prompt")).to_have_text("Stars?")
    check("stars")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")                     # 2 stars
    expect(s.locator(".sondage-prompt")).to_have_text("Mood?")
    check("emoji")
    s.locator("button[data-value='3']").click()
    check("csat")
    s.locator("button[data-value='4']").click()
    expect(s.locator(".sondage-prompt")).to_have_text("Where from?")
    check("single choice with other")
    s.locator("label", has_text="Friend").click()
    s.locator("button[type=submit]").click()
    check("multiple choice")
    s.locator("button[type=submit]").click()         # none chosen: an error, announced
    expect(s.locator("[role=alert]")).to_have_text("choose at least 2")
    check("error")
    s.locator("label", has_text="A").click()
    s.locator("label", has_text="B").click()
    s.locator("button[type=submit]").click()
    check("dropdown")
    s.locator("select").select_option("S")
    s.locator("button[type=submit]").click()
    check("yes/no")
    s.locator("button[data-value='No']").click()
    check("short text")
    s.locator("[data-action=skip]").click()
    check("email")
    page.keyboard.type("kb@example.com")             # the field has the focus already
    page.keyboard.press("Enter")
    expect(s.locator(".sondage-prompt")).to_have_text("How many?")
    check("number")
    page.keyboard.type("2")
    page.keyboard.press("Enter")
    check("date")
    s.locator("input[type=date]").fill("2026-01-02")
    s.locator("button[type=submit]").click()
    check("long text")
    s.locator("textarea").fill("ok")
    s.locator("button[type=submit]").click()
    expect(s.locator(".sondage-thanks")).to_be_visible()
    check("thanks")
    assert problems == {}


def test_focus_goes_into_the_survey_and_back_where_it_was(host):
    host.open(PAGE, api_key="e2e-types", install_on_load=False)
    page = host.page
    page.focus("#before")
    scroll_before = page.evaluate("scrollY")
    page.evaluate("Iterate('install', 'e2e-types')")
    s = host.survey()
    expect(s.locator(".sondage-prompt")).to_be_visible(timeout=30000)
    page.wait_for_function("document.activeElement && document.activeElement.tagName === 'IFRAME'")
    assert widget_frame(host).evaluate("document.activeElement.getAttribute('role')") == "radio"
    assert page.evaluate("scrollY") == scroll_before
    page.keyboard.press("Escape")
    expect(page.locator("iframe[title=Survey]")).to_be_hidden()
    page.wait_for_function("document.activeElement && document.activeElement.id === 'before'")
