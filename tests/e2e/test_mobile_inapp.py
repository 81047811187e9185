"""Surveys inside the vendors' in-app messages in mobile apps (issue 29), in Chromium with an
Android and an iPhone viewport and touch (Playwright's device descriptors), the message's
page loaded as each SDK loads it, and the native side played by stand-ins that implement
its documented interface and record every call (tests/e2e/native_bridges.py)."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

from build.survey_files import read_site_settings
from runtime import protocol
from runtime.survey_format import load_survey
from sondage.survey_pages import embed_html
from tests.conftest import wait_until

from .native_bridges import (
    BRAZE_BASE_URL,
    BRAZE_BRIDGE,
    BRAZE_INTERNAL,
    CLEVERTAP_ANDROID,
    CLEVERTAP_IOS,
    native_calls,
    native_state,
)
from .test_dashboard import _views
from .test_spine import wait_for_rows

HERE = Path(__file__).resolve().parent
SITE, SURVEY = "e2e-mobile", "e2e-mobile-nps"
PROMPT = "How likely are you to recommend the app?"
PHONES = {"android": "Pixel 7", "iphone": "iPhone 13"}
SHOTS = os.environ.get("SONDAGE_SCREENSHOTS", "")     # a folder to keep the screenshots in, to look at


def the_survey():
    return load_survey(yaml.safe_load((HERE / "surveys" / "e2e-mobile.yaml").read_text()))


@dataclass
class Message:
    """One in-app message on a phone: its page, what its console said."""
    page: Page
    console: list[str] = field(default_factory=list)

    def warnings(self) -> list[str]:
        return [m for m in self.console if m.startswith("warning:")]


@pytest.fixture
def phone(browser, playwright, request) -> Iterator:
    """A browser context emulating a phone: ``phone("android")`` or ``phone("iphone")``."""
    contexts = []

    def make(kind: str):
        device = {k: v for k, v in playwright.devices[PHONES[kind]].items() if k != "default_browser_type"}
        context = browser.new_context(**device)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


def watch(page: Page) -> Message:
    message = Message(page)
    page.on("console", lambda m: message.console.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: message.console.append(f"pageerror: {e}"))
    return message


def open_clevertap(context, html: str, platform: str | None) -> Message:
    """As CleverTap's SDKs load custom HTML: into a WebView with no base URL (about:blank, an
    opaque origin), the bridge of the platform there (None: no bridge at all)."""
    page = context.new_page()
    message = watch(page)
    # The bridge is there before the message's HTML is (the window stays as set_content writes
    # the document; a navigation first would leave the test's loopback runtime unreachable).
    if platform == "android":
        page.evaluate(CLEVERTAP_ANDROID)
    elif platform == "iphone":
        page.evaluate(CLEVERTAP_IOS)

        # CTInAppHTMLViewController: any navigation, in any frame, to a URL other than about:blank
        # hides the message (and opens the URL).
        def navigation(route) -> None:
            if route.request.is_navigation_request() and route.request.url != "about:blank":
                page.evaluate("(url) => { window.__native.navigations.push(url); window.__native.closed = true; }",
                              route.request.url)
                route.abort()
            else:
                route.continue_()
        page.route("**/*", navigation)
    page.set_content(html)
    assert page.evaluate("window.origin") == "null"          # opaque, as in the apps
    return message


CDN = "https://cdn.sondage.test/"


def serve_runtime_at_cdn(context, runtime_url: str) -> None:
    """The bundle and the collector at a public https URL, as in production: the message's
    https page may not reach the test's loopback server itself (Chromium's local network
    access), so its requests, the worker's included, are passed on to it."""
    def proxy(route) -> None:
        try:
            route.fulfill(response=route.fetch(url=route.request.url.replace(CDN, runtime_url)))
        except PlaywrightError:
            pass      # the page was closed meanwhile (the app closed the message)
    context.route(f"{CDN}**", proxy)


def open_braze(context, html: str) -> Message:
    """As Braze's Android and Swift SDKs load an HTML in-app message: base URL
    https://iamcache.braze/, with Liquid filled in when sent; brazeBridge injected after the
    page's load event, then ab.BridgeReady."""
    page = context.new_page()
    message = watch(page)
    page.add_init_script(BRAZE_INTERNAL)
    sent = html.replace("{{${user_id}}}", "user-42")          # Braze fills its Liquid when it sends
    page.route(BRAZE_BASE_URL, lambda route: route.fulfill(status=200, body=sent, content_type="text/html"))
    page.goto(BRAZE_BASE_URL)
    page.wait_for_load_state("load")
    page.add_script_tag(content=BRAZE_BRIDGE)
    return message


def stored(servers, **match) -> list[dict]:
    return [r for r in servers.store.list(limit=10000)
            if r.get("survey_id") == SURVEY and all(r.get(k) == v for k, v in match.items())]


def answer(page: Page, score: str, choices: list[str]) -> None:
    page.locator(f"button[data-value='{score}']").tap(timeout=30000)
    for choice in choices:
        page.locator("label", has_text=choice).tap()
    page.locator("button[type=submit]").tap()


TOUCH_ROUNDING = 0.01


def assert_fits_the_phone(page: Page, folder: Path, name: str) -> None:
    """The message's first step fits the screen (no sideways scroll) and every control is a
    44 px touch target; a screenshot for a person to look at."""
    width = page.viewport_size["width"]
    # Measured once the card's entrance has finished, as a person sees it at rest.
    page.wait_for_function("document.getAnimations().every(a => a.playState !== 'running')")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    card = page.locator(".sondage-card").bounding_box()
    assert card and card["x"] >= 0 and card["x"] + card["width"] <= width
    for control in page.locator(".sondage-option, .sondage-close").all():
        box = control.bounding_box()
        # 44 CSS px, give or take the layout's rounding at a phone's fractional scale (a
        # 44 px min-height has measured 43.99997).
        assert box and box["height"] >= 44 - TOUCH_ROUNDING and box["width"] >= 44 - TOUCH_ROUNDING, box
    page.screenshot(path=str(folder / f"{name}.png"))
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"))


@pytest.mark.parametrize("platform", ["android", "iphone"])
def test_a_survey_in_a_clevertap_in_app_message(phone, servers, platform, tmp_path):
    html = embed_html("clevertap-inapp", SITE, servers.runtime_url, SURVEY, survey=the_survey())
    # CleverTap fills its Liquid when it sends: the profile's Identity, or 'null' for a
    # profile that has none (here the iPhone's user).
    identity = {"android": "user-7", "iphone": "null"}[platform]
    before = {r["id"] for r in servers.store.list(limit=10000)}
    message = open_clevertap(phone(platform), html.replace("{{ Profile.Identity | default: 'null' }}", identity),
                             platform)
    page = message.page
    expect(page.locator(".sondage-prompt")).to_have_text(PROMPT)
    assert_fits_the_phone(page, tmp_path, f"clevertap-{platform}")
    answer(page, "9", ["Price", "Support"])
    wait_until(page, lambda: native_state(page)["closed"], "the message dismissed through the bridge")
    calls = native_calls(page)
    if platform == "android":
        # String arguments only, JSON through JSON.stringify, as CTWebInterface takes them.
        assert all(t == "string" for c in calls for t in c["types"])
        events = [c["args"] for c in calls if c["name"] == "pushEvent"]
        profiles = [json.loads(c["args"][0]) for c in calls if c["name"] == "pushProfile"]
        assert [e[0] for e in events] == ["survey_question_response"] * 2
        props = [json.loads(e[1]) for e in events]
        assert calls[-1]["name"] == "dismissInAppNotification"
    else:
        bodies = [c["args"][0] for c in calls]
        assert {b["action"] for b in bodies} == {"recordEventWithProps", "profilePush", "dismissInAppNotification"}
        events = [b for b in bodies if b["action"] == "recordEventWithProps"]
        assert [e["event"] for e in events] == ["survey_question_response"] * 2
        props = [e["properties"] for e in events]
        profiles = [b["properties"] for b in bodies if b["action"] == "profilePush"]
        assert bodies[-1] == {"action": "dismissInAppNotification"}
        assert native_state(page)["navigations"] == []       # no frame navigated: the message stayed
    assert native_state(page)["logs"] == []                  # every argument parsed, every action known
    assert props[0] == {"survey_id": SURVEY, "survey_name": "E2E mobile NPS", "question": PROMPT,
                        "label": "nps_score", "response": 9, "response_int": 9, "response_string": "9"}
    assert props[1]["response_array"] == "Price, Support"    # CleverTap events are flat
    assert profiles == [{"nps_score": 9}, {"What did you like?": ["Price", "Support"]}]
    wait_for_rows(servers.store, 1, survey_id=SURVEY, url="about:blank", response_string="9")
    wait_for_rows(servers.store, 1, survey_id=SURVEY, url="about:blank", response_array=["Price", "Support"])
    rows = [r for r in servers.store.list(limit=10000) if r["id"] not in before and r["survey_id"] == SURVEY]
    expected = {"clevertap_identity": "user-7"} if platform == "android" else {}
    assert [r["identities"] for r in rows] == [expected, expected]      # the profile's Identity, or none
    assert not [m for m in message.console if m.startswith(("pageerror", "warning"))], message.console


@pytest.mark.parametrize("platform", ["android", "iphone"])
def test_a_survey_in_a_braze_in_app_message_on_a_phone(phone, servers, platform, tmp_path):
    html = embed_html("braze-inapp", SITE, CDN, SURVEY, survey=the_survey())
    context = phone(platform)
    serve_runtime_at_cdn(context, servers.runtime_url)
    message = open_braze(context, html)
    page = message.page
    expect(page.locator(".sondage-prompt")).to_have_text(PROMPT)
    assert_fits_the_phone(page, tmp_path, f"braze-{platform}")
    answer(page, "9", ["Price", "Support"])
    wait_until(page, lambda: native_state(page)["closed"], "closeMessage through brazeBridge")
    calls = native_calls(page)
    names = [c["name"] for c in calls]
    assert names[-1] == "beforeMessageClosed"
    assert ["getUser().setCustomUserAttributeJSON", "nps_score", '{"value":9}', False] in \
        [[c["name"], *c["args"]] for c in calls]
    assert ["getUser().setCustomUserAttributeArray", "What did you like?", '["Price","Support"]'] in \
        [[c["name"], *c["args"]] for c in calls]
    events = [c["args"] for c in calls if c["name"] == "logCustomEventWithJSON"]
    assert [e[0] for e in events] == ["survey-question-response"] * 2
    first = json.loads(events[0][1])
    assert first["question"] == PROMPT and first["response_int"] == 9 and first["label"] == "nps_score"
    assert names.count("requestImmediateDataFlush") == 2
    # Waited for with the page's clock: the proxy's handlers run only while Playwright is waited on.
    rows = wait_until(page, lambda: (found := stored(servers, url=BRAZE_BASE_URL)) and len(found) >= 2 and found,
                      "both answers at the collector")
    assert {r["identities"].get("braze_external_id") for r in rows} == {"user-42"}   # from Braze's Liquid
    assert not [m for m in message.console if m.startswith(("pageerror", "warning"))], message.console


def test_a_missing_bridge_costs_one_console_line_and_no_answer(phone, servers, tmp_path):
    """The CleverTap code opened where no SDK gives a bridge: each answer still reaches the
    collector; the console says once that CleverTap gets nothing."""
    html = embed_html("clevertap-inapp", SITE, servers.runtime_url, SURVEY, survey=the_survey())
    message = open_clevertap(phone("android"), html, None)
    page = message.page
    answer(page, "4", ["Speed"])
    expect(page.locator(".sondage-thanks")).to_be_visible(timeout=30000)
    wait_for_rows(servers.store, 1, survey_id=SURVEY, url="about:blank", response_string="4")
    wait_for_rows(servers.store, 1, survey_id=SURVEY, url="about:blank", response_array=["Speed"])
    lines = [m for m in message.console if "CleverTap" in m]
    assert len(lines) == 1 and "no CleverTap or webkit in this message" in lines[0], message.console


def test_braze_code_without_its_bridge_says_so_once_and_loses_no_answer(phone, servers):
    """The Braze code opened where no SDK injects brazeBridge: the calls wait for it (Braze
    gives it after the load event), the console says so once, every answer reaches the
    collector."""
    html = embed_html("braze-inapp", SITE, CDN, SURVEY, survey=the_survey())
    context = phone("iphone")
    serve_runtime_at_cdn(context, servers.runtime_url)
    page = context.new_page()
    message = watch(page)
    page.route(BRAZE_BASE_URL, lambda route: route.fulfill(status=200, body=html, content_type="text/html"))
    page.goto(BRAZE_BASE_URL)
    answer(page, "6", ["Price"])
    expect(page.locator(".sondage-thanks")).to_be_visible(timeout=30000)
    wait_until(page, lambda: stored(servers, url=BRAZE_BASE_URL, response_array=["Price"]), "the last answer stored")
    assert stored(servers, url=BRAZE_BASE_URL, response_string="6")
    lines = [m for m in message.console if "Braze" in m]
    assert lines == ["warning: Sondage: Braze: no brazeBridge in this message yet; its calls wait for ab.BridgeReady"]


@pytest.mark.parametrize("kind", ["braze-inapp", "clevertap-inapp"])
def test_the_first_question_shows_and_takes_a_tap_before_python(phone, servers, kind, tmp_path):
    """The first question is in the message's HTML: it shows and fits before anything is
    fetched, and a tap shows as picked while Python has not started (here it never does: the
    worker's files are refused)."""
    context = phone("iphone")
    serve_runtime_at_cdn(context, servers.runtime_url)
    context.route(f"{CDN}worker-*", lambda route: route.abort())
    html = embed_html(kind, SITE, CDN, SURVEY, survey=the_survey())
    page = context.new_page()
    page.route(BRAZE_BASE_URL, lambda route: route.fulfill(status=200, body=html, content_type="text/html"))
    page.goto(BRAZE_BASE_URL, wait_until="commit")
    expect(page.locator(".sondage-prompt")).to_have_text(PROMPT)
    assert_fits_the_phone(page, tmp_path, f"first-{kind}")
    page.wait_for_load_state("load")      # inapp.js is in (it is async): the tap is taken
    page.locator("button[data-value='7']").tap()
    expect(page.locator("button[data-value='7']")).to_have_attribute("aria-checked", "true")


def test_an_answer_given_just_before_the_app_closes_the_message_is_kept(phone, servers):
    """CleverTap on Android (no storage at all): the visitor answers the last question and
    the app closes the message at once, as the bridge's call arrives; the answer still
    reaches the collector (sent at once, keepalive)."""
    html = embed_html("clevertap-inapp", SITE, servers.runtime_url, SURVEY, survey=the_survey())
    message = open_clevertap(phone("android"), html, "android")
    page = message.page
    page.locator("button[data-value='2']").tap(timeout=30000)
    page.locator("label", has_text="Support").tap(timeout=30000)
    page.locator("button[type=submit]").tap()
    # The app dismisses the in-app as soon as the answer's event reaches it: the page is gone.
    wait_until(page, lambda: sum(c["name"] == "pushEvent" for c in native_calls(page)) >= 2,
               "the last answer's event at the bridge", timeout_ms=30000)
    page.close()
    wait_for_rows(servers.store, 1, survey_id=SURVEY, url="about:blank", response_array=["Support"])


def test_an_answer_given_before_python_is_up_is_kept_where_the_message_has_storage(phone, servers):
    """Braze's WebView has storage (its page is https://iamcache.braze/): a tap given before
    Python was up, in a message the app closed at once, is kept there under the click's id and
    recorded by the next message's runtime, once."""
    # Without answer plans: this is the stored click alone (a plan would send it at once).
    html = without_plans(embed_html("braze-inapp", SITE, CDN, SURVEY, survey=the_survey()))
    context = phone("android")
    serve_runtime_at_cdn(context, servers.runtime_url)
    first = context.new_page()
    first.route(f"{CDN}worker-*", lambda route: route.abort())      # Python never starts here
    first.route(BRAZE_BASE_URL, lambda route: route.fulfill(status=200, body=html, content_type="text/html"))
    first.goto(BRAZE_BASE_URL)
    first.locator("button[data-value='3']").tap()
    wait_until(first, lambda: first.evaluate("Object.keys(localStorage).some((k) => k.indexOf(':early:') > 0)"),
               "the tap kept in the message's storage")
    first.close()
    later = open_braze(context, html)
    # Waited for with the page's clock: the proxy's handlers run only while Playwright is waited on.
    wait_until(later.page, lambda: stored(servers, url=BRAZE_BASE_URL, response_string="3"),
               "the early tap's answer at the collector", timeout_ms=60000)
    expect(later.page.locator(".sondage-prompt")).to_have_text(PROMPT)   # the new message asks anew


# -- a tap before Python is up: the answer's plan (runtime/answer_plan.py) --------------------
PLANS = re.compile(f'(<script type="application/json" id="{protocol.ANSWER_PLANS_ELEMENT}">).*?(</script>)', re.S)
CLEVERTAP_TAG = "{{ Profile.Identity | default: 'null' }}"


def the_message(kind: str, base: str) -> str:
    """The message as `sondage embed` prints it, with the site's settings (sites.yaml)."""
    return embed_html(kind, SITE, base, SURVEY, survey=the_survey(),
                      settings=read_site_settings(HERE / "surveys")[SITE])


def without_plans(html: str) -> str:
    """The same message with no answer plans: a tap waits for Python, as before plans."""
    changed = PLANS.sub(r"\1null\2", html)
    assert changed != html
    return changed


def answer_calls(calls: list[dict]) -> list[list]:
    """The bridge calls an answer makes (closing the message is not one), name and arguments."""
    return [[c["name"], *c["args"]] for c in calls
            if c["name"] not in ("dismissInAppNotification", "beforeMessageClosed")
            and not (c["name"] == "postMessage" and c["args"][0].get("action") == "dismissInAppNotification")]


def calls_once_at_least(page: Page, count: int, what: str) -> list[list]:
    return wait_until(page, lambda: (found := answer_calls(native_calls(page))) and len(found) >= count and found,
                      what, timeout_ms=60000)


def new_rows(servers, before: set[str], **match) -> list[dict]:
    return [r for r in stored(servers, **match) if r["id"] not in before]


@pytest.mark.parametrize("platform", ["android", "iphone"])
def test_a_tap_before_python_in_a_clevertap_message_closed_at_once_reaches_the_collector_and_clevertap(
        phone, servers, platform):
    """CleverTap's WebView, Python never starts (its worker's files are refused; on Android no
    storage either): a score tapped, the app closes the message as soon as the bridge's event
    arrives. The answer reaches the collector with the profile's Identity, and the bridge got
    exactly the calls the runtime itself makes for that answer (measured: the same message
    without plans, Python up)."""
    html = the_message("clevertap-inapp", servers.runtime_url).replace(CLEVERTAP_TAG, "user-7")
    # What the runtime itself calls for a 9: no plans, Python up.
    earlier = {r["id"] for r in servers.store.list(limit=10000)}
    reference = open_clevertap(phone(platform), without_plans(html), platform).page
    reference.locator("button[data-value='9']").tap(timeout=30000)
    expect(reference.locator(".sondage-prompt")).to_have_text("What did you like?", timeout=60000)
    runtime_calls = calls_once_at_least(reference, 2, "the runtime's calls for the answer")
    # Its answer is at the collector before the test counts what is new.
    wait_until(reference, lambda: new_rows(servers, earlier, response_string="9"), "the reference's answer stored")
    reference.close()
    before = {r["id"] for r in servers.store.list(limit=10000)}
    context = phone(platform)
    context.route(f"{servers.runtime_url}worker-*", lambda route: route.abort())      # Python never starts
    message = open_clevertap(context, html, platform)
    page = message.page
    page.wait_for_load_state("load")
    page.locator("button[data-value='9']").tap()
    # The app dismisses the message as soon as the answer's event reaches it: the page is gone.
    wait_until(page, lambda: any(c["name"] in ("pushEvent", "postMessage") for c in native_calls(page)),
               "the answer's event at the bridge")
    planned = calls_once_at_least(page, len(runtime_calls), "the answer's calls at the bridge")
    logs = native_state(page)["logs"]
    page.close()
    assert planned == runtime_calls and logs == []
    rows = wait_until(None, lambda: new_rows(servers, before, response_string="9"), "the answer at the collector")
    assert [(r["identities"], r["url"], r["question_id"]) for r in rows] == [
        ({"clevertap_identity": "user-7"}, "about:blank", "score")]
    [view] = wait_until(None, lambda: [v for v in _views(servers.store, "about:blank")
                                       if v["response_id"] == rows[0]["response_id"]], "the showing's view")
    assert view["survey_id"] == SURVEY


def test_a_tap_before_the_message_has_read_its_manifest_is_sent_once_it_has_then_the_calls(phone, servers):
    """CleverTap on Android, Python never starts, and the message's manifest (which names the
    collector) is slow: a score tapped before it is in. Nothing goes to the bridge before the
    answer can go to the collector; once the manifest is in, the POST leaves, then the calls,
    and the app that closes the message as the event arrives loses nothing."""
    html = the_message("clevertap-inapp", servers.runtime_url).replace(CLEVERTAP_TAG, "user-8")
    before = {r["id"] for r in servers.store.list(limit=10000)}
    context = phone("android")
    context.route(f"{servers.runtime_url}worker-*", lambda route: route.abort())      # Python never starts
    held: list = []
    context.route(f"{servers.runtime_url}manifests/*", lambda route: held.append(route))
    page = open_clevertap(context, html, "android").page
    page.wait_for_load_state("load")
    # What reaches the collector and the bridge, in order.
    page.evaluate("""() => {
      window.__order = [];
      const send = window.fetch;
      window.fetch = function (url) {
        if (String(url).endsWith('/collect')) window.__order.push('POST');
        return send.apply(this, arguments);
      };
      for (const name of Object.keys(window.CleverTap)) {
        const call = window.CleverTap[name];
        if (typeof call === 'function') {
          window.CleverTap[name] = function () { window.__order.push(name); return call.apply(this, arguments); };
        }
      }
    }""")
    wait_until(page, lambda: held, "the manifest asked for")
    page.locator("button[data-value='4']").tap()
    expect(page.locator("button[data-value='4']")).to_have_attribute("aria-checked", "true")
    assert page.evaluate("window.__order") == []      # the calls wait with the answer for the collector
    for route in held:
        route.continue_()
    order = wait_until(page, lambda: (o := page.evaluate("window.__order")) and "pushEvent" in o and o,
                       "the answer's event at the bridge")
    page.close()                                      # the app closes the message as the event arrives
    assert order[0] == "POST", order
    rows = wait_until(None, lambda: new_rows(servers, before, response_string="4"), "the answer at the collector")
    assert [r["identities"] for r in rows] == [{"clevertap_identity": "user-8"}]


def test_a_tap_before_python_in_a_braze_message_closed_at_once_reaches_the_collector_and_braze(phone, servers):
    """Braze on a phone, Python never starts: a score tapped, the message closed as soon as
    the bridge's flush arrives. Braze got the calls the runtime itself makes for it; the
    collector has the answer with the external id from Braze's Liquid."""
    html = the_message("braze-inapp", CDN)
    context = phone("android")
    serve_runtime_at_cdn(context, servers.runtime_url)
    earlier = {r["id"] for r in servers.store.list(limit=10000)}
    reference = open_braze(context, without_plans(html)).page
    reference.locator("button[data-value='8']").tap(timeout=30000)
    expect(reference.locator(".sondage-prompt")).to_have_text("What did you like?", timeout=60000)
    runtime_calls = calls_once_at_least(reference, 3, "the runtime's calls for the answer")
    # Its answer is at the collector before the test counts what is new.
    wait_until(reference, lambda: new_rows(servers, earlier, url=BRAZE_BASE_URL, response_string="8"),
               "the reference's answer stored")
    reference.close()
    before = {r["id"] for r in servers.store.list(limit=10000)}
    slow = phone("android")
    serve_runtime_at_cdn(slow, servers.runtime_url)
    slow.route(f"{CDN}worker-*", lambda route: route.abort())      # Python never starts
    page = open_braze(slow, html).page
    page.locator("button[data-value='8']").tap()
    planned = calls_once_at_least(page, len(runtime_calls), "the answer's calls at the bridge")
    page.close()
    assert planned == runtime_calls
    # Waited for with another page's clock: the proxy's handlers run only while Playwright is waited on.
    watcher = slow.new_page()
    rows = wait_until(watcher, lambda: new_rows(servers, before, url=BRAZE_BASE_URL, response_string="8"),
                      "the answer at the collector")
    assert [r["identities"] for r in rows] == [{"braze_external_id": "user-42"}]


def test_python_up_after_the_tap_adopts_the_plan_one_record_and_one_set_of_calls(phone, servers):
    """CleverTap on Android, Python slow (its worker's files held until the tap's plan is
    carried out): once up, the runtime takes that answer over: one record at the collector,
    one set of bridge calls, and the survey goes on to the next question."""
    html = the_message("clevertap-inapp", servers.runtime_url).replace(CLEVERTAP_TAG, "user-9")
    before = {r["id"] for r in servers.store.list(limit=10000)}
    context = phone("android")
    held = []
    context.route(f"{servers.runtime_url}worker-*", lambda route: held.append(route))
    message = open_clevertap(context, html, "android")
    page = message.page
    page.wait_for_load_state("load")
    wait_until(page, lambda: held, "the worker asked for")
    page.locator("button[data-value='6']").tap()
    calls_once_at_least(page, 2, "the planned calls at the bridge")
    wait_until(page, lambda: new_rows(servers, before, response_string="6"), "the planned answer at the collector")
    for route in held:
        route.continue_()
    expect(page.locator(".sondage-prompt")).to_have_text("What did you like?", timeout=60000)
    page.locator("label", has_text="Speed").tap()
    page.locator("button[type=submit]").tap()
    wait_until(page, lambda: native_state(page)["closed"], "the message dismissed through the bridge", timeout_ms=30000)
    calls = native_calls(page)
    assert [c["name"] for c in calls] == ["pushEvent", "pushProfile", "pushEvent", "pushProfile",
                                          "dismissInAppNotification"]
    assert [json.loads(c["args"][0]) for c in calls if c["name"] == "pushProfile"] == [
        {"nps_score": 6}, {"What did you like?": ["Speed"]}]
    rows = wait_until(page, lambda: (found := new_rows(servers, before)) and len(found) >= 2 and found,
                      "both answers at the collector")
    assert sorted(r["question_id"] for r in rows) == ["liked", "score"]      # the score once
    assert len({r["response_id"] for r in rows}) == 1                       # one showing
    assert {r["identities"]["clevertap_identity"] for r in rows} == {"user-9"}
    # One view of the showing: the runtime's is the plan's (the collector kept one).
    assert len([v for v in _views(servers.store, "about:blank") if v["response_id"] == rows[0]["response_id"]]) == 1
    assert not [m for m in message.console if m.startswith(("pageerror", "warning"))], message.console


def test_a_planned_tap_also_kept_in_storage_is_recorded_once(phone, servers):
    """Braze's WebView has storage: a tap before Python carries out its plan (the answer at the
    collector at once) and is also kept there; the next message's runtime records the kept
    click under the same id, which the collector takes as a duplicate: one row."""
    html = the_message("braze-inapp", CDN)
    context = phone("android")
    replies: list[dict] = []

    def proxy(route) -> None:     # serve_runtime_at_cdn's, keeping the collector's replies
        try:
            response = route.fetch(url=route.request.url.replace(CDN, servers.runtime_url))
            if route.request.method == "POST" and response.ok:
                replies.append(response.json())
            route.fulfill(response=response)
        except PlaywrightError:
            pass
    context.route(f"{CDN}**", proxy)
    before = {r["id"] for r in servers.store.list(limit=10000)}
    first = context.new_page()
    first.route(f"{CDN}worker-*", lambda route: route.abort())      # Python never starts here
    first.route(BRAZE_BASE_URL, lambda route: route.fulfill(status=200, body=html, content_type="text/html"))
    first.goto(BRAZE_BASE_URL)
    first.locator("button[data-value='5']").tap()
    [row] = wait_until(first, lambda: new_rows(servers, before, url=BRAZE_BASE_URL, response_string="5"),
                       "the planned answer at the collector")
    assert first.evaluate("Object.keys(localStorage).filter((k) => k.indexOf(':early:') > 0).length") == 1
    first.close()
    later = open_braze(context, html)
    wait_until(later.page, lambda: any(row["id"] in r.get("duplicates", []) for r in replies),
               "the kept click recorded again by the next message's runtime", timeout_ms=60000)
    assert [r["id"] for r in new_rows(servers, before, url=BRAZE_BASE_URL)] == [row["id"]]


def test_damaged_answer_plans_cost_one_console_line_and_no_answer(phone, servers):
    """The message's plans edited by hand into something that does not read: said once; the
    tap waits for Python as without plans, and the answer reaches CleverTap and the collector."""
    html = PLANS.sub(r"\1{not json\2", the_message("clevertap-inapp", servers.runtime_url))
    before = {r["id"] for r in servers.store.list(limit=10000)}
    message = open_clevertap(phone("android"), html.replace(CLEVERTAP_TAG, "user-3"), "android")
    page = message.page
    page.wait_for_load_state("load")
    page.locator("button[data-value='4']").tap()
    expect(page.locator(".sondage-prompt")).to_have_text("What did you like?", timeout=60000)
    assert [c[0] for c in calls_once_at_least(page, 2, "the runtime's calls")] == ["pushEvent", "pushProfile"]
    wait_until(page, lambda: new_rows(servers, before, response_string="4"), "the answer at the collector")
    lines = [m for m in message.console if "answer plans" in m]
    assert len(lines) == 1 and lines[0].startswith(
        "warning: Sondage: the answer plans in this message did not read: SyntaxError"), message.console
