"""Issue 13: the widget with the keyboard and screen readers. axe-core (from npm, run in the
widget's own document) finds no serious or critical problem at any step of a survey with
every question type, light and dark; arrow keys move in a scale; Escape closes and the
focus goes back where it was.

Issue 25, item 4: a survey that appears on its own (seconds, an event) leaves the focus
where the visitor has it, is said in the host page's live region and is reached with Tab;
one the visitor opened with a click takes the focus and gives it back."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from .conftest import ROOT
from .test_spine import wait_for_rows

AXE = (ROOT / "node_modules" / "axe-core" / "axe.min.js").read_text()
PAGE = "<h1>A11y</h1><button id=before>Before</button>"


def widget_frame(host):
    return host.page.locator("iframe[title=Survey]").element_handle().content_frame()


def focused_id(page) -> str:
    return page.evaluate("document.activeElement ? document.activeElement.id || document.activeElement.tagName : ''")


def wait_for_focus(page, where: str) -> None:
    """Waits until the host page's focus is on `where` (an id, or IFRAME): Tab into a
    cross-origin frame settles in a second process, so the host sees it a moment later."""
    page.wait_for_function(
        "w => document.activeElement && (document.activeElement.id || document.activeElement.tagName) === w",
        arg=where, timeout=10000)


def serious_problems(frame, within: str | None = None) -> list[str]:
    """axe-core's serious and critical findings in ``frame``'s document, or only in what the
    selector ``within`` picks there (on a test's host page: what Sondage adds to it)."""
    if not frame.evaluate("typeof axe !== 'undefined'"):
        frame.evaluate(AXE)
    # The settled step, not its entrance animation (a fading card has fading contrast).
    return frame.evaluate("""(within) => Promise.all(document.getAnimations().map(a => a.finished))
        .then(() => axe.run(within || document, {iframes: !within})).then(r => r.violations
        .filter(v => v.impact === 'serious' || v.impact === 'critical')
        .map(v => v.id + ' ' + v.impact + ': ' + v.nodes.map(n => n.target.join(' ')).join(', ')))""", within)


@pytest.mark.parametrize("survey_id", ["e2e-types", "e2e-types-dark"])
def test_no_serious_accessibility_problem_at_any_step(host, survey_id):
    host.open(PAGE, api_key="e2e-types", install_on_load=False)
    page = host.page
    page.evaluate(f"Iterate('install', '{survey_id}')")
    s = host.survey()
    expect(s.locator(".sondage-prompt")).to_have_text("How likely?", timeout=30000)
    # Opened with the visitor's gesture (evaluate is one): the keys go to the survey once the host gave it the focus.
    wait_for_focus(page, "IFRAME")
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
    wait_for_focus(page, "IFRAME")
    assert widget_frame(host).evaluate("document.activeElement.getAttribute('role')") == "radio"
    assert page.evaluate("scrollY") == scroll_before
    page.keyboard.press("Escape")
    expect(page.locator("iframe[title=Survey]")).to_be_hidden()
    wait_for_focus(page, "before")


SEARCH = "<h1>Shop</h1><label>Search <input id=search></label> <button id=go>Go</button>"
FOUND = "Did you find what you were looking for?"


def test_typing_goes_on_into_the_search_box_while_a_seconds_survey_appears(host, servers):
    host.open(SEARCH, api_key="e2e-focus", path="seconds-typing")
    page = host.page
    frame = page.locator("iframe[title=Survey]")
    page.focus("#search")
    # The visitor types one key at a time, on and on, while the survey appears (after 1 s),
    # and a few keys more once it is on screen.
    typed, words, deadline = "", "red shoes size 42 ", time.monotonic() + 40
    while not frame.is_visible():
        assert time.monotonic() < deadline, "the seconds survey never appeared"
        key = words[len(typed) % len(words)]
        page.keyboard.type(key)
        typed += key
    page.keyboard.type("in stock")
    typed += "in stock"
    expect(page.locator("#search")).to_have_value(typed)
    assert focused_id(page) == "search"
    # A screen reader hears it without the focus moving: the host page's polite live region.
    expect(page.get_by_role("status")).to_have_text(FOUND)
    assert page.get_by_role("status").get_attribute("lang") == "en"
    assert serious_problems(page.main_frame, "[role=status]") == []   # what Sondage adds to the host page
    # Reached with Tab (the frame comes after the page's own controls), on its question first.
    page.keyboard.press("Tab")
    wait_for_focus(page, "go")
    page.keyboard.press("Tab")
    wait_for_focus(page, "IFRAME")
    survey = host.survey()
    expect(survey.locator(":focus")).to_have_attribute("role", "radio")
    assert serious_problems(widget_frame(host)) == []
    # Answered with the keyboard alone: the scale's last point, then back one, Enter.
    page.keyboard.press("End")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("Enter")
    expect(survey.locator(".sondage-thanks")).to_be_visible()
    [row] = wait_for_rows(servers.store, 1, survey_id="e2e-focus-seconds", url=page.url)
    assert row["response"] == 9
    # Escape gives the focus back where it was before it went into the survey.
    page.keyboard.press("Escape")
    expect(frame).to_be_hidden()
    wait_for_focus(page, "go")
    expect(page.get_by_role("status")).to_have_text("")
    expect(page.locator("#search")).to_have_value(typed)


def test_a_button_that_fires_an_event_keeps_the_focus(host):
    host.open("<h1>Cart</h1><button id=buy onclick=\"Iterate('event', 'focus-bought')\">Buy</button>",
              api_key="e2e-focus", path="event-button", install_on_load=False)
    page = host.page
    frame = page.locator("iframe[title=Survey]")
    survey = host.survey()
    # Twice: shown ahead while the runtime starts, then decided by the running runtime.
    for showing in ("ahead", "decided"):
        page.click("#buy")
        expect(frame).to_be_visible(timeout=30000)
        expect(survey.locator(".sondage-prompt")).to_have_text("Was checkout easy?")
        assert focused_id(page) == "buy", showing   # (the loader shows the frame and moves any focus at once)
        expect(page.get_by_role("status")).to_have_text("Was checkout easy?")
        page.keyboard.press("Enter")               # the button still has the keys: the event fires again
        host.wait_for_loader("ready")
        host.debug_round_trip()                    # (no second survey while one is on screen)
        assert focused_id(page) == "buy", showing
        # Closed with the mouse: the click put the focus in the survey; it goes back to the button.
        survey.locator("[data-action=close]").click()
        expect(frame).to_be_hidden()
        wait_for_focus(page, "buy")


def test_install_from_a_click_takes_the_focus_and_escape_gives_it_back(host):
    host.open("<h1>Help</h1><button id=open onclick=\"Iterate('install', 'e2e-focus-manual')\">Feedback</button>",
              api_key="e2e-focus", path="install-click", install_on_load=False)
    page = host.page
    page.click("#open")
    survey = host.survey()
    expect(survey.locator(".sondage-prompt")).to_have_text("How likely are you to recommend us?", timeout=30000)
    wait_for_focus(page, "IFRAME")
    expect(survey.locator(":focus")).to_have_attribute("data-value", "0")
    assert serious_problems(widget_frame(host)) == []
    page.keyboard.press("Escape")
    expect(page.locator("iframe[title=Survey]")).to_be_hidden()
    wait_for_focus(page, "open")
