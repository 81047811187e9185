"""Issue 15: an event that surely shows a survey shows its first question at once, on a page
whose runtime has not started, while Python is still starting; the runtime confirms it,
and an answer given before it is up is kept, once."""

from __future__ import annotations

from playwright.sync_api import expect

from .test_spine import wait_for_rows

PROMPT = "How likely are you to recommend the e2e shop?"


def hold_python(context) -> list:
    """Pyodide's wasm is held back until released: Python cannot be up meanwhile."""
    held: list = []
    context.route("**/pyodide.asm.wasm", lambda route: held.append(route))
    return held


def release(page, held: list) -> None:
    """Wait for the wasm request (the worker makes it a moment after it starts), then let it go."""
    for _ in range(600):
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "Python's wasm was never requested"
    context = page.context
    for route in held:
        route.continue_()
    context.unroute("**/pyodide.asm.wasm")


def test_an_event_shows_its_survey_before_python_is_up_and_the_answer_is_kept(host, servers):
    context = host.page.context
    held = hold_python(context)
    host.open("<h1>Shop</h1>", path="event-ahead")
    page = host.page
    host.wait_for_loader("idle")                    # a page view here needs no Python
    page.evaluate("Iterate('event', 'checkout-done')")
    survey = host.survey()
    expect(survey.locator(".sondage-prompt")).to_have_text(PROMPT, timeout=10000)
    assert page.get_attribute('script[data-sondage]', "data-sondage") == "starting"
    survey.locator("button[data-value='8']").click()              # before Python is up
    # It shows as picked at once; a second pick is not taken (the runtime takes the first).
    expect(survey.locator("button[data-value='8']")).to_have_attribute("aria-checked", "true")
    survey.locator("button[data-value='9']").click()
    expect(survey.locator("button[data-value='9']")).to_have_attribute("aria-checked", "false")
    page.screenshot(path=str(host.folder / "event-ahead-picked.png"))
    release(page, held)
    host.wait_for_loader("ready")
    [row] = wait_for_rows(servers.store, 1, survey_id="e2e-nps", url=page.url, timeout=30)
    assert row["response"] == 8 and row["question"] == PROMPT


def test_a_survey_shown_ahead_for_an_event_is_removed_if_the_runtime_disagrees(host, servers):
    """The visitor's own hint is stale (another tab saw the once-survey): the runtime,
    once up, removes what was shown ahead and records nothing."""
    context = host.page.context
    host.open("<h1>Shop</h1>", path="event-ahead-stale")
    page = host.page
    host.wait_for_loader("idle")
    # Another tab showed it meanwhile: the shared history says so, the hint does not.
    page.evaluate("""() => {
      const key = Object.keys(localStorage).find(k => k.endsWith(':history')) || 'sondage:v1:e2e-site:history';
      localStorage.setItem(key, JSON.stringify({version: 1, shown: {'e2e-nps': Date.now() / 1000}}));
    }""")
    held = hold_python(context)
    page.evaluate("Iterate('event', 'checkout-done')")
    survey = host.survey()
    expect(survey.locator(".sondage-prompt")).to_have_text(PROMPT, timeout=10000)
    release(page, held)
    host.wait_for_loader("ready")
    expect(page.locator("iframe[title=Survey]")).to_be_hidden(timeout=30000)
    assert not [r for r in servers.store.list(limit=10000) if r["url"] == page.url]


def test_a_hung_ahead_file_never_holds_the_runtime_back(host, servers):
    """The ahead file never answers: the survey is shown by the runtime once it is up."""
    hung: list = []
    host.page.context.route("**/ahead/*.json", lambda route: hung.append(route))
    host.open("<h1>Shop</h1>", path="event-ahead-hung")
    page = host.page
    host.wait_for_loader("idle")
    page.evaluate("Iterate('event', 'checkout-done')")
    survey = host.survey()
    expect(survey.locator(".sondage-prompt")).to_have_text(PROMPT, timeout=30000)
    assert hung, "the ahead file was not asked for"
    survey.locator("button[data-value='6']").click()
    [row] = wait_for_rows(servers.store, 1, survey_id="e2e-nps", url=page.url, timeout=30)
    assert row["response"] == 6


def test_the_frame_is_prepared_at_idle_and_the_event_shows_its_survey_in_it(host):
    """Issue 28: a site with an event survey shown ahead. Once the page is idle the loader
    prepares the survey frame (its page, script and stylesheet, and the ahead file; nothing of
    Python); the event then shows the survey in that frame, with nothing more fetched first."""
    host.open("<h1>Shop</h1>", path="event-prepared")
    page = host.page
    host.wait_for_loader("idle")
    prepared = host.prepared_frame()
    assert not [f for f in prepared if f.startswith(("worker", "python", "pyodide"))], prepared
    expect(page.locator("iframe[title=Survey]")).to_be_hidden()
    page.evaluate("window.__prepared = document.querySelector('iframe[title=Survey]')")
    host.requests.clear()
    page.evaluate("Iterate('event', 'checkout-done')")
    expect(host.survey().locator(".sondage-prompt")).to_have_text(PROMPT, timeout=10000)
    assert page.evaluate("""() => document.querySelectorAll('iframe').length === 1 &&
                                  document.querySelector('iframe[title=Survey]') === window.__prepared""")
    assert not [u for u in host.requests if "/frame-" in u or "/ahead/" in u or "/widget-" in u], host.requests


def test_a_site_without_an_event_survey_shown_ahead_prepares_nothing(host):
    """A site whose surveys no event shows ahead (here: manual ones only): a page view costs the
    loader and the manifest, no frame, even once the page has been idle."""
    host.open("<h1>Types</h1>", api_key="e2e-types", path="nothing-prepared")
    page = host.page
    host.wait_for_loader("idle")
    # The loader's idle work (registered before "idle") has run once the page's next idle
    # callbacks have.
    page.evaluate("() => new Promise((done) => requestIdleCallback(() => requestIdleCallback(done)))")
    fetched = sorted(u[len(host.runtime_url):] for u in host.requests if u.startswith(host.runtime_url))
    assert fetched == ["loader.js", "manifests/e2e-types.json"], fetched
    expect(page.locator("iframe")).to_have_count(0)
