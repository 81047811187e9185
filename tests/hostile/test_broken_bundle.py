"""A broken bundle fails fast and says why: a 404, a wrong MIME type, a corrupt manifest,
survey data or Python zip, a frame that does not load, a hung request. Each time the host
page is intact, no survey frame is left behind, the failure comes well before the 20 s
boot timeout (but for the hung request, which only the timeout can tell), and Sondage says
so in exactly one console warning that names the file and the cause."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

WELCOME = "<h1 id=host-title>Welcome</h1><script>window.hostScriptsRan = true</script>"


def sondage_warnings(host) -> list[str]:
    return [m for m in host.console if "Sondage" in m and not m.startswith("log:")]


def open_broken(host, pattern: str, handler) -> None:
    host.page.context.route(pattern, handler)
    host.open(WELCOME, api_key="e2e-welcome")


def engage(host) -> None:
    """The page-view survey is shown ahead without Python (issue 28), which starts when the
    visitor engages with it: the pointer on an answer."""
    host.survey().locator("[data-action=answer]").first.hover(timeout=30000)


# The files only Python's start asks for (the worker, Pyodide, the Python zip, the survey data).
PYTHON_FILES = ("wasm-404", "wasm-served-as-html", "survey-data-corrupt", "python-zip-corrupt", "python-zip-404",
                "worker-404")


def assert_failed_once(host, *words: str, timeout_ms: int = 12000) -> str:
    """The loader reached `failed` (before the boot timeout unless told), the page is
    intact, and one Sondage warning names every one of ``words``."""
    host.wait_for_loader("failed", timeout_ms=timeout_ms)
    page = host.page
    # Console messages reach the test asynchronously: wait for the warning itself.
    host.wait_for_warning(words[0])
    assert page.locator("#host-title").inner_text() == "Welcome"
    assert page.evaluate("window.hostScriptsRan === true")
    expect(page.locator("iframe"), "the survey frame was left on the page").to_have_count(0)
    warnings = sondage_warnings(host)
    assert len(warnings) == 1, warnings
    for word in words:
        assert word in warnings[0], (word, warnings[0])
    # No other line from the runtime's worker (Pyodide's own messages) either.
    assert not [m for m in host.console if "pyodide" in m.lower() and "Sondage" not in m], host.console
    return warnings[0]


def status(code: int, content_type: str = "text/plain", body: bytes = b"nope"):
    def handler(route) -> None:
        route.fulfill(status=code, body=body, content_type=content_type,
                      headers={"Access-Control-Allow-Origin": "*"})
    return handler


# case: (the files answered badly, how: status, content type, body; what the warning names)
BROKEN = {
    "wasm-404": ("**/pyodide.asm.wasm", (404, "text/plain", b"nope"), ("/pyodide.asm.wasm: HTTP 404",)),
    "wasm-served-as-html": ("**/pyodide.asm.wasm", (200, "text/html", b"<html>a CDN error page</html>"),
                            ("pyodide.asm.wasm", "served as text/html, not application/wasm")),
    "manifest-corrupt": ("**/manifests/*.json", (200, "application/json", b'{"frame": '),
                         ("manifests/e2e-welcome.json is not JSON",)),
    "manifest-404": ("**/manifests/*.json", (404, "text/plain", b"nope"), ("no manifest for this apiKey (HTTP 404)",)),
    "survey-data-corrupt": ("**/sites/*.json", (200, "application/json", b"[1, 2"),
                            ("sites/e2e-welcome-", ".json: not JSON")),
    "python-zip-corrupt": ("**/python-*.zip", (200, "application/zip", b"PK\x03\x04" + bytes(range(256)) * 40),
                           ("Python did not start",)),
    "python-zip-404": ("**/python-*.zip", (404, "text/plain", b"nope"), ("python-", ".zip: HTTP 404")),
    "frame-script-404": ("**/frame-*.js", (404, "text/plain", b"nope"), ("frame-", "did not start")),
    "worker-404": ("**/worker-*.mjs", (404, "text/plain", b"nope"), ("worker-", "did not load")),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_a_broken_file_fails_at_once_naming_it(host, case):
    pattern, (code, content_type, body), words = BROKEN[case]
    open_broken(host, pattern, status(code, content_type, body))
    if case in PYTHON_FILES:
        engage(host)
    assert_failed_once(host, *words)


def test_a_hung_wasm_request_fails_at_the_timeout_naming_it(host):
    hung: list = []
    open_broken(host, "**/pyodide.asm.wasm", lambda route: hung.append(route))   # never answered
    engage(host)
    assert_failed_once(host, "still loading pyodide-", "/pyodide.asm.wasm after 20000 ms", timeout_ms=40000)
    assert hung


def test_a_worker_that_never_starts_is_started_again_and_the_survey_shows(host):
    """Chromium, rarely, never starts a frame's worker after a reload: no request is made and
    nothing fails. Here its script's first request is never answered: a second worker is
    started beside it after a few seconds, the survey shows, and one warning says so."""
    held: list = []

    def hold_the_first(route) -> None:
        if held:
            route.continue_()
        else:
            held.append(route)      # never answered

    open_broken(host, "**/worker-*.mjs", hold_the_first)
    expect(host.survey().locator(".sondage-prompt")).to_be_visible(timeout=30000)
    engage(host)
    host.wait_for_loader("ready")
    host.wait_for_warning("did not start within 5000 ms; starting it again")
    warnings = sondage_warnings(host)
    assert len(warnings) == 1 and "worker-" in warnings[0], warnings
    assert len(held) == 1
