"""The example extensions (examples/extensions) in Chromium: a slider question type and a
webhook forwarder, loaded by the visitor's Pyodide from the bundle only when the survey that
needs them shows; the slider used with the keyboard, its answer stored by the collector and
POSTed to the webhook; an extension that cannot load is named, and the page goes on."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import ExtensionSite, Host, host_in, wait_until
from tests.e2e.test_accessibility import serious_problems, widget_frame
from tests.e2e.test_spine import wait_for_rows

SITE = "ext-demo-key"


@pytest.fixture
def ext_host(browser, ext_site, request) -> Iterator[Host]:
    yield from host_in(browser, ext_site.site_url, ext_site.running.runtime_url, ext_site.folder, request.node.name)


def _zip_files(ext_site: ExtensionSite, name: str) -> list[Path]:
    return sorted((ext_site.bundle.out / "ext").glob(f"{name}-*.zip*"))


def test_the_slider_loads_when_its_survey_shows_and_its_answer_reaches_the_collector_and_the_webhook(
        ext_host, ext_site):
    ext_host.open("<h1>Orders</h1>", api_key=SITE)
    survey = ext_host.survey()
    slider = survey.locator("input[type=range][name=value]")
    expect(slider).to_be_visible(timeout=30000)
    expect(survey.locator(".sondage-prompt")).to_have_text("How many days did your delivery take?")
    assert slider.get_attribute("min") == "1" and slider.get_attribute("max") == "14"
    assert serious_problems(widget_frame(ext_host)) == []          # axe-core, in the widget's document
    # Both extensions came from the bundle: the slider (its type) and the webhook (the site's forwarder).
    fetched = [u for u in ext_host.requests if "/ext/" in u]
    assert sorted(u.rsplit("/", 1)[1].split("-")[0] for u in fetched) == ["sondage_slider", "sondage_webhook"]
    # With the keyboard: the slider starts at 3; two steps right, then Tab to the button and Enter.
    slider.focus()
    ext_host.page.keyboard.press("ArrowRight")
    ext_host.page.keyboard.press("ArrowRight")
    assert slider.input_value() == "5"
    expect(survey.locator("output")).to_have_text("5")      # the value shown as it moves
    ext_host.page.keyboard.press("Tab")
    assert survey.locator(":focus").get_attribute("data-action") == "submit"
    ext_host.page.keyboard.press("Enter")
    expect(survey.locator("textarea")).to_be_visible()     # question 2, a built-in type
    [row] = wait_for_rows(ext_site.running.store, 1, survey_id="delivery", question_id="days")
    assert row["response"] == 5 and row["url"] == ext_host.page.url
    wait_until(ext_host.page, lambda: ext_site.webhook.got, "the extension forwarder's webhook")
    sent = json.loads(ext_site.webhook.got[-1]["body"])
    assert sent["survey_id"] == "delivery" and sent["question_id"] == "days" and sent["response"] == 5
    assert sent["id"] == row["id"]            # the same record the collector stored
    assert not [m for m in ext_host.console if "Sondage" in m or m.startswith("pageerror")], ext_host.console


def test_a_value_the_extension_refuses_shows_its_message(ext_host):
    ext_host.open("<h1>Orders</h1>", api_key=SITE, path="refused")
    survey = ext_host.survey()
    slider = survey.locator("input[type=range][name=value]")
    expect(slider).to_be_visible(timeout=30000)
    # What a tampered or broken form could send: the extension's parse() refuses it.
    slider.evaluate("e => { e.type = 'text'; e.value = '99'; }")
    survey.locator("button[data-action=submit]").click()
    expect(survey.locator(".sondage-error")).to_have_text("choose a value from 1 to 14")
    expect(survey.locator(".sondage-prompt")).to_have_text("How many days did your delivery take?")


def test_an_extension_that_cannot_load_is_named_and_the_page_goes_on(ext_host, ext_site, tmp_path):
    files = _zip_files(ext_site, "sondage_slider")
    assert files
    for f in files:                      # the zip missing from the bundle: HTTP 404
        f.rename(tmp_path / f.name)
    try:
        ext_host.open("<h1>Orders</h1><button id=b onclick=\"this.textContent='still works'\">b</button>",
                      api_key=SITE, path="missing")
        ext_host.wait_for_warning("its extension sondage_slider did not load", timeout_ms=30000)
        warning = next(m for m in ext_host.console if "did not load" in m)
        assert "survey 'delivery' is not shown" in warning and "HTTP 404" in warning, warning
        expect(ext_host.page.locator("iframe[title=Survey]")).to_be_hidden()
        ext_host.page.click("#b")
        expect(ext_host.page.locator("#b")).to_have_text("still works")
        assert not [m for m in ext_host.console if m.startswith("pageerror")]
    finally:
        for f in files:
            (tmp_path / f.name).rename(f)
