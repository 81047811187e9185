"""End to end in Debian's Chromium against a real build: snippet -> event -> survey -> answer -> SQLite."""

from __future__ import annotations

import time

from playwright.sync_api import expect

SHOP = """<h1>Shop</h1><p id=status></p>
<button id=buy onclick="Iterate('event', 'checkout-done')">Buy</button>"""


def wait_for_rows(store, count, timeout=10, **match):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = [r for r in store.list(limit=10000) if all(r.get(k) == v for k, v in match.items())]
        if len(rows) >= count:
            return rows
        time.sleep(0.1)
    raise AssertionError(f"expected {count} stored answers matching {match}, got {rows}")


def test_demo_shop_end_to_end(host, servers):
    page = host.page
    page.goto(servers.site_url)
    expect(page.locator("#add-to-cart")).to_be_visible()
    page.click("#add-to-cart")
    survey = host.survey()
    expect(survey.locator(".sondage-prompt")).to_have_text(
        "How likely are you to recommend our shop to a friend?", timeout=30000)
    # The host's aggressive CSS does not reach the widget (it lives in our frame).
    spacing = survey.locator(".sondage-intro").evaluate("e => getComputedStyle(e).letterSpacing")
    assert spacing == "normal"
    survey.locator("button[data-value='9']").click()
    survey.locator("textarea").fill("Great beans")
    survey.locator("button[type=submit]").click()
    expect(survey.locator(".sondage-thanks")).to_contain_text("Thank you!")
    # The page's own onResponse callback ran with Iterate's callback shape.
    expect(page.locator("#status")).to_have_text(
        "Thanks for answering \u201cWhat is the main reason for your score?\u201d.")
    rows = wait_for_rows(servers.store, 2, survey_id="demo-nps", url=servers.site_url)
    by_q = {r["question_id"]: r for r in rows[:2]}
    assert by_q["recommend"]["response"] == 9 and by_q["recommend"]["label"] == "nps_score"
    assert by_q["why"]["response_string"] == "Great beans"
    survey.locator("[data-action=close]").click()
    expect(page.locator("iframe[title=Survey]")).to_be_hidden()
    assert not [m for m in host.console if m.startswith("pageerror")]
    assert host.warnings() == []          # nothing in the site owner's console


def test_page_view_with_nothing_eligible_loads_no_python(host):
    host.open(SHOP)
    page = host.page
    page.evaluate("Iterate('event', 'something-else'); Iterate('identify', {plan: 'pro'})")
    host.wait_for_loader("idle")
    # The site has an event survey shown ahead: once the page is idle the loader prepares the
    # survey frame (so that the event shows it at once), and nothing of Python.
    assert host.prepared_frame() == ["ahead/e2e-site.json", "frame.html", "frame.js", "loader.js",
                                     "manifests/e2e-site.json", "widget.css"], host.console
    expect(page.locator("iframe[title=Survey]")).to_be_hidden()
    assert host.warnings() == []
    # Only Iterate's three globals were added.
    added = page.evaluate("""() => {
        const f = document.createElement('iframe'); document.body.appendChild(f);
        const clean = new Set(Object.getOwnPropertyNames(f.contentWindow));
        return Object.getOwnPropertyNames(window).filter(k => !clean.has(k) && !/^[0-9]+$/.test(k)); }""")
    assert sorted(added) == ["Iterate", "IterateObjectName", "iterateSettings"]


def test_commands_queued_before_the_loader_are_applied_in_order(host, servers):
    host.open(SHOP + """<script>
        Iterate('identify', {external_id: 'u-42', vip: true}, {order: 'A-1'});
        Iterate('event', 'checkout-done');
    </script>""")
    survey = host.survey()
    expect(survey.locator(".sondage-prompt")).to_have_text(
        "How likely are you to recommend the e2e shop?", timeout=30000)
    survey.locator("button[data-value='10']").click()
    [row] = wait_for_rows(servers.store, 1, survey_id="e2e-nps", response=10, url=host.page.url)
    assert row["user"] == {"external_id": "u-42", "vip": True}
    assert row["response_properties"] == {"order": "A-1"}
    assert row["site"] == "e2e-site" and row["preview"] is False


def test_segment_placeholder_queue_is_drained_and_loaded_is_dropped(host, servers):
    # The shape Segment's Iterate destination leaves before loading loader.js.
    host.open(SHOP + """<script>
        window.iterateSettings = {apiKey: 'e2e-site', installOnLoad: false};
        window.IterateObjectName = 'Iterate';
        const ph = function (...args) { ph.command(args) };
        ph.loaded = false; ph.q = [];
        ph.command = function (args) { ph.q.push(args) };
        window.Iterate = ph;
        Iterate('identify', {plan: 'team', external_id: 'seg-7'});
        Iterate('event', 'checkout-done');
        const s = document.createElement('script');
        s.src = '""" + host.runtime_url + """loader.js';
        document.head.appendChild(s);
    </script>""", with_snippet=False)
    page = host.page
    page.wait_for_function("!Object.prototype.hasOwnProperty.call(window.Iterate, 'loaded')")
    survey = host.survey()
    expect(survey.locator(".sondage-prompt")).to_be_visible(timeout=30000)
    survey.locator("button[data-value='4']").click()
    [row] = wait_for_rows(servers.store, 1, response=4, survey_id="e2e-nps")
    assert row["user"] == {"plan": "team", "external_id": "seg-7"}


def test_install_on_load_false_requests_nothing_until_asked(host):
    host.open(SHOP, install_on_load=False)
    page = host.page
    host.wait_for_loader("idle")
    assert [u for u in host.requests if u.startswith(host.runtime_url)] == [host.runtime_url + "loader.js"]
    page.evaluate("Iterate('install')")
    host.wait_for_loader("idle")
    assert host.runtime_url + "manifests/e2e-site.json" in host.requests
    # No page-view survey on this site: nothing shows, no Python (the frame is only prepared,
    # for its event survey).
    assert not [f for f in host.prepared_frame() if f.startswith(("worker", "python", "pyodide"))]
    expect(page.locator("iframe[title=Survey]")).to_be_hidden()


def test_preview_shows_a_draft_and_flags_its_answers(host, servers):
    host.open(SHOP, query="?iterate_preview=e2e-draft")
    host.page.click("#buy")
    survey = host.survey()
    expect(survey.locator("[data-preview]")).to_contain_text("Preview", timeout=30000)
    expect(survey.locator(".sondage-prompt")).to_have_text("Which colour did you pick?")
    survey.locator("button[data-value='Blue']").click()
    [row] = wait_for_rows(servers.store, 1, survey_id="e2e-draft", response="Blue")
    assert row["preview"] is True


def test_once_survey_stays_away_after_reload(host):
    host.open(SHOP)
    page = host.page
    page.click("#buy")
    survey = host.survey()
    expect(survey.locator(".sondage-prompt")).to_be_visible(timeout=30000)
    survey.locator("[data-action=close]").click()
    expect(page.locator("iframe[title=Survey]")).to_be_hidden()
    history = page.evaluate("JSON.parse(localStorage.getItem('sondage:v1:e2e-site:history'))")
    assert "e2e-nps" in history["shown"]      # kept in the host's first-party storage
    page.reload()
    page.wait_for_load_state("load")
    page.click("#buy")
    # Commands run in order: once this manual survey shows, the event was already decided.
    page.evaluate("Iterate('install', 'e2e-manual')")
    expect(host.survey().locator(".sondage-prompt")).to_have_text("How did you find us?", timeout=30000)


def test_bad_calls_warn_and_never_throw(host):
    host.open(SHOP)
    page = host.page
    page.click("#buy")
    expect(host.survey().locator(".sondage-prompt")).to_be_visible(timeout=30000)
    errors = page.evaluate("""() => {
        const out = [];
        for (const args of [[], [42], ['bogus', 1], ['event'], ['onResponse', 'not a function'],
                            ['identify', {when: new Date(0), f: () => 1}]]) {
            try { Iterate(...args) } catch (e) { out.push(String(e)) }
        }
        return out; }""")
    assert errors == []
    host.wait_for_warning("needs the event name")
    host.wait_for_warning("Iterate('bogus')")
    text = "\n".join(host.warnings())
    assert "Iterate('bogus')" in text
    assert "needs the event name" in text


def test_unknown_api_key_leaves_the_page_alone_with_one_warning(host):
    host.open(SHOP, api_key="no-such-site")
    page = host.page
    page.click("#buy")
    host.wait_for_loader("failed")
    expect(page.locator("iframe")).to_have_count(0)
    host.wait_for_warning("surveys are off on this page")
    warnings = host.warnings()
    assert len(warnings) == 1 and "surveys are off on this page" in warnings[0]
    assert page.locator("h1").inner_text() == "Shop"


def test_broken_runtime_leaves_the_page_as_it_was(host):
    # The Python bundle cannot be fetched: Pyodide fails to start inside the worker.
    host.page.context.route("**/python-*.zip", lambda route: route.fulfill(status=404, body="gone"))
    host.open(SHOP)
    page = host.page
    page.click("#buy")
    expect(page.locator("iframe[title=Survey]")).to_have_count(1)
    # Shown ahead without Python; the visitor engages with it, and Python fails to start.
    host.survey().locator("button[data-value='8']").hover()
    host.wait_for_loader("failed")
    host.wait_for_warning("surveys are off on this page")
    warnings = host.warnings()
    assert len(warnings) == 1 and "surveys are off on this page" in warnings[0], host.console
    expect(page.locator("iframe")).to_have_count(0)
    page.evaluate("Iterate('event', 'checkout-done')")     # still callable, still silent
    assert page.locator("h1").inner_text() == "Shop"


def test_after_a_once_page_view_survey_is_seen_later_views_load_no_python(host):
    host.open("<h1>Welcome</h1>", api_key="e2e-welcome")
    page = host.page
    survey = host.survey()
    expect(survey.locator(".sondage-prompt")).to_have_text("Is this your first visit?", timeout=30000)
    # Shown ahead from the build's hint; wait until the runtime has taken it over.
    page.wait_for_function("(localStorage.getItem('sondage:v1:e2e-welcome:history') || '').includes('e2e-welcome')",
                           timeout=30000)
    survey.locator("[data-action=close]").click()
    expect(page.locator("iframe[title=Survey]")).to_be_hidden()
    host.requests.clear()
    page.reload()
    page.wait_for_load_state("load")
    host.wait_for_loader("idle")
    # The showing's view may still be on its way (sent by the loader, no Python): not a load.
    runtime = sorted(u[len(host.runtime_url):] for u in host.requests
                     if u.startswith(host.runtime_url) and u != f"{host.runtime_url}collect")
    assert runtime == ["loader.js", "manifests/e2e-welcome.json"] or runtime == ["manifests/e2e-welcome.json"]
    expect(page.locator("iframe")).to_have_count(0)


def test_answer_given_while_the_runtime_still_starts_is_kept(host, servers):
    host.open("<h1>Welcome</h1>", api_key="e2e-welcome")
    survey = host.survey()
    # Click the moment the question shows: it was rendered ahead, Python may still be starting.
    survey.locator("button[data-value='No']").click(timeout=30000)
    expect(survey.locator(".sondage-thanks")).to_be_visible(timeout=30000)
    rows = wait_for_rows(servers.store, 1, survey_id="e2e-welcome", response="No", url=host.page.url)
    assert rows[0]["question"] == "Is this your first visit?"
