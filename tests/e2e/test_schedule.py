"""Issue 31, item 1: a survey's schedule in the visitor's browser. Before it starts and after
it ends no event shows it and no Python is downloaded (the hint knows the windows); inside
its window it shows; the debug report says why."""

from __future__ import annotations

from playwright.sync_api import expect

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
