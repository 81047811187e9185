"""A returning visitor's runtime starts from a memory snapshot of Python (static/worker.mjs):
the first view stores one in the survey frame's Cache Storage once the runtime has been
quiet, later views restore it, and whatever goes wrong with it (damaged, an older bundle's,
no storage at all) leaves Python starting the usual way, with nothing lost."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Frame, expect

from tests.chromium import ARGS
from tests.conftest import Host, chromium_path, host_in
from tests.e2e.test_spine import SHOP, wait_for_rows

# What the runtime reported when it was up (its ready message, relayed by the frame).
CAPTURE_READY = """
window.__ready = [];
addEventListener('message', (e) => {
  if (e.data && e.data.sondage === 1 && e.data.type === 'ready') window.__ready.push(e.data);
});
"""
STORED = """async () => {
  const store = await caches.open("sondage-snapshots");
  const out = [];
  for (const request of await store.keys()) {
    // An entry the worker is replacing right now is gone between keys() and match(): the
    // caller polls again until the store is settled.
    const response = await store.match(request);
    out.push({url: request.url, bytes: response ? (await response.arrayBuffer()).byteLength : -1});
  }
  return out;
}"""


def survey_frame(host: Host) -> Frame:
    return next(f for f in host.page.frames if "/frame-" in f.url)


def view(host: Host, answer: str) -> dict:
    """One page view: the manual survey shown, answered, and what the runtime reported."""
    host.open(SHOP)
    host.page.evaluate("Iterate('install', 'e2e-manual')")
    survey = host.survey()
    survey.locator("textarea").fill(answer)
    survey.locator("button[type=submit]").click()
    expect(survey.locator(".sondage-thanks")).to_be_visible(timeout=30000)
    host.page.wait_for_function("window.__ready.length > 0", timeout=30000)
    return host.page.evaluate("window.__ready[0]")


def wait_stored(host: Host, *, bigger_than: int = 0, timeout_ms: int = 30000) -> dict:
    """The snapshot in the frame's Cache Storage, once there is one bigger than
    ``bigger_than`` and nothing else (an older one is deleted just after the new one is in)."""
    stored: list[dict] = []
    for _ in range(timeout_ms // 100):
        stored = survey_frame(host).evaluate(STORED)
        if len(stored) == 1 and stored[0]["bytes"] > bigger_than:
            return stored[0]
        host.page.wait_for_timeout(100)
    raise AssertionError(f"no snapshot stored; the frame holds {stored}")


@pytest.fixture
def visitor(host) -> Host:
    host.page.context.add_init_script(CAPTURE_READY)
    return host


def test_a_returning_visitor_s_runtime_is_restored_and_works(visitor, servers):
    first = view(visitor, "first view")
    assert first["snapshot"] == "none stored"
    stored = wait_stored(visitor)
    # One snapshot, named after this bundle's Python and Pyodide, and only its non-zero pages.
    assert ".zip.snapshot?pyodide=" in stored["url"]
    assert 4_000_000 < stored["bytes"] < first["wasm_bytes"] * 0.75
    seconds = []
    for answer in ("second view", "third view"):
        again = view(visitor, answer)
        assert again["snapshot"] == "restored"
        seconds.append(again)
    rows = wait_for_rows(servers.store, 3, survey_id="e2e-manual", url=visitor.page.url)
    assert sorted(r["response"] for r in rows) == ["first view", "second view", "third view"]
    # Two runtimes restored from the same memory still draw their own record ids.
    assert len({r["id"] for r in rows}) == 3
    assert visitor.warnings() == []


def test_a_damaged_or_stale_snapshot_is_replaced_and_nothing_is_lost(visitor, servers):
    view(visitor, "first view")
    stored = wait_stored(visitor)
    # The stored snapshot damaged, and an older bundle's left beside it.
    stale = stored["url"].replace(".zip.snapshot", "-000000000000.zip.snapshot")
    survey_frame(visitor).evaluate("""async ([url, stale]) => {
        const store = await caches.open("sondage-snapshots");
        await store.put(url, new Response(new Uint8Array(4096).fill(7)));
        await store.put(stale, new Response(new Uint8Array(4096)));
    }""", [stored["url"], stale])
    damaged = view(visitor, "after the damage")
    assert damaged["snapshot"].startswith("did not restore (stored snapshot: not format")
    # The view's own runtime stored a good one again, and only it.
    replaced = wait_stored(visitor, bigger_than=4096)
    assert replaced["url"] == stored["url"]
    assert view(visitor, "restored again")["snapshot"] == "restored"
    rows = wait_for_rows(servers.store, 3, survey_id="e2e-manual", url=visitor.page.url)
    assert {r["response"] for r in rows} == {"first view", "after the damage", "restored again"}
    assert visitor.warnings() == []


@pytest.fixture
def no_storage_visitor(playwright, servers, pages, request) -> Iterator[Host]:
    """Chromium as Playwright launches it by default: third-party storage not partitioned,
    so a cross-origin frame gets none at all (Cache Storage throws SecurityError)."""
    blocked = playwright.chromium.launch(executable_path=chromium_path(),
                                         args=[a for a in ARGS if not a.startswith("--disable-features=")])
    folder, site_url = pages
    for host in host_in(blocked, site_url, servers.runtime_url, folder, request.node.name):
        host.page.context.add_init_script(CAPTURE_READY)
        yield host
    blocked.close()


def test_without_storage_python_starts_the_usual_way(no_storage_visitor, servers):
    host = no_storage_visitor
    for answer in ("first view", "second view"):
        assert view(host, answer)["snapshot"] == "no storage"
    rows = wait_for_rows(servers.store, 2, survey_id="e2e-manual", url=host.page.url)
    assert {r["response"] for r in rows} == {"first view", "second view"}
    assert host.warnings() == []
