"""Issue 18: answers kept in the visitor's browser are delivered, every one exactly once:
offline then online, the collector down then up (a later page view sends them without
Pyodide), two tabs, and a visitor who answers in the first second and leaves."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.conftest import wait_until

from .test_spine import wait_for_rows

WELCOME = "<h1>Welcome</h1>"


def collector_down(target) -> list:
    """Every POST to the collector answers 503 (the collector is down) until unrouted."""
    failed: list = []

    def down(route) -> None:
        failed.append(route.request.url)
        route.fulfill(status=503, body='{"error": "down"}', content_type="application/json",
                      headers={"Access-Control-Allow-Origin": "*"})

    target.route("**/collect", down)
    return failed


def wait_for_storage(page, text: str) -> None:
    page.wait_for_function("(t) => Object.keys(localStorage).some(k => k.includes(t) && "
                           "localStorage.getItem(k).length > 40)", arg=text, timeout=30000)


def test_offline_then_online(host, servers):
    host.open(WELCOME, api_key="e2e-welcome", path="stranded-offline")
    page = host.page
    survey = host.survey()
    expect(survey.locator(".sondage-prompt")).to_have_text("Is this your first visit?", timeout=30000)
    survey.locator("button[data-value='No']").hover()     # the visitor engages: Python starts
    host.wait_for_loader("ready")
    page.context.set_offline(True)
    survey.locator("button[data-value='No']").click()
    expect(survey.locator(".sondage-thanks")).to_be_visible()
    wait_for_storage(page, ":outbox:")
    page.context.set_offline(False)
    rows = wait_for_rows(servers.store, 1, survey_id="e2e-welcome", url=page.url, timeout=60)
    assert len(rows) == 1 and rows[0]["response"] == "No"


def test_collector_down_then_up_a_later_page_view_sends_them_without_pyodide(host, servers):
    context = host.page.context
    failed = collector_down(context)
    host.open(WELCOME, api_key="e2e-welcome", path="stranded-down")
    page = host.page
    survey = host.survey()
    expect(survey.locator(".sondage-prompt")).to_be_visible(timeout=30000)
    survey.locator("button[data-value='Yes']").hover()    # the visitor engages: Python starts
    host.wait_for_loader("ready")
    survey.locator("button[data-value='Yes']").click()
    expect(survey.locator(".sondage-thanks")).to_be_visible()
    wait_for_storage(page, ":outbox:")
    # The answer is stored before it is sent: wait for the runtime's try at the collector.
    wait_until(page, lambda: failed, "the runtime's try at the collector")
    url = page.url
    page.close()
    context.unroute("**/collect")                      # the collector is back
    later = context.new_page()
    requests: list[str] = []
    later.on("request", lambda r: requests.append(r.url))
    later.goto(url)
    later.wait_for_selector('script[data-sondage="idle"]', state="attached", timeout=30000)
    rows = wait_for_rows(servers.store, 1, survey_id="e2e-welcome", url=url, timeout=60)
    assert len(rows) == 1 and rows[0]["response"] == "Yes"
    assert not [u for u in requests if "pyodide" in u or "python-" in u]     # the loader sent it
    expect(later.locator("iframe")).to_have_count(0)


def test_two_tabs_the_open_one_sends_what_the_closed_one_left(host, servers):
    context = host.page.context
    # Tab B, with its runtime running, stays open.
    host.open("<h1>B</h1>", api_key="e2e-spa", path="stranded-tab-b", query="?iterate_debug=1")
    tab_b = host.page
    host.wait_for_loader("ready")
    # Tab A answers while its requests to the collector fail, then is closed.
    tab_a = context.new_page()
    collector_down(tab_a)
    tab_a.goto(host.site_url + "stranded-tab-b.html")
    survey = tab_a.frame_locator("iframe[title=Survey]")
    survey.locator("textarea").fill("from tab A", timeout=30000)
    survey.locator("button[type=submit]").click()
    expect(survey.locator(".sondage-thanks")).to_be_visible()
    wait_for_storage(tab_a, ":outbox:")
    tab_a.close()
    rows = wait_for_rows(servers.store, 1, survey_id="e2e-spa", response="from tab A", timeout=60)
    assert len(rows) == 1
    assert tab_b.url.endswith("stranded-tab-b.html?iterate_debug=1")


def test_an_answer_in_the_first_second_then_leaving(host, servers):
    """The survey is shown ahead from the hint while Python cannot start yet (its zip is
    held back); the visitor answers and leaves. The next page view records the answer and
    counts the survey as shown."""
    context = host.page.context
    held: list = []
    context.route("**/python-*.zip", lambda route: held.append(route))
    host.open(WELCOME, api_key="e2e-welcome", path="stranded-first-second")
    page = host.page
    survey = host.survey()
    survey.locator("button[data-value='No']").click(timeout=30000)
    page.wait_for_function("Object.keys(localStorage).some(k => k.includes(':early:'))")
    url = page.url
    page.close()
    context.unroute("**/python-*.zip")
    for route in held:
        route.abort()
    later = context.new_page()
    later.goto(url)
    rows = wait_for_rows(servers.store, 1, survey_id="e2e-welcome", url=url, timeout=60)
    assert len(rows) == 1 and rows[0]["response"] == "No"
    later.wait_for_selector('script[data-sondage="ready"]', state="attached", timeout=30000)
    later.wait_for_function("!Object.keys(localStorage).some(k => k.includes(':early:'))")
    expect(later.locator("iframe[title=Survey]")).to_be_hidden()       # answered already: not again
