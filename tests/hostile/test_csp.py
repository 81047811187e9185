"""Content-Security-Policy: a host page with a strict policy (the directives the README
lists) shows the survey and delivers the answer with no violation; the survey frame runs
under its own strict policy (no inline script, no style attribute, WebAssembly only for
Pyodide) with no violation either."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from sondage.snippet import host_csp, snippet
from tests.e2e.test_spine import wait_for_rows

# Every document (the host page and the survey frame) records the violations it sees.
RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) =>
  window.cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline")));
"""


@pytest.fixture
def strict_site() -> Iterator[dict]:
    """A loopback host site whose pages come with the Content-Security-Policy given here."""
    pages: dict = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            page = pages.get(self.path.split("?")[0])
            if page is None:
                self.send_error(404)
                return
            body, policy = page
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Security-Policy", policy)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield {"url": f"http://127.0.0.1:{server.server_port}", "pages": pages}
    server.shutdown()
    server.server_close()


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def host_policy(snippet_html: str, base_url: str, variant: str) -> str:
    """A strict policy: the site's own, plus the directives `sondage snippet --csp` prints
    (hash), or the nonce form the README gives."""
    runtime = origin(base_url)
    sondage = (host_csp(snippet_html, base_url) if variant == "hash"
               else f"script-src 'nonce-e2e' 'strict-dynamic'; frame-src {runtime}; connect-src {runtime}")
    merged = sondage.replace("connect-src ", "connect-src 'self' ")
    return f"default-src 'self'; {merged}; style-src 'self'; img-src 'self'; object-src 'none'; base-uri 'none'"


@pytest.mark.parametrize("variant", ["hash", "nonce"])
def test_a_strict_host_policy_with_the_readme_directives(host, servers, strict_site, variant):
    code = snippet("e2e-welcome", servers.runtime_url)
    if variant == "nonce":
        code = code.replace("<script>", "<script nonce=e2e>", 1)
    page = host.page
    page.context.add_init_script(RECORD_VIOLATIONS)
    html = f"<!doctype html><html><head>{code}</head><body><h1>Strict</h1></body></html>"
    strict_site["pages"]["/strict.html"] = (html.encode(), host_policy(code, servers.runtime_url, variant))
    url = strict_site["url"] + "/strict.html"
    page.goto(url)
    survey = host.survey()
    try:
        expect(survey.locator(".sondage-prompt")).to_have_text("Is this your first visit?", timeout=30000)
    except AssertionError:
        raise AssertionError(host.console) from None
    survey.locator("button[data-value='No']").click()
    expect(survey.locator(".sondage-thanks")).to_be_visible()
    rows = wait_for_rows(servers.store, 1, survey_id="e2e-welcome", url=url, timeout=30)
    assert rows[0]["response"] == "No"
    for frame in page.frames:
        assert frame.evaluate("window.cspViolations") == [], frame.url
    assert not [m for m in host.console if "Content Security Policy" in m or "Sondage" in m], host.console


def test_the_survey_frame_ships_its_own_strict_policy(host, servers):
    page = host.page
    page.context.add_init_script(RECORD_VIOLATIONS)
    host.open("<h1>Shop</h1>", api_key="e2e-types", path="own-policy")
    page.evaluate("Iterate('install', 'e2e-types')")
    survey = host.survey()
    expect(survey.locator(".sondage-prompt")).to_have_text("How likely?", timeout=30000)
    frame = next(f for f in page.frames if f != page.main_frame and "/frame-" in f.url)
    policy = frame.evaluate(
        "document.querySelector('meta[http-equiv=Content-Security-Policy]').content")
    assert "script-src 'self' 'wasm-unsafe-eval'" in policy and "'unsafe-inline'" not in policy
    assert "'unsafe-eval'" not in policy and "style-src 'self'" in policy and "default-src 'none'" in policy
    # Its styles still apply (set through the CSSOM, not style attributes) and nothing was blocked.
    brand = frame.evaluate("getComputedStyle(document.querySelector('.sondage-card'))"
                           ".getPropertyValue('--sondage-brand')")
    assert brand.strip().startswith("#")
    survey.locator("button[data-value='9']").click()
    expect(survey.locator(".sondage-prompt")).to_have_text("Stars?")
    assert frame.evaluate("window.cspViolations") == []
    # An inline script a survey could smuggle in would be refused by the policy itself.
    blocked = frame.evaluate("""() => { const s = document.createElement('script');
        s.textContent = 'window.ranInline = 1'; document.body.appendChild(s);
        return window.ranInline === undefined }""")
    assert blocked
