"""A careless or hostile host page: stylesheets that fight the survey frame, garbage
`Iterate(...)` calls, storage that throws. The survey still shows where it should, the
page's own scripts keep running, and Sondage leaves no globals but its three."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.test_spine import wait_for_rows

PROMPT = "Is this your first visit?"
TALL = "<h1>Welcome</h1><div style='height: 3000px'>content</div><script>window.hostScriptsRan = true</script>"

HOSTILE_STYLES = {
    "iframe-important": "iframe { width: 100% !important; height: 40px !important; position: static !important;"
                        " opacity: .5 !important; transform: scale(.5) !important; display: inline !important;"
                        " visibility: hidden !important; max-height: 10px !important; inset: auto !important;"
                        " clip-path: inset(50%) !important; translate: 200px !important; zoom: .5 !important;"
                        " transition: all 9s !important; animation: none !important; }",
    "every-element": "* { box-sizing: content-box !important; margin: 40px !important; padding: 40px !important;"
                     " border: 9px solid red !important; float: left !important; max-width: 50% !important;"
                     " transition: all 5s !important; } div { padding: 30px !important; }",
    "body-transform-and-zoom": "body { transform: translateX(100px) scale(.8); zoom: 1.4; filter: blur(2px);"
                               " perspective: 10px; contain: paint; }",
    "overlay": "#overlay { position: fixed; inset: 0; z-index: 2147483647; background: rgba(0,0,0,.2); }",
}


@pytest.mark.parametrize("name", sorted(HOSTILE_STYLES))
def test_the_survey_frame_keeps_its_place_under_a_hostile_stylesheet(host, servers, name):
    overlay = "<div id=overlay></div>" if name == "overlay" else ""
    host.open(TALL + overlay, api_key="e2e-welcome", head=f"<style>{HOSTILE_STYLES[name]}</style>")
    page = host.page
    expect(host.survey().locator(".sondage-prompt")).to_have_text(PROMPT, timeout=30000)
    frame = page.locator("iframe[title=Survey]")
    box = frame.bounding_box()
    view = page.viewport_size
    assert box is not None and view is not None
    # In the bottom-right corner of the viewport, whole, at most 400 px wide.
    assert 0 < box["width"] <= 400 * 1.5 and box["height"] > 60, box
    assert abs(box["x"] + box["width"] - view["width"]) < 2 and abs(box["y"] + box["height"] - view["height"]) < 2, box
    style = frame.evaluate("f => { const s = getComputedStyle(f); return [s.position, s.opacity, s.visibility,"
                           " s.display, s.transform, s.clipPath] }")
    assert style == ["fixed", "1", "visible", "block", "none", "none"], style
    assert page.evaluate("window.hostScriptsRan === true")
    # Above anything the host stacks on top, and the visitor can answer.
    if name == "overlay":
        on_top = page.evaluate("([x, y]) => document.elementFromPoint(x, y).tagName",
                               [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2])
        assert on_top == "IFRAME"
    host.survey().locator("button[data-value='No']").click()
    expect(host.survey().locator(".sondage-thanks")).to_be_visible()
    [row] = wait_for_rows(servers.store, 1, survey_id="e2e-welcome", url=page.url, timeout=30)
    assert row["response"] == "No"


GARBAGE = """
(count) => {
  // A seeded generator of hostile arguments: cyclic objects, Symbols, huge strings,
  // throwing getters and toString, Proxies, BigInt, functions, deep nesting, DOM nodes.
  let seed = 12345;
  const rnd = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
  const cyclic = { a: 1 }; cyclic.self = cyclic;
  const list = [1, 2]; list.push(list);
  const throwing = { get x() { throw new Error("getter"); }, toString() { throw new Error("toString"); },
                     toJSON() { throw new Error("toJSON"); } };
  const proxy = new Proxy({}, { get() { throw new Error("proxy"); }, ownKeys() { throw new Error("keys"); } });
  let deep = {}; for (let i = 0; i < 5000; i++) deep = { d: deep };
  const huge = "x".repeat(2000000);
  const atoms = [undefined, null, NaN, Infinity, -0, 0, 1e308, true, false, "", "identify", "event", "install",
    "debug", "segment", "uninstall", "url", "onResponse", "__proto__", "constructor", Symbol("s"), 10n, huge,
    "<img src=x onerror=window.pwned=1>", () => { throw new Error("fn"); }, cyclic, list, throwing, proxy, deep,
    document.body, window, new Date(NaN), [], {}, Object.create(null), [huge, cyclic], { traits: cyclic },
    { external_id: Symbol("id") }, { plan: throwing }, "\\ud800", "a\\u0000b"];
  const names = ["identify", "event", "install", "url", "uninstall", "segment", "debug", "onResponse",
    "onLoad", "onClose", "onEvent", "nope", "", null, undefined, Symbol("n"), 42, throwing, proxy, huge];
  let thrown = 0;
  for (let i = 0; i < count; i++) {
    const args = [names[rnd(names.length)]];
    for (let k = rnd(4); k > 0; k--) args.push(atoms[rnd(atoms.length)]);
    try { window.Iterate.apply(window, args); } catch (e) { thrown++; }
    try { window.Iterate(...args.slice(1)); } catch (e) { thrown++; }
  }
  return thrown;
}
"""


def test_hundreds_of_garbage_calls_never_throw_and_the_survey_still_works(host, servers):
    # Before the loader arrives (queued by the snippet's stub) and after the runtime is ready.
    early = "<script>" + f"window.thrownEarly = ({GARBAGE})(150);" + "</script>"
    host.open(early + TALL, path="garbage-calls", query="?iterate_debug=1")
    page = host.page
    assert page.evaluate("window.thrownEarly") == 0
    host.wait_for_loader("ready")
    assert page.evaluate(f"({GARBAGE})(400)") == 0
    assert page.evaluate("window.hostScriptsRan === true && window.pwned === undefined")
    assert not [m for m in host.console if m.startswith("pageerror")], host.console
    host.debug_round_trip()                        # the runtime is alive and answering
    # Whatever the garbage did (uninstall included), the site's next real call works.
    page.evaluate("Iterate('uninstall'); Iterate('install', 'e2e-manual')")
    survey = host.survey()
    expect(survey.locator(".sondage-prompt")).to_have_text("How did you find us?", timeout=30000)
    survey.locator("textarea").fill("still works")
    survey.locator("button[type=submit]").click()
    rows = wait_for_rows(servers.store, 1, survey_id="e2e-manual", url=page.url, timeout=30)
    assert rows[0]["response"] == "still works"
    never_ran = page.frames[1].evaluate("window.pwned === undefined") if len(page.frames) > 1 else True
    assert never_ran
    # Each misuse is named once, not once per call.
    warnings = [m for m in host.console if m.startswith("warning:") and "Sondage" in m]
    repeated = sorted({w for w in warnings if warnings.count(w) > 1})
    assert not repeated and len(warnings) < 80, repeated


def test_no_globals_but_iterate_iteratesettings_and_iterateobjectname(host):
    before = "<script>window.keysBefore = Object.getOwnPropertyNames(window)</script>"
    host.open(TALL, api_key="e2e-welcome", path="globals", head=before)
    expect(host.survey().locator(".sondage-prompt")).to_have_text(PROMPT, timeout=30000)
    host.survey().locator("button[data-value='No']").hover()   # the visitor engages: Python starts
    host.wait_for_loader("ready")
    # (A frame's index, window[0], is the browser's own, not a global we made.)
    added = host.page.evaluate("Object.getOwnPropertyNames(window).filter(k => !window.keysBefore.includes(k)"
                               " && k !== 'keysBefore' && k !== 'hostScriptsRan' && !/^[0-9]+$/.test(k))")
    assert sorted(added) == ["Iterate", "IterateObjectName", "iterateSettings"], added


THROWING_STORAGE = """
for (const name of ["localStorage", "sessionStorage"]) {
  Object.defineProperty(window, name, { configurable: true,
    get() { throw new DOMException("The operation is insecure.", "SecurityError"); } });
}
"""


def test_storage_that_throws_still_shows_the_survey_and_delivers_the_answer(host, servers):
    host.page.add_init_script(THROWING_STORAGE)
    host.open(TALL, api_key="e2e-welcome", path="storage-throws")
    page = host.page
    expect(host.survey().locator(".sondage-prompt")).to_have_text(PROMPT, timeout=30000)
    host.survey().locator("button[data-value='No']").click()
    expect(host.survey().locator(".sondage-thanks")).to_be_visible()
    rows = wait_for_rows(servers.store, 1, survey_id="e2e-welcome", url=page.url, timeout=30)
    assert rows[0]["response"] == "No"
    assert page.evaluate("window.hostScriptsRan === true")
    assert not [m for m in host.console if m.startswith("pageerror")], host.console
