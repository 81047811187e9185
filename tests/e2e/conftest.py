"""One build and one browser for the whole session; the host page and the runtime on
different origins (127.0.0.1 vs localhost), as on a real site."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from sondage.build.bundle import BuildResult, build
from sondage.server import Running, serve_site, start
from sondage.snippet import snippet

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-gpu", "--no-first-run"]


def chromium_path() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    pytest.exit("Debian's chromium is not installed: run `make test` (it installs it)", returncode=2)


@pytest.fixture(scope="session")
def survey_dir(tmp_path_factory) -> Path:
    """The demo's surveys plus the e2e site's."""
    surveys = tmp_path_factory.mktemp("surveys")
    for folder in (ROOT / "examples" / "surveys", HERE / "surveys"):
        for f in folder.glob("*.yaml"):
            shutil.copy(f, surveys / f.name)
    return surveys


@pytest.fixture(scope="session")
def bundle(survey_dir, tmp_path_factory) -> BuildResult:
    return build(survey_dir, tmp_path_factory.mktemp("bundle") / "dist")


@pytest.fixture(scope="session")
def servers(bundle, tmp_path_factory) -> Iterator[Running]:
    running = start(bundle.out, port=0, demo=ROOT / "examples" / "site", demo_port=0,
                    db=tmp_path_factory.mktemp("db") / "answers.db")
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
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
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


@pytest.fixture
def host(browser, servers, pages, request) -> Iterator[Host]:
    context = browser.new_context()
    page = context.new_page()
    console: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
    page.on("request", lambda r: requests.append(r.url))
    folder, site_url = pages
    yield Host(page, site_url, servers.runtime_url, console, requests, folder, request.node.name)
    context.close()
