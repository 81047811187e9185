"""Iterate's embed protocol end to end: every command, single-page apps, the real Segment code."""

from __future__ import annotations

from playwright.sync_api import expect

from .conftest import SEGMENT_SNIPPET, route_segment
from .test_spine import SHOP, wait_for_rows


def test_real_segment_destination_drives_surveys(host, servers, bundle):
    seen = route_segment(host.page.context, (bundle.out / "loader.js").read_bytes(), "e2e-site")
    host.open(SHOP, with_snippet=False, head=SEGMENT_SNIPPET)
    page = host.page
    # The destination waits until window.Iterate has no own `loaded`: then it is loaded.
    page.wait_for_function("""() => window.analytics && window.analytics.initialized &&
        window.analytics.queue.plugins.some(p => p.name === 'Iterate Web (Actions)' && p.isLoaded())""",
                           timeout=30000)
    assert "https://platform.iteratehq.com/loader.js" in seen
    assert not page.evaluate("Object.prototype.hasOwnProperty.call(window.Iterate, 'loaded')")
    page.evaluate("analytics.identify('seg-user-1', {plan: 'pro', seats: 3})")
    page.evaluate("analytics.track('checkout-done', {total: 12})")
    survey = host.survey()
    expect(survey.locator(".sondage-prompt")).to_have_text(
        "How likely are you to recommend the e2e shop?", timeout=30000)
    survey.locator("button[data-value='6']").click()
    [row] = wait_for_rows(servers.store, 1, survey_id="e2e-nps", response=6, url=page.url)
    assert row["user"] == {"plan": "pro", "seats": 3, "external_id": "seg-user-1"}


def test_own_segment_plugin_without_the_iterate_destination(host, servers, bundle):
    from sondage.snippet import segment_plugin_snippet
    seen = route_segment(host.page.context, b"", None)     # Segment without the Iterate destination
    host.open(SHOP, api_key="e2e-spa", head=SEGMENT_SNIPPET + segment_plugin_snippet())
    page = host.page
    survey = host.survey()
    expect(survey.locator(".sondage-prompt")).to_have_text("What brought you to this page?", timeout=30000)
    page.wait_for_function("""() => window.analytics && window.analytics.initialized &&
        window.analytics.queue.plugins.some(p => p.name === 'Sondage' && p.isLoaded())""", timeout=30000)
    assert not [u for u in seen if "iteratehq" in u or "next-integrations" in u]
    page.evaluate("analytics.identify('plug-7', {plan: 'team'})")
    survey.locator("textarea").fill("a friend")
    survey.locator("button[type=submit]").click()
    expect(survey.locator(".sondage-thanks")).to_be_visible()
    [row] = wait_for_rows(servers.store, 1, survey_id="e2e-spa", response="a friend")
    assert row["user"] == {"plan": "team", "external_id": "plug-7"}
    survey.locator("[data-action=close]").click()
    expect(page.locator("iframe[title=Survey]")).to_be_hidden()
    # A page call is a page change: the page-view survey (frequency: always) shows again.
    page.evaluate("analytics.page()")
    expect(page.locator("iframe[title=Survey]")).to_be_visible(timeout=10000)


CALLBACKS = """<script>
  window.calls = [];
  Iterate('onLoad', (...a) => calls.push(['onLoad', a]));
  Iterate('onResponse', (...a) => calls.push(['onResponse', a]));
  Iterate('onClose', (...a) => calls.push(['onClose', a]));
  Iterate('onEvent', (...a) => calls.push(['onEvent', a]));
</script>"""


def test_callbacks_get_iterates_shapes(host):
    host.open(SHOP + CALLBACKS)
    page = host.page
    page.click("#buy")
    survey = host.survey()
    survey.locator("button[data-value='8']").click(timeout=30000)
    expect(survey.locator(".sondage-thanks")).to_be_visible()
    survey.locator("[data-action=close]").click()
    page.wait_for_function("calls.some(c => c[0] === 'onClose')")
    calls = page.evaluate("calls")
    info = {"id": "e2e-nps", "title": "E2E NPS"}
    question = {"id": "score", "prompt": "How likely are you to recommend the e2e shop?"}
    assert ["onLoad", [info]] in calls
    assert ["onEvent", ["displayed", {"source": "survey", "survey": info}]] in calls
    assert ["onResponse", [{"value": 8}, question, info]] in calls
    assert ["onEvent", ["response", {"response": {"value": 8}, "question": question, "survey": info}]] in calls
    assert ["onEvent", ["survey-complete", {"survey": info}]] in calls
    assert ["onClose", [info]] in calls
    dismiss = next(c[1] for c in calls if c[0] == "onEvent" and c[1][0] == "dismiss")
    assert dismiss[1]["source"] == "survey" and dismiss[1]["progress"] == {"completed": 1, "total": 1}
    order = [c[0] if c[0] != "onEvent" else c[1][0] for c in calls]
    assert order.index("onLoad") < order.index("onResponse") < order.index("survey-complete") < order.index("onClose")


def test_uninstall_removes_the_widget_and_install_brings_it_back(host):
    host.open("<h1>SPA</h1>", api_key="e2e-spa")
    page = host.page
    survey = host.survey()
    expect(survey.locator(".sondage-prompt")).to_be_visible(timeout=30000)
    page.wait_for_function("(localStorage.getItem('sondage:v1:e2e-spa:history') || '').includes('e2e-spa')")
    page.evaluate("Iterate('uninstall')")
    expect(page.locator("iframe[title=Survey]")).to_be_hidden()
    # Listeners are gone: navigating shows nothing, and history.pushState is the page's own again.
    assert page.evaluate("history.pushState.toString().includes('[native code]')")
    page.evaluate("history.pushState({}, '', '/after-uninstall')")
    host.debug_round_trip()                # a page message, had one been sent, is decided by now
    expect(page.locator("iframe[title=Survey]")).to_be_hidden()
    page.evaluate("Iterate('install')")
    expect(page.locator("iframe[title=Survey]")).to_be_visible(timeout=10000)


def test_single_page_app_navigation_counts_as_a_new_page(host, servers):
    host.open("<h1>SPA</h1>", api_key="e2e-spa")
    page = host.page
    frame = page.locator("iframe[title=Survey]")
    survey = host.survey()

    def shown_again_after(js: str, how: str, url_part: str) -> None:
        survey.locator("[data-action=close]").click()
        expect(frame).to_be_hidden()
        page.evaluate(js)
        expect(frame).to_be_visible(timeout=10000)
        survey.locator("textarea").fill(f"via {how}")
        survey.locator("button[type=submit]").click()
        [row] = wait_for_rows(servers.store, 1, survey_id="e2e-spa", response=f"via {how}")
        assert row["url"].endswith(url_part)

    expect(survey.locator(".sondage-prompt")).to_be_visible(timeout=30000)
    page.wait_for_function("(localStorage.getItem('sondage:v1:e2e-spa:history') || '').includes('e2e-spa')")
    shown_again_after("history.pushState({}, '', '/spa-push')", "pushState", "/spa-push")
    shown_again_after("history.replaceState({}, '', '/spa-replace')", "replaceState", "/spa-replace")
    shown_again_after("location.hash = 'spa-hash'", "hashchange", "/spa-replace#spa-hash")
    shown_again_after("history.back()", "popstate", "/spa-replace")


def test_install_with_a_survey_id_and_url(host, servers):
    host.open(SHOP)
    page = host.page
    page.evaluate("Iterate('url', 'https://shop.example/virtual-page'); Iterate('install', 'e2e-manual')")
    survey = host.survey()
    expect(survey.locator(".sondage-prompt")).to_have_text("How did you find us?", timeout=30000)
    survey.locator("textarea").fill("by url")
    survey.locator("button[type=submit]").click()
    [row] = wait_for_rows(servers.store, 1, survey_id="e2e-manual", response="by url")
    assert row["url"] == "https://shop.example/virtual-page"


def test_identify_types_traits_like_iterate(host, servers):
    host.open(SHOP + """<script>
        Iterate('identify', {external_id: 77, joined: new Date(Date.UTC(2024, 0, 2)), vip: true, score: 4.5,
                             nested: {no: 1}, tags: ['x']}, {campaign: 'spring'});
        Iterate('event', 'checkout-done');
    </script>""")
    survey = host.survey()
    survey.locator("button[data-value='2']").click(timeout=30000)
    [row] = wait_for_rows(servers.store, 1, survey_id="e2e-nps", response=2, url=host.page.url)
    host.wait_for_warning("trait 'tags'")
    assert row["user"] == {"external_id": "77", "joined": {"type": "date", "value": 1704153600},
                           "vip": True, "score": 4.5}
    assert row["response_properties"] == {"campaign": "spring"}
    text = "\n".join(host.warnings())
    assert "trait 'nested'" in text and "trait 'tags'" in text


def test_unknown_commands_warn_at_once_even_with_no_runtime(host):
    host.open(SHOP)
    page = host.page
    page.evaluate("Iterate('explode', 1); Iterate('explode', 2); Iterate('onLoad', 'not a function');"
                  "Iterate('event'); Iterate('install', 42)")
    host.wait_for_warning("Iterate('install', surveyId) needs a survey id")
    warnings = host.warnings()
    assert any("Iterate('event', name) needs the event name" in w for w in warnings)
    assert any("Iterate('install', surveyId) needs a survey id" in w for w in warnings)
    assert sum("unknown command Iterate('explode')" in w for w in warnings) == 1
    assert any("Iterate('onLoad', callback) needs a function" in w for w in warnings)
    # None of these reached a runtime: the frame is only prepared (for the site's event survey).
    assert not [f for f in host.prepared_frame() if f.startswith(("worker", "python", "pyodide"))]
    expect(page.locator("iframe[title=Survey]")).to_be_hidden()
    host.wait_for_loader("idle")
