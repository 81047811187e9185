"""The studio in Chromium, as a marketer uses it: from an empty surveys folder, sign in, create
an NPS survey with a custom attribute name, target it at an event (the error next to the field
while it has none), save, publish, and see it on the demo shop after the event; the answer
reaches the collector under that name and shows on the dashboard. Once with the mouse, once
with the keyboard only."""

from __future__ import annotations

import re
import shutil
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from build.bundle import build
from build.survey_files import read_survey_file
from sondage.collector.config import CollectorConfig
from sondage.collector.server import start
from tests.conftest import ROOT, wait_until
from tests.unit.test_studio import HAND_WRITTEN as UNIT_HAND_WRITTEN

pytestmark = pytest.mark.e2e
TOKEN = "studio-e2e-token"
SITE = "studio-shop"


@pytest.fixture(scope="module")
def runtime_bundle(tmp_path_factory) -> Path:
    """A bundle whose runtime the studio publishes into: built once from another site's survey
    (its loader finds the server it is served from)."""
    seed = tmp_path_factory.mktemp("seed")
    (seed / "seed.yaml").write_text("id: seed\nsite: seed-site\nname: Seed\ntrigger: {type: manual}\n"
                                    "questions:\n  - {id: q, type: yes_no, prompt: \"Seed?\"}\n")
    return build(seed, tmp_path_factory.mktemp("studio-bundle") / "dist").out


@pytest.fixture
def shop(runtime_bundle, tmp_path):
    """The runtime origin with the studio on an empty surveys folder, and the demo shop."""
    bundle = tmp_path / "dist"
    shutil.copytree(runtime_bundle, bundle)
    surveys = tmp_path / "surveys"
    surveys.mkdir()
    running = start(bundle, port=0, db=tmp_path / "answers.db", demo=ROOT / "examples" / "site", demo_port=0,
                    demo_api_key=SITE, config=CollectorConfig(admin_token=TOKEN), surveys=surveys,
                    integrations=tmp_path / "integrations.yaml")
    yield running, surveys
    running.stop()


def sign_in(page: Page, runtime_url: str, keyboard: bool) -> None:
    page.goto(runtime_url + "studio")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    if keyboard:
        page.keyboard.press("Tab")          # skip link
        focus_on(page, "#token")
        page.keyboard.type(TOKEN)
        page.keyboard.press("Enter")
    else:
        page.get_by_label("Admin token").fill(TOKEN)
        page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Surveys")).to_be_visible()


def focus_on(page: Page, selector: str, limit: int = 400) -> None:
    """Tab until ``selector`` has the focus, as a person with only a keyboard does."""
    for _ in range(limit):
        if page.evaluate("s => document.activeElement === document.querySelector(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} never got the focus by Tab")


def fill(page: Page, selector: str, text: str, keyboard: bool) -> None:
    if keyboard:
        focus_on(page, selector)
        page.keyboard.press("Control+A")
        page.keyboard.type(text)
    else:
        page.locator(selector).fill(text)


def choose(page: Page, selector: str, value: str, keyboard: bool) -> None:
    if keyboard:
        focus_on(page, selector)
        options = page.locator(selector).evaluate("s => [...s.options].map(o => o.value)")
        current = page.locator(selector).evaluate("s => s.selectedIndex")
        steps = options.index(value) - current
        for _ in range(abs(steps)):
            page.keyboard.press("ArrowDown" if steps > 0 else "ArrowUp")
    else:
        page.locator(selector).select_option(value)
    expect(page.locator(selector)).to_have_value(value)


def press(page: Page, selector: str, keyboard: bool) -> None:
    if keyboard:
        focus_on(page, selector)
        page.keyboard.press("Enter")
    else:
        page.locator(selector).click()


@pytest.mark.parametrize("keyboard", [False, True], ids=["mouse", "keyboard"])
def test_a_marketer_creates_targets_publishes_and_a_visitor_answers(browser, shop, keyboard):
    running, surveys = shop
    context = browser.new_context()
    page = context.new_page()
    try:
        sign_in(page, running.runtime_url, keyboard)
        expect(page.get_by_text("No surveys yet")).to_be_visible()
        # Create from the NPS template.
        choose(page, "#new-template", "nps", keyboard)
        fill(page, "#new-name", "Shop NPS", keyboard)
        fill(page, "#new-id", "shop-nps", keyboard)
        fill(page, "#new-site", SITE, keyboard)
        press(page, "#new-survey button[type=submit]", keyboard)
        expect(page.get_by_role("heading", name="Edit shop-nps.yaml")).to_be_visible()
        assert (surveys / "shop-nps.yaml").is_file()
        # The live preview, drawn by the runtime's renderer, follows the edit.
        preview = page.frame_locator("#preview")
        expect(preview.locator(".sondage-prompt")).to_have_text("How likely are you to recommend us to a friend?")
        fill(page, "#f-questions-0-prompt", "How likely are you to recommend our shop?", keyboard)
        expect(preview.locator(".sondage-prompt")).to_have_text("How likely are you to recommend our shop?")
        choose(page, "#preview-look", "center.dark", keyboard)
        expect(preview.locator(".sondage-card")).to_have_attribute("data-theme", "dark")
        # The custom attribute name of the NPS question.
        fill(page, "#f-questions-0-label", "shop_nps_score", keyboard)
        # Target an event: until it is named, the error stands next to the field, in check's words.
        choose(page, "#f-trigger-type", "event", keyboard)
        expect(page.locator("#f-trigger-event-error")).to_have_text("an event trigger needs `event`")
        expect(page.locator("#problem")).to_have_text("shop-nps.yaml: trigger.event: an event trigger needs `event`")
        fill(page, "#f-trigger-event", "demo-clicked", keyboard)
        expect(page.locator("#f-trigger-event-error")).to_have_text("")
        expect(page.locator("#problem")).to_have_text("")
        choose(page, "#f-status", "published", keyboard)
        choose(page, "#f-frequency", "always", keyboard)
        expect(page.locator("#words")).to_contain_text("Shows when the event 'demo-clicked' fires.")
        press(page, "#save", keyboard)
        expect(page.get_by_text("Saved shop-nps.yaml")).to_be_visible()
        # Who sees it? The runtime's own targeting decides, with its reason.
        fill(page, "#who-event", "demo-clicked", keyboard)
        press(page, "#who button[type=submit]", keyboard)
        expect(page.locator("#who-result")).to_have_text("Shown: eligible")
        fill(page, "#who-event", "other-event", keyboard)
        press(page, "#who button[type=submit]", keyboard)
        expect(page.locator("#who-result")).to_contain_text("Not shown:")
        survey = read_survey_file(surveys / "shop-nps.yaml").survey
        assert survey.trigger.event == "demo-clicked" and survey.questions[0].label == "shop_nps_score"
        assert (surveys / "shop-nps.yaml").read_text().startswith("# Net Promoter Score")
        # Publish, from the publish tab; its codes are there to copy.
        page.get_by_role("link", name="Publish tab").first.click() if not keyboard else \
            (focus_on(page, "a.button.secondary"), page.keyboard.press("Enter"))
        expect(page.get_by_label("Page snippet (once per page)")).to_have_value(re.compile(f'"apiKey": "{SITE}"'))
        started = time.monotonic()
        press(page, "#publish", keyboard)
        expect(page.locator("#published")).to_contain_text("Published 1 survey(s) of studio-shop")
        published_in = time.monotonic() - started
        # A visitor on the demo shop fires the event and answers.
        shop_page = context.new_page()
        shop_page.goto(running.site_url)
        shop_page.locator("#add-to-cart").click()
        widget = shop_page.frame_locator("iframe[title=Survey]")
        expect(widget.locator(".sondage-prompt")).to_have_text("How likely are you to recommend our shop?",
                                                               timeout=60000)
        widget.locator("button[data-value='9']").click()
        stored = wait_until(shop_page, lambda: [r for r in running.store.list(site=SITE)
                                                 if r.get("label") == "shop_nps_score"], "the answer stored")
        assert stored[0]["response_int"] == 9 and stored[0]["survey_id"] == "shop-nps"
        # The dashboard, reached from the studio's navigation with the same session.
        page.goto(running.runtime_url + "dashboard?site=" + SITE)
        expect(page.locator("body")).to_contain_text("Shop NPS")
        expect(page.locator("body")).to_contain_text("How likely are you to recommend our shop?")
        print(f"publish (click to page shown): {published_in:.2f} s")
    finally:
        context.close()


def test_a_forged_cross_site_post_is_refused_in_the_browser(browser, shop, tmp_path):
    """A page of another origin posts a form to the studio while the person is signed in: the
    cookie is SameSite=Strict and the studio checks the origin and the CSRF token; nothing is created."""
    running, surveys = shop
    context = browser.new_context()
    page = context.new_page()
    try:
        sign_in(page, running.runtime_url, keyboard=False)
        evil = (f"<form id=f method=post action='{running.runtime_url}studio/new'>"
                f"<input name=template value=blank><input name=id value=forged><input name=site value={SITE}>"
                "<input name=name value=Forged></form><script>document.getElementById('f').submit()</script>")
        page.goto(running.site_url)         # another origin (127.0.0.1 against localhost)
        page.set_content(evil)
        page.wait_for_url(f"{running.runtime_url}studio/new")
        expect(page.locator("body")).to_contain_text("sign in to the studio first")
        assert not (surveys / "forged.yaml").exists()
    finally:
        context.close()


AXE = (ROOT / "node_modules" / "axe-core" / "axe.min.js").read_text()


def serious_problems(page: Page) -> list[str]:
    """axe-core's serious and critical findings on the page (and its same-origin frames)."""
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.evaluate(AXE)
    return page.evaluate("""() => axe.run(document).then(r => r.violations
        .filter(v => v.impact === 'serious' || v.impact === 'critical')
        .map(v => v.id + ' ' + v.impact + ': ' + v.nodes.map(n => n.target.join(' ')).join(', ')))""")


def test_every_studio_page_passes_axe_core(browser, shop):
    running, surveys = shop
    (surveys / "checkout.yaml").write_text(
        "# hand-written\nid: checkout\nsite: studio-shop\nname: Checkout\ntrigger: {event: bought}\n"
        "questions:\n  - {id: score, type: nps, prompt: \"Recommend us?\", label: nps}\n"
        "  - {id: pick, type: single_choice, prompt: \"Which?\", choices: [A, B]}\n")
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(running.runtime_url + "studio")
        assert serious_problems(page) == []                          # the sign-in page
        sign_in(page, running.runtime_url, keyboard=False)
        assert serious_problems(page) == []                          # the surveys
        page.goto(running.runtime_url + "studio/edit/checkout.yaml")
        expect(page.frame_locator("#preview").locator(".sondage-prompt")).to_have_text("Recommend us?")
        assert serious_problems(page) == []                          # the editor, with its preview
        page.fill("#f-questions-0-prompt", "")
        expect(page.locator("#f-questions-0-prompt-error")).to_have_text("must not be empty")
        assert serious_problems(page) == []                          # ... with an error on a field
        page.goto(running.runtime_url + "studio/publish/checkout.yaml")
        assert serious_problems(page) == []                          # the publish tab
        page.goto(running.runtime_url + "studio/site/studio-shop")
        expect(page.get_by_role("heading", name="Settings of studio-shop (sites.yaml)")).to_be_visible()
        assert serious_problems(page) == []                          # the site's settings
        page.goto(running.runtime_url + "studio/integrations")
        expect(page.get_by_role("heading", name="Integrations")).to_be_visible()
        assert serious_problems(page) == []                          # the integrations
    finally:
        context.close()


LIVE = """\
# A live survey, edited in the studio while visitors answer it.
id: live
site: studio-shop
name: Live survey
trigger: {type: event, event: demo-clicked}
frequency: until_responded
questions:
  - {id: score, type: nps, prompt: "Before the edit?"}
"""


def publish_all(page: Page, runtime_url: str) -> None:
    page.goto(runtime_url + "studio")
    page.locator("#publish-all").click()
    expect(page.get_by_role("status")).to_contain_text("Published")


def test_an_edit_of_a_live_survey_reaches_the_next_page_view_and_keeps_visitors_history(browser, shop):
    running, surveys = shop
    (surveys / "live.yaml").write_text(LIVE)
    studio_context, visitor_context, newcomer_context = (browser.new_context() for _ in range(3))
    try:
        marketer = studio_context.new_page()
        sign_in(marketer, running.runtime_url, keyboard=False)
        publish_all(marketer, running.runtime_url)
        # A visitor answers the survey.
        visitor = visitor_context.new_page()
        console: list[str] = []
        visitor.on("console", lambda m: console.append(m.text))
        visitor.goto(running.site_url)
        visitor.locator("#add-to-cart").click()
        widget = visitor.frame_locator("iframe[title=Survey]")
        expect(widget.locator(".sondage-prompt")).to_have_text("Before the edit?", timeout=60000)
        widget.locator("button[data-value='8']").click()
        wait_until(visitor, lambda: running.store.list(site=SITE), "the answer stored")
        # The marketer changes the prompt and publishes.
        marketer.goto(running.runtime_url + "studio/edit/live.yaml")
        marketer.locator("#f-questions-0-prompt").fill("After the edit?")
        marketer.locator("#save").click()
        expect(marketer.get_by_text("Saved live.yaml")).to_be_visible()
        publish_all(marketer, running.runtime_url)
        assert (surveys / "live.yaml").read_text() == LIVE.replace("Before the edit?", "After the edit?")
        # A new visitor's next page view shows the new version ...
        newcomer = newcomer_context.new_page()
        newcomer.goto(running.site_url)
        newcomer.locator("#add-to-cart").click()
        expect(newcomer.frame_locator("iframe[title=Survey]").locator(".sondage-prompt")).to_have_text(
            "After the edit?", timeout=60000)
        # ... and the visitor who answered is not asked again: their history is the survey's, by id.
        visitor.reload()
        visitor.wait_for_load_state("load")
        visitor.evaluate("Iterate('event', 'demo-clicked'); Iterate('debug')")
        wait_until(visitor, lambda: [m for m in console if "live [event 'demo-clicked']: not shown: frequency "
                                     "until_responded: this visitor already answered" in m], "the runtime's reason")
        expect(visitor.locator("iframe[title=Survey]")).to_be_hidden()
    finally:
        for context in (studio_context, visitor_context, newcomer_context):
            context.close()


# The unit tests' hand-written file, on this test's site.
HAND_WRITTEN = UNIT_HAND_WRITTEN.replace("site: shop\n", "site: studio-shop\n")


def test_two_tabs_on_one_survey_and_a_hand_written_file_saved_as_it_was(browser, shop):
    running, surveys = shop
    (surveys / "checkout.yaml").write_text(HAND_WRITTEN)
    context = browser.new_context()
    try:
        first = context.new_page()
        sign_in(first, running.runtime_url, keyboard=False)
        second = context.new_page()
        for tab in (first, second):
            tab.goto(running.runtime_url + "studio/edit/checkout.yaml")
            expect(tab.locator("#f-name")).to_have_value("Checkout NPS")
        first.locator("#save").click()                       # saved as it was: not a byte changes
        expect(first.get_by_text("No change to save")).to_be_visible()
        assert (surveys / "checkout.yaml").read_text() == HAND_WRITTEN
        first.locator("#f-name").fill("Checkout NPS (first tab)")
        first.locator("#save").click()
        expect(first.get_by_text("Saved checkout.yaml")).to_be_visible()
        second.locator("#f-name").fill("Checkout NPS (second tab)")
        second.locator("#save").click()
        expect(second.locator("#conflict")).to_contain_text("changed on disk since you opened it")
        expect(second.locator("#conflict-disk")).to_contain_text("name: Checkout NPS (first tab)")
        expect(second.locator("#conflict-ours")).to_contain_text("name: Checkout NPS (second tab)")
        assert (surveys / "checkout.yaml").read_text() == HAND_WRITTEN.replace(
            "name: Checkout NPS\n", "name: Checkout NPS (first tab)\n")
    finally:
        context.close()


def test_the_unsaved_survey_is_tried_in_the_real_runtime_from_the_editor(browser, shop):
    running, surveys = shop
    (surveys / "checkout.yaml").write_text(HAND_WRITTEN)
    context = browser.new_context()
    try:
        page = context.new_page()
        sign_in(page, running.runtime_url, keyboard=False)
        page.goto(running.runtime_url + "studio/edit/checkout.yaml")
        page.locator("#f-questions-0-prompt").fill("Tried before it is saved?")
        page.locator("#try summary").click()
        page.locator("#try-button").click()
        widget = page.frame_locator("#runtime-stage").frame_locator("iframe[title=Survey]")
        expect(widget.locator(".sondage-prompt")).to_have_text("Tried before it is saved?", timeout=60000)
        widget.locator("button[data-value='7']").click()             # the real runtime: skip logic, next step
        expect(widget.locator(".sondage-prompt")).to_have_text("Why?")
        assert "Tried before" not in (surveys / "checkout.yaml").read_text()     # nothing saved
        assert running.store.list(limit=10) == []                                # nor kept
        # The try-out's files are only in memory, under a key only this editor knows.
        key = page.frame_locator("#runtime-stage").locator("body").evaluate("() => location.pathname")
        assert key.startswith("/studio/stage/studio-preview.")
        assert not list(surveys.parent.rglob("*studio-preview*"))          # neither the bundle nor the folder
        with pytest.raises(urllib.error.HTTPError) as refused:              # the stage: only with the session
            urllib.request.urlopen(running.runtime_url + key.lstrip("/"))
        assert refused.value.code == 401
        refused.value.close()            # its response's socket (left to the GC, a ResourceWarning later)
    finally:
        context.close()
