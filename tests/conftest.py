"""For the browser suites (tests/e2e, tests/hostile): one build and one browser for the
whole session; the host page and the runtime on different origins (127.0.0.1 vs
localhost), as on a real site."""

from __future__ import annotations

import json
import re
import shutil
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright

from build.bundle import BuildResult, build
from runtime.vendors.braze import BrazeRelay
from runtime.vendors.clevertap import CleverTapRelay
from sondage.collector.config import CollectorConfig
from sondage.collector.server import Running, start
from sondage.demo_site import serve_site
from sondage.snippet import snippet
from tests.chromium import ARGS
from tests.receiver import Receiver

ROOT = Path(__file__).resolve().parents[1]
HERE = ROOT / "tests" / "e2e"
CHROMIUM_ARGS = [*ARGS, "--disable-gpu"]


def chromium_path() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    pytest.exit("Debian's chromium is not installed: run `make test` (it installs it)", returncode=2)


# What a visitor's click leads to may wait for Python (a survey shown ahead takes clicks while
# it starts): on a machine busy with other work that is seconds, not Playwright's default 5.
# An expectation still returns as soon as what it waits for is there.
expect.set_options(timeout=15000)

@pytest.fixture(scope="session")
def survey_dir(tmp_path_factory) -> Path:
    """The demo's surveys plus the e2e site's."""
    surveys = tmp_path_factory.mktemp("surveys")
    for folder in (ROOT / "examples" / "surveys", HERE / "surveys"):
        for f in folder.glob("*.yaml"):
            shutil.copy(f, surveys / f.name)
    # One survey per position and theme, for the screenshot matrix (site e2e-look).
    for position in POSITIONS:
        for theme in ("light", "dark"):
            inline = ', inline_target: "#survey-slot"' if position == "inline" else ""
            (surveys / f"pos-{position}-{theme}.yaml").write_text(
                f"id: pos-{position}-{theme}\nsite: e2e-look\nname: {position} {theme}\ntrigger: {{type: manual}}\n"
                f"frequency: always\nappearance: {{position: {position}, theme: {theme}{inline}}}\n"
                f"questions:\n  - {{id: q, type: nps, prompt: \"Where am I?\"}}\n")
    return surveys


@pytest.fixture(scope="session")
def postgres(tmp_path_factory):
    """A real PostgreSQL server for the session (Debian's, on a temporary data directory)."""
    import shutil
    import tempfile

    from devtools.postgres import postgres_server

    # Not under pytest's temporary folder: the postgres user must reach it.
    folder = Path(tempfile.mkdtemp(prefix="sondage-postgres-"))
    try:
        with postgres_server(folder) as url:
            yield url
    finally:
        shutil.rmtree(folder, ignore_errors=True)


POSITIONS = ("bottom-right", "bottom-left", "top-right", "top-left", "center", "bottom-bar", "inline")


def wait_until(page: Page | None, check, what: str, timeout_ms: int = 30000):
    """Poll ``check()`` (what a vendor's SDK sent, what a receiver got, what the collector
    stored) until it gives something truthy, and return that; fail naming ``what`` and the
    last thing seen. With a ``page``, its event loop keeps running (and its network events
    reach the test) meanwhile; without one (the page is closed), the test just waits."""
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        got = check()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout_ms / 1000:g} s for {what}; last saw {got!r}")
        if page is not None:
            page.wait_for_timeout(100)
        else:
            time.sleep(0.1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def runtime_port() -> int:
    return free_port()


@pytest.fixture(scope="session")
def bundle(survey_dir, runtime_port, tmp_path_factory) -> BuildResult:
    # The base URL is baked into loader.js, so a loader fetched from elsewhere (Segment's
    # destination loads it from platform.iteratehq.com) still reaches this runtime.
    return build(survey_dir, tmp_path_factory.mktemp("bundle") / "dist",
                 base_url=f"http://localhost:{runtime_port}/")


@pytest.fixture(scope="session")
def vendor_apis() -> Iterator[dict[str, Receiver]]:
    """Local stand-ins for Braze's and CleverTap's REST APIs (the collector relays to them)."""
    apis = {"braze": Receiver(), "clevertap": Receiver()}
    yield apis
    for api in apis.values():
        api.close()


@pytest.fixture(scope="session")
def servers(bundle, runtime_port, tmp_path_factory, vendor_apis) -> Iterator[Running]:
    relays = {"e2e-vendors": {
        "braze": BrazeRelay(vendor_apis["braze"].url.removesuffix("/hook"), "e2e-braze-rest-key"),
        "clevertap": CleverTapRelay("E2E-ACCOUNT", "e2e-passcode",
                                    endpoint=vendor_apis["clevertap"].url.removesuffix("/hook"))}}
    config = CollectorConfig(admin_token="e2e-admin", relays=relays, webhook_interval=0.2)
    running = start(bundle.out, port=runtime_port, demo=ROOT / "examples" / "site", demo_port=0,
                    db=tmp_path_factory.mktemp("db") / "answers.db", config=config)
    yield running
    running.stop()


@pytest.fixture(scope="session")
def pages(servers, tmp_path_factory) -> Iterator[tuple[Path, str]]:
    """A second host site on 127.0.0.1 whose pages the tests write (a real loopback server,
    so Chrome's local-network rules treat it as the real thing)."""
    folder = tmp_path_factory.mktemp("pages")
    server, url = serve_site(folder, "e2e-site", servers.runtime_url, port=0)
    yield folder, url
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright) -> Iterator[Browser]:
    b = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
    yield b
    b.close()


@dataclass
class Host:
    """A host page on the site origin, made of the given body (and snippet)."""

    page: Page
    site_url: str
    runtime_url: str
    console: list[str]
    requests: list[str]
    folder: Path
    test_name: str

    def open(self, body: str, *, api_key: str = "e2e-site", path: str = "",
             install_on_load: bool = True, head: str = "", query: str = "",
             with_snippet: bool = True) -> None:
        path = path or self.test_name
        html = (f"<!doctype html><html><head><meta charset=utf-8>{head}"
                + (snippet(api_key, self.runtime_url, install_on_load=install_on_load) if with_snippet else "")
                + f"</head><body>{body}</body></html>")
        (self.folder / f"{path}.html").write_text(html)
        self.page.goto(f"{self.site_url}{path}.html{query}")
        self.page.wait_for_load_state("load")

    def survey(self):
        return self.page.frame_locator("iframe[title=Survey]")

    def warnings(self) -> list[str]:
        return [m for m in self.console if m.startswith("warning:")]

    def wait_for_loader(self, state: str, timeout_ms: int = 30000) -> None:
        """Wait for the loader's documented state on its script element (deciding, idle,
        starting, ready, failed): the decided signal for "nothing needs the runtime"."""
        self.page.wait_for_selector(f'script[data-sondage="{state}"]', state="attached", timeout=timeout_ms)

    def prepared_frame(self, timeout_ms: int = 30000) -> list[str]:
        """On a site with an event survey shown ahead, the loader prepares the survey frame once
        the page is idle (its page, script and stylesheet, and the bundle's ahead file; no
        Python). Waits until those are in, and returns every runtime file the page fetched (as
        paths, without their content hashes)."""
        kinds = ("frame.html", "frame.js", "widget.css", "ahead/")

        def fetched() -> list[str]:
            return sorted(re.sub(r"-[0-9a-f]{12}", "", u[len(self.runtime_url):])
                          for u in self.requests if u.startswith(self.runtime_url))
        wait_until(self.page, lambda: all(any(f.startswith(k) for f in fetched()) for k in kinds),
                   "the frame prepared at idle", timeout_ms)
        return fetched()

    def debug_round_trip(self, timeout_ms: int = 30000) -> None:
        """Ask the running runtime for its report and wait for it: every message sent
        before it has then been decided (messages are handled in order)."""
        before = sum("Sondage debug: if each survey" in m for m in self.console)
        self.page.evaluate("Iterate('debug')")
        for _ in range(timeout_ms // 50):
            if sum("Sondage debug: if each survey" in m for m in self.console) > before:
                return
            self.page.wait_for_timeout(50)
        raise AssertionError(f"no debug report; got {self.console}")

    def wait_for_warning(self, text: str, timeout_ms: int = 5000) -> None:
        """Console messages reach the test asynchronously: wait for one containing ``text``
        (a warning, or the runtime's debug output)."""
        for _ in range(timeout_ms // 50):
            if any(text in m for m in self.console):
                return
            self.page.wait_for_timeout(50)
        raise AssertionError(f"no console message with {text!r}; got {self.console}")


def host_in(browser: Browser, site_url: str, runtime_url: str, folder: Path, test_name: str) -> Iterator[Host]:
    """A fresh browser context on a host site; its console and its requests are kept."""
    context = browser.new_context()
    page = context.new_page()
    console: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
    page.on("request", lambda r: requests.append(r.url))
    yield Host(page, site_url, runtime_url, console, requests, folder, test_name)
    context.close()


@pytest.fixture
def host(browser, servers, pages, request) -> Iterator[Host]:
    folder, site_url = pages
    yield from host_in(browser, site_url, servers.runtime_url, folder, request.node.name)


@dataclass
class ExtensionSite:
    bundle: BuildResult
    running: Running
    site_url: str
    folder: Path
    webhook: Receiver


@pytest.fixture(scope="session")
def ext_site(tmp_path_factory) -> Iterator[ExtensionSite]:
    """The example extensions' site (examples/extensions) built and served, its webhook
    pointed at a local receiver."""
    webhook = Receiver()
    work = tmp_path_factory.mktemp("ext-site")
    shutil.copytree(ROOT / "examples" / "extensions", work / "extensions", ignore=shutil.ignore_patterns("build", "*.egg-info"))
    sites = work / "extensions" / "surveys" / "sites.yaml"
    sites.write_text(sites.read_text().replace("http://127.0.0.1:9/sondage-webhook", webhook.url))
    port = free_port()
    bundle = build(work / "extensions" / "surveys", work / "dist", base_url=f"http://localhost:{port}/")
    running = start(bundle.out, port=port, db=work / "answers.db")
    pages = work / "pages"
    pages.mkdir()
    server, site_url = serve_site(pages, "ext-demo-key", running.runtime_url, port=0)
    yield ExtensionSite(bundle, running, site_url, pages, webhook)
    server.shutdown()
    server.server_close()
    running.stop()
    webhook.close()


SEGMENT_NEXT = ROOT / "node_modules" / "@segment" / "analytics-next" / "dist" / "umd"
SEGMENT_DESTINATIONS = ROOT / "node_modules" / "@segment" / "browser-destinations" / "dist" / "web"
ITERATE_DESTINATION = "30a37440eb9a28215920.js"
WRITE_KEY = "e2eWriteKey"

# Segment's analytics.js snippet (5.x), loading analytics-next from Segment's CDN.
SEGMENT_SNIPPET = """<script>
!function(){var i="analytics",analytics=window[i]=window[i]||[];if(!analytics.initialize)if(analytics.invoked)window.console&&console.error&&console.error("Segment snippet included twice.");else{analytics.invoked=!0;analytics.methods=["trackSubmit","trackClick","trackLink","trackForm","pageview","identify","reset","group","track","ready","alias","debug","page","screen","once","off","on","addSourceMiddleware","addIntegrationMiddleware","setAnonymousId","addDestinationMiddleware","register"];analytics.factory=function(e){return function(){if(window[i].initialized)return window[i][e].apply(window[i],arguments);var n=Array.prototype.slice.call(arguments);if(["track","screen","alias","group","page","identify"].indexOf(e)>-1){var c=document.querySelector("link[rel='canonical']");n.push({__t:"bpc",c:c&&c.getAttribute("href")||void 0,p:location.pathname,u:location.href,s:location.search,t:document.title,r:document.referrer})}n.unshift(e);analytics.push(n);return analytics}};for(var n=0;n<analytics.methods.length;n++){var key=analytics.methods[n];analytics[key]=analytics.factory(key)}analytics.load=function(key,n){var t=document.createElement("script");t.type="text/javascript";t.async=!0;t.setAttribute("data-global-segment-analytics-key",i);t.src="https://cdn.segment.com/analytics.js/v1/" + key + "/analytics.min.js";var r=document.getElementsByTagName("script")[0];r.parentNode.insertBefore(t,r);analytics._loadOptions=n};analytics._writeKey="%(key)s";analytics.SNIPPET_VERSION="5.2.0";
analytics.load("%(key)s");
}}();
</script>""" % {"key": WRITE_KEY}


def segment_settings(iterate_api_key: str | None) -> dict:
    """CDN settings; with an embed key, the Iterate Web (Actions) destination is enabled."""
    settings: dict = {
        "integrations": {"Segment.io": {"apiKey": WRITE_KEY, "apiHost": "api.segment.io/v1"}},
        "plan": {"track": {"__default": {"enabled": True, "integrations": {}}},
                 "identify": {"__default": {"enabled": True}}},
        "remotePlugins": [],
    }
    if iterate_api_key:
        destination = {"apiKey": iterate_api_key, "versionSettings": {"componentTypes": []}}
        settings["integrations"]["Iterate Web (Actions)"] = destination
        settings["remotePlugins"].append({
            "name": "Iterate Web (Actions)", "creationName": "Iterate Web (Actions)",
            "libraryName": "iterateDestination",
            "url": f"https://cdn.segment.com/next-integrations/actions/iterate/{ITERATE_DESTINATION}",
            "settings": {**destination, "subscriptions": [
                {"id": "t1", "name": "Track Event", "enabled": True, "partnerAction": "trackEvent",
                 "subscribe": 'type = "track"', "mapping": {"name": {"@path": "$.event"}}},
                {"id": "i1", "name": "Identify User", "enabled": True, "partnerAction": "identifyUser",
                 "subscribe": 'type = "identify"',
                 "mapping": {"userId": {"@path": "$.userId"}, "traits": {"@path": "$.traits"}}}]}})
    return settings


def route_segment(context, loader: bytes, iterate_api_key: str | None) -> list[str]:
    """Answer Segment's CDN and API, and Iterate's loader URL, from the npm packages."""
    seen: list[str] = []

    def js(route, path: Path) -> None:
        seen.append(route.request.url)
        route.fulfill(status=200, body=path.read_bytes(), content_type="text/javascript",
                      headers={"Access-Control-Allow-Origin": "*"})

    context.route(f"https://cdn.segment.com/analytics.js/v1/{WRITE_KEY}/analytics.min.js",
                  lambda r: js(r, SEGMENT_NEXT / "standalone.js"))
    context.route("https://cdn.segment.com/analytics-next/bundles/*",
                  lambda r: js(r, SEGMENT_NEXT / r.request.url.rsplit("/", 1)[1]))
    context.route("https://cdn.segment.com/next-integrations/actions/iterate/*",
                  lambda r: js(r, SEGMENT_DESTINATIONS / "iterate" / r.request.url.rsplit("/", 1)[1]))
    context.route("https://cdn.segment.com/next-integrations/actions/688/*",
                  lambda r: js(r, SEGMENT_DESTINATIONS / "688" / r.request.url.rsplit("/", 1)[1]))
    context.route(f"https://cdn.segment.com/v1/projects/{WRITE_KEY}/settings",
                  lambda r: r.fulfill(status=200, body=json.dumps(segment_settings(iterate_api_key)),
                                      content_type="application/json",
                                      headers={"Access-Control-Allow-Origin": "*"}))
    context.route("https://api.segment.io/**",
                  lambda r: r.fulfill(status=200, body='{"success": true}', content_type="application/json",
                                      headers={"Access-Control-Allow-Origin": "*"}))

    def loader_js(route) -> None:
        seen.append(route.request.url)
        route.fulfill(status=200, body=loader, content_type="text/javascript")

    context.route("https://platform.iteratehq.com/loader.js", loader_js)
    return seen
