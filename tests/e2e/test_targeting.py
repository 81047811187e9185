"""Targeting in the browser: cooldown, page rules with SPA navigation, delayed, scroll and
exit-intent triggers, preview, sampling and "why not shown"."""

from __future__ import annotations

from playwright.sync_api import expect

from .test_spine import SHOP

SPA = "<h1>Store</h1>" + "<p style='height:3000px'>Long page</p>"


def visible(host):
    return host.page.locator("iframe[title=Survey]")


def test_cooldown_keeps_a_second_survey_away_across_reloads(host):
    host.open(SHOP, api_key="e2e-cool")
    page = host.page
    page.evaluate("Iterate('event', 'first')")
    survey = host.survey()
    expect(survey.locator(".sondage-prompt")).to_have_text("First survey?", timeout=30000)
    survey.locator("[data-action=close]").click()
    expect(visible(host)).to_be_hidden()
    page.evaluate("Iterate('event', 'second'); Iterate('debug')")
    host.wait_for_warning("cool-b [event 'second']: not shown: cooldown: survey 'cool-a' was shown")
    expect(visible(host)).to_be_hidden()
    # After a reload the visitor's hint says nothing can show before the cooldown ends:
    # the event loads no Python at all.
    hint = page.evaluate("JSON.parse(localStorage.getItem('sondage:v1:e2e-cool:hint'))")
    assert hint["not_before"] > page.evaluate("Date.now() / 1000") + 71 * 3600
    page.reload()
    page.wait_for_load_state("load")
    host.wait_for_loader("idle")          # the manifest is read and nothing needs the runtime
    host.requests.clear()
    page.evaluate("Iterate('event', 'second')")     # decided at once, from the visitor's hint
    host.wait_for_loader("idle")
    expect(page.locator("iframe")).to_have_count(0)
    assert not [u for u in host.requests if "pyodide" in u or "frame-" in u]


def test_delayed_survey_is_cancelled_when_the_page_no_longer_matches(host):
    host.open(SPA, api_key="e2e-rules", path="products-page")
    page = host.page
    page.evaluate("history.replaceState({}, '', '/products/coffee')")
    # Wait until the runtime is up, then leave the product pages before the 2 s are over.
    page.wait_for_function("document.querySelector('iframe[title=Survey]') !== null")
    page.wait_for_function("(localStorage.getItem('sondage:v1:e2e-rules:visitor') || '') !== ''", timeout=30000)
    page.evaluate("history.pushState({}, '', '/products/tea')")      # still matching: the wait restarts
    page.evaluate("history.pushState({}, '', '/about')")             # no longer matching: cancelled
    host.debug_round_trip()
    host.wait_for_warning("rules-delay [2 s on a page]: not shown: page rule: path starts with '/products'")
    expect(visible(host)).to_be_hidden()
    page.evaluate("history.pushState({}, '', '/products/mugs')")      # matching again: 2 s, then shown
    expect(host.survey().locator(".sondage-prompt")).to_have_text("Found what you need?", timeout=10000)


def test_scroll_depth_and_exit_intent(host):
    host.open(SPA, api_key="e2e-rules", path="article")
    page = host.page
    page.wait_for_function("(localStorage.getItem('sondage:v1:e2e-rules:visitor') || '') !== ''", timeout=30000)
    page.evaluate("""() => new Promise((done) => {
        addEventListener('scroll', () => done(), {once: true}); window.scrollTo(0, 600); })""")
    host.debug_round_trip()                                            # any scroll message is decided
    expect(visible(host)).to_be_hidden()                               # not 80 % yet
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    survey = host.survey()
    expect(survey.locator(".sondage-prompt")).to_have_text("Was the article useful?", timeout=10000)
    survey.locator("[data-action=close]").click()
    expect(visible(host)).to_be_hidden()
    # The mouse leaves through the top of the window.
    page.evaluate("document.dispatchEvent(new MouseEvent('mouseout', {clientY: -2, bubbles: true}))")
    expect(survey.locator(".sondage-prompt")).to_have_text("Why are you leaving?", timeout=10000)


def test_preview_of_a_manual_survey_shows_at_once_and_unknown_ids_are_reported(host):
    host.open(SHOP, query="?iterate_preview=e2e-manual")
    survey = host.survey()
    expect(survey.locator("[data-preview]")).to_be_visible(timeout=30000)
    expect(survey.locator(".sondage-prompt")).to_have_text("How did you find us?")
    host.open(SHOP, path="preview-unknown", query="?iterate_preview=no-such-survey")
    host.wait_for_warning("iterate_preview='no-such-survey' names no survey of this site", timeout_ms=30000)


def test_debug_parameter_prints_why_each_survey_is_or_is_not_shown(host):
    host.open(SHOP, query="?iterate_debug=1")
    host.page.evaluate("Iterate('event', 'checkout-done')")
    host.wait_for_warning("Sondage debug: event 'checkout-done'", timeout_ms=30000)
    text = "\n".join(host.console)
    assert "Sondage debug: site 'e2e-site'" in text
    assert "e2e-nps [event 'checkout-done']: shows: eligible" in text
    assert "e2e-draft [event 'checkout-done']: not shown: the survey is a draft; only a preview shows it" in text


def test_sampling_is_sticky_per_visitor(host):
    """One visitor gets the same answer on every page view (asked of the runtime itself)."""
    host.open(SHOP, api_key="e2e-sample")
    page = host.page
    verdicts = []
    for view in range(3):
        if view:
            host.console.clear()
            page.reload()
            page.wait_for_load_state("load")
        page.evaluate("Iterate('event', 'go'); Iterate('debug')")
        host.wait_for_warning("sampled [event 'go']", timeout_ms=30000)
        line = next(m for m in host.console if "sampled [event 'go']" in m)
        verdicts.append("shows" if ": shows:" in line else line.split(": not shown: ")[1])
    assert verdicts[0] in ("shows", "sample: this visitor is not in the 50% who see it")
    assert verdicts == [verdicts[0]] * 3


def test_debug_command_starts_the_runtime_to_answer(host):
    host.open(SHOP, api_key="e2e-cool")
    host.page.evaluate("Iterate('debug')")
    host.wait_for_warning("Sondage debug: if each survey's trigger fired now", timeout_ms=30000)
    text = "\n".join(host.console)
    assert "cool-a [event 'first']: shows: eligible" in text


def test_two_open_tabs_share_what_the_visitor_has_seen(host):
    host.open(SHOP)                                    # e2e-site: e2e-nps is shown once
    first = host.page
    second = first.context.new_page()
    second_console: list[str] = []
    second.on("console", lambda m: second_console.append(m.text))
    second.goto(first.url)
    second.wait_for_load_state("load")
    # Both runtimes are up before anything is shown.
    for page in (first, second):
        page.evaluate("Iterate('debug')")
    host.wait_for_warning("Sondage debug: if each survey's trigger fired now", timeout_ms=30000)
    for _ in range(300):
        if any("Sondage debug: if each survey" in m for m in second_console):
            break
        second.wait_for_timeout(100)
    first.click("#buy")
    expect(host.survey().locator(".sondage-prompt")).to_be_visible(timeout=30000)
    # The other tab learns it through the shared storage: the same event shows nothing there.
    second.evaluate("Iterate('event', 'checkout-done'); Iterate('debug')")
    for _ in range(300):
        if any("e2e-nps [event 'checkout-done']: not shown: frequency once" in m for m in second_console):
            break
        second.wait_for_timeout(100)
    assert any("e2e-nps [event 'checkout-done']: not shown: frequency once" in m for m in second_console)
    assert second.locator("iframe[title=Survey]").evaluate("f => f.style.visibility") == "hidden"
