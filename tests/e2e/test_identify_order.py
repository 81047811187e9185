"""Issue 8: a trait-targeted event survey shows whatever order `event` and `identify`
arrive in. Segment's real destination, for calls buffered while it loads, delivers
`Iterate('event', …)` before `Iterate('identify', …)`; the plain snippet lets a page call
them in either order."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import SEGMENT_SNIPPET, route_segment
from .test_spine import wait_for_rows

PROMPT = "What made you choose Pro?"
SITE = "e2e-segment"
BODY = "<h1>Welcome</h1>"
CALLS = {
    "identify-then-track": "analytics.identify('u-123', {plan: '%s'}); analytics.track('Signed Up');",
    "track-then-identify": "analytics.track('Signed Up'); analytics.identify('u-123', {plan: '%s'});",
}
ITERATE_CALLS = {
    "identify-then-event": "Iterate('identify', {plan: '%s', external_id: 'u-123'}); Iterate('event', 'Signed Up');",
    "event-then-identify": "Iterate('event', 'Signed Up'); Iterate('identify', {plan: '%s', external_id: 'u-123'});",
}


def open_segment_page(host, bundle, calls: str, plan: str, query: str = "") -> None:
    """Segment's snippet, and the page's calls made during page load (buffered by Segment)."""
    route_segment(host.page.context, (bundle.out / "loader.js").read_bytes(), SITE)
    host.open(BODY, with_snippet=False, query=query,
              head=SEGMENT_SNIPPET + f"<script>{calls % plan}</script>")


def debug_lines(host) -> list[str]:
    return [m for m in host.console if "Sondage debug: event 'Signed Up'" in m]


def assert_not_shown_after_identify(host) -> None:
    """The debug output is the runtime's decided signal: once the identify has decided
    the event again, nothing more happens for it."""
    host.wait_for_warning("event 'Signed Up' decided again after identify", timeout_ms=30000)
    expect(host.page.locator("iframe[title=Survey]")).to_be_hidden()
    [again] = [m for m in debug_lines(host) if "decided again" in m]
    assert "audience: trait plan equals 'pro' (plan is 'free')" in again


@pytest.mark.parametrize("order", sorted(CALLS))
def test_segment_buffered_calls_show_a_pro_survey(host, servers, bundle, order):
    open_segment_page(host, bundle, CALLS[order], "pro")
    survey = host.survey()
    expect(survey.locator(".sondage-prompt")).to_have_text(PROMPT, timeout=30000)
    survey.locator("textarea").fill(f"seats ({order})")
    survey.locator("button[type=submit]").click()
    [row] = wait_for_rows(servers.store, 1, survey_id="e2e-signup", response=f"seats ({order})")
    assert row["user"] == {"plan": "pro", "external_id": "u-123"}


@pytest.mark.parametrize("order", sorted(CALLS))
def test_segment_delivers_event_first_and_identify_decides_it_again(host, bundle, order):
    """With the debug output on, see the order Segment really delivers in, and the
    second decision: shown for pro, not shown for free."""
    open_segment_page(host, bundle, CALLS[order], "pro", query="?iterate_debug=1")
    expect(host.survey().locator(".sondage-prompt")).to_have_text(PROMPT, timeout=30000)
    host.wait_for_warning("decided again after identify")
    first, again = debug_lines(host)[:2]
    assert "the visitor is not identified yet" in first and "(plan is not set)" in first
    assert "decided again" in again and "e2e-signup [event 'Signed Up']: shows: eligible" in again


@pytest.mark.parametrize("order", sorted(CALLS))
def test_segment_buffered_calls_do_not_show_it_to_free(host, bundle, order):
    open_segment_page(host, bundle, CALLS[order], "free", query="?iterate_debug=1")
    assert_not_shown_after_identify(host)


@pytest.mark.parametrize("order", sorted(ITERATE_CALLS))
def test_snippet_without_install_on_load_shows_it_to_pro(host, order):
    host.open(BODY + f"<script>{ITERATE_CALLS[order] % 'pro'}</script>", api_key=SITE,
              install_on_load=False)
    expect(host.survey().locator(".sondage-prompt")).to_have_text(PROMPT, timeout=30000)


@pytest.mark.parametrize("order", sorted(ITERATE_CALLS))
def test_snippet_without_install_on_load_not_for_free(host, order):
    host.open(BODY + f"<script>{ITERATE_CALLS[order] % 'free'}</script>", api_key=SITE,
              install_on_load=False, query="?iterate_debug=1")
    if order == "event-then-identify":
        assert_not_shown_after_identify(host)
    else:   # identified first: the event is decided once, with the traits
        host.wait_for_warning("Sondage debug: event 'Signed Up'", timeout_ms=30000)
        expect(host.page.locator("iframe[title=Survey]")).to_be_hidden()
        assert "(plan is 'free')" in debug_lines(host)[0]


def test_after_ready_an_identify_within_the_window_still_decides(host):
    """The runtime is already up (a debug page view starts it); the page then calls
    event and identify a moment apart, as Segment's plugins deliver after load."""
    host.open(BODY, api_key=SITE, install_on_load=False, query="?iterate_debug=1")
    host.wait_for_warning("Sondage debug: site 'e2e-segment'", timeout_ms=30000)
    host.page.evaluate("Iterate('event', 'Signed Up')")
    host.wait_for_warning("the visitor is not identified yet")
    expect(host.page.locator("iframe[title=Survey]")).to_be_hidden()
    host.page.evaluate("Iterate('identify', {plan: 'pro', external_id: 'late'})")
    expect(host.survey().locator(".sondage-prompt")).to_have_text(PROMPT, timeout=10000)
