"""Issue 31, items 1 and 2: surveys that end themselves, in the visitor's browser. Before a
survey starts and after it ends no event shows it and no Python is downloaded (the hint knows
the windows); inside its window it shows. A survey with a response limit stops being shown
to new visitors once the collector has counted enough answers. The debug report says why."""

from __future__ import annotations

import json
import urllib.request

from playwright.sync_api import expect

from tests.conftest import host_in, wait_until

from .test_spine import wait_for_rows

SHOP = "<h1>Shop</h1>"


def test_outside_its_window_a_survey_costs_no_python_and_inside_it_shows(host):
    host.open(SHOP, api_key="e2e-when")
    page = host.page
    host.wait_for_loader("idle")                    # the manifest is read; nothing needs the runtime
    host.requests.clear()
    page.evaluate("Iterate('event', 'not-yet'); Iterate('event', 'too-late')")
    host.wait_for_loader("idle")                    # decided by the loader from the hint's windows
    expect(page.locator("iframe")).to_have_count(0)
    assert not [u for u in host.requests if "pyodide" in u or "frame-" in u or "python-" in u]
    page.evaluate("Iterate('event', 'open-now')")
    expect(host.survey().locator(".sondage-prompt")).to_have_text("Open now?", timeout=30000)


def test_with_iterate_debug_the_console_says_when_a_survey_starts_and_that_one_ended(host):
    host.open(SHOP, api_key="e2e-when", query="?iterate_debug=1")
    page = host.page
    page.evaluate("Iterate('event', 'not-yet'); Iterate('event', 'too-late')")
    host.wait_for_warning("not-yet [event 'not-yet']: not shown: schedule: starts 2099-01-01 00:00 UTC (in ",
                          timeout_ms=30000)
    host.wait_for_warning("too-late [event 'too-late']: not shown: schedule: ended 2020-01-01 00:00 UTC")
    host.debug_round_trip()        # the whole report: the open one would show
    host.wait_for_warning("open-now [event 'open-now']: shows: eligible")
    expect(page.locator("iframe[title=Survey]")).to_be_hidden()


def test_the_link_to_an_ended_survey_says_it_has_closed(host, servers):
    """A survey's link in an email sent before the survey ended: the visitor who clicks it
    reads that it has closed (with a close button that works), not a blank page."""
    page = host.page
    page.goto(f"{servers.runtime_url}s/e2e-when/too-late/?answer=Yes")
    survey = page.frame_locator("iframe[title=Survey]")
    notice = survey.locator(".sondage-thanks[data-closed=closed]")
    expect(notice).to_have_text("This survey has closed. Thank you for your interest.", timeout=30000)
    expect(survey.locator("[data-action=answer]")).to_have_count(0)
    page.screenshot(path=str(host.folder / "closed-survey-link.png"))
    page.keyboard.press("Escape")                   # the notice takes the focus; Escape closes it
    expect(page.locator("iframe[title=Survey]")).to_be_hidden()


def _status(servers, site):
    with urllib.request.urlopen(f"{servers.runtime_url}status/{site}.json") as r:
        return json.loads(r.read())


def test_two_visitors_race_past_a_limit_of_one_and_the_next_visitor_is_not_asked(browser, servers, pages, request):
    """Issue 31, item 2: both visitors already in the survey finish it (2 stored for a limit
    of 1); once the collector counts it, a new visitor is not shown it, and the debug report
    says why. No rebuild, no redeploy."""
    folder, site_url = pages
    hosts = [host_in(browser, site_url, servers.runtime_url, folder, f"{request.node.name}-{i}") for i in range(3)]
    first, second, third = (next(h) for h in hosts)
    try:
        for h in (first, second):
            h.open(SHOP, api_key="e2e-limit", path="limit-page")
            h.page.evaluate("Iterate('event', 'rate')")
            expect(h.survey().locator(".sondage-prompt")).to_have_text("Was this page useful?", timeout=30000)
        for h in (first, second):     # both were shown it before either answered
            h.survey().locator("button[data-value=Yes]").click()
        rows = wait_for_rows(servers.store, 2, timeout=30, survey_id="enough")
        assert len(rows) == 2
        wait_until(None, lambda: _status(servers, "e2e-limit")["closed"] == ["enough"],
                   "the collector counts the limit as reached", timeout_ms=30000)
        third.open(SHOP, api_key="e2e-limit", path="limit-page", query="?iterate_debug=1")
        third.page.evaluate("Iterate('event', 'rate')")
        third.wait_for_warning("enough [event 'rate']: not shown: limit: the collector has 1 responses; "
                               "no new visitor sees it", timeout_ms=30000)
        third.debug_round_trip()
        expect(third.page.locator("iframe[title=Survey]")).to_be_hidden()
        # The survey's link, from an email sent before the limit was reached: it says it has closed.
        third.page.goto(f"{servers.runtime_url}s/e2e-limit/enough/?answer=Yes")
        expect(third.page.frame_locator("iframe[title=Survey]").locator(".sondage-thanks[data-closed=closed]")) \
            .to_have_text("This survey has closed. Thank you for your interest.", timeout=30000)
        assert len([r for r in servers.store.list(limit=10000) if r["survey_id"] == "enough"]) == 2
    finally:
        for h in hosts:
            next(h, None)
