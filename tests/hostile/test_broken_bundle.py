"""A broken bundle fails fast and says why: a 404, a wrong MIME type, a corrupt manifest,
survey data or Python zip, a frame that does not load, a hung request. Each time the host
page is intact, no survey frame is left behind, the failure comes well before the 20 s
boot timeout (but for the hung request, which only the timeout can tell), and Sondage says
so in exactly one console warning that names the file and the cause."""

from __future__ import annotations

WELCOME = "<h1 id=host-title>Welcome</h1><script>window.hostScriptsRan = true</script>"


def sondage_warnings(host) -> list[str]:
    return [m for m in host.console if "Sondage" in m and not m.startswith("log:")]


def open_broken(host, pattern: str, handler) -> None:
    host.page.context.route(pattern, handler)
    host.open(WELCOME, api_key="e2e-welcome")


def assert_failed_once(host, *words: str, timeout_ms: int = 12000) -> str:
    """The loader reached `failed` (before the boot timeout unless told), the page is
    intact, and one Sondage warning names every one of ``words``."""
    host.wait_for_loader("failed", timeout_ms=timeout_ms)
    page = host.page
    page.wait_for_timeout(300)            # anything printed late would show now
    assert page.locator("#host-title").inner_text() == "Welcome"
    assert page.evaluate("window.hostScriptsRan === true")
    assert page.locator("iframe").count() == 0, "the survey frame was left on the page"
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


def test_a_404_for_the_wasm(host):
    open_broken(host, "**/pyodide.asm.wasm", status(404))
    assert_failed_once(host, "/pyodide.asm.wasm: HTTP 404")


def test_a_wasm_served_as_html(host):
    open_broken(host, "**/pyodide.asm.wasm", status(200, "text/html", b"<html>a CDN error page</html>"))
    assert_failed_once(host, "pyodide.asm.wasm", "served as text/html, not application/wasm")


def test_a_corrupt_manifest(host):
    open_broken(host, "**/manifests/*.json", status(200, "application/json", b'{"frame": '))
    assert_failed_once(host, "manifests/e2e-welcome.json is not JSON")


def test_a_missing_manifest(host):
    open_broken(host, "**/manifests/*.json", status(404))
    assert_failed_once(host, "no manifest for this apiKey (HTTP 404)")


def test_corrupt_survey_data(host):
    open_broken(host, "**/sites/*.json", status(200, "application/json", b"[1, 2"))
    assert_failed_once(host, "sites/e2e-welcome-", ".json: not JSON")


def test_a_corrupt_python_zip(host):
    open_broken(host, "**/python-*.zip", status(200, "application/zip", b"PK\x03\x04" + bytes(range(256)) * 40))
    assert_failed_once(host, "Python did not start")


def test_a_404_for_the_python_zip(host):
    open_broken(host, "**/python-*.zip", status(404))
    assert_failed_once(host, "python-", ".zip: HTTP 404")


def test_a_404_for_the_frame_script(host):
    open_broken(host, "**/frame-*.js", status(404))
    assert_failed_once(host, "frame-", "did not start")


def test_a_404_for_the_worker(host):
    open_broken(host, "**/worker-*.mjs", status(404))
    assert_failed_once(host, "worker-", "did not load")


def test_a_hung_wasm_request_fails_at_the_timeout_naming_it(host):
    hung: list = []
    open_broken(host, "**/pyodide.asm.wasm", lambda route: hung.append(route))   # never answered
    assert_failed_once(host, "still loading pyodide-", "/pyodide.asm.wasm after 20000 ms", timeout_ms=40000)
    assert hung
