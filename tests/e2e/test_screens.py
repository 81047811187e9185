"""Issue 13: a screenshot of every step of every question type, light and dark, on a desktop
and a 390x844 phone (saved in tests/e2e/screens/, git-ignored, a CI artefact), and the
layout facts a visitor would notice: visible, inside the viewport, text of 12 px or more,
nothing over the close button, touch targets of 40 px or more on the phone."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

SCREENS = Path(__file__).resolve().parent / "screens"
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
PHONE_HEAD = "<meta name='viewport' content='width=device-width, initial-scale=1'>"

FACTS = r"""() => {
  const card = document.querySelector('.sondage-card');
  const r = card.getBoundingClientRect();
  const small = [...card.querySelectorAll('*')].filter(e => e.childNodes.length && [...e.childNodes]
      .some(n => n.nodeType === 3 && n.textContent.trim()) && parseFloat(getComputedStyle(e).fontSize) < 12)
      .map(e => e.className || e.tagName);
  const close = card.querySelector('.sondage-close').getBoundingClientRect();
  const onClose = document.elementFromPoint(close.x + close.width / 2, close.y + close.height / 2);
  const targets = [...card.querySelectorAll('button, input, select, textarea')]
      .filter(e => e.type !== 'hidden' && e.getBoundingClientRect().width)
      .map(e => { const b = e.getBoundingClientRect(); const label = e.closest('label');
                  const box = label ? label.getBoundingClientRect() : b;
                  return {name: e.className || e.type || e.tagName, w: box.width, h: box.height}; });
  const lum = (c) => { const [r, g, b] = c.match(/[\d.]+/g).slice(0, 3).map(v => v / 255)
      .map(v => v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
    return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const ratio = (a, b) => (Math.max(lum(a), lum(b)) + 0.05) / (Math.min(lum(a), lum(b)) + 0.05);
  const option = card.querySelector('.sondage-option');
  const boundary = option ? ratio(getComputedStyle(option).borderTopColor, getComputedStyle(card).backgroundColor) : 99;
  return {boundary, visible: r.width > 0 && r.height > 0,
          inside: r.left >= 0 && r.top >= 0 && r.right <= innerWidth + 0.5 && r.bottom <= innerHeight + 0.5,
          small, closeFree: onClose && onClose.closest('.sondage-close') !== null, targets};
}"""


def layout_problems(host, frame, device: str, what: str) -> list[str]:
    """What a visitor would notice is wrong with the step on screen."""
    facts = frame.evaluate(FACTS)
    box = host.page.locator("iframe[title=Survey]").bounding_box()
    problems = []
    if not (facts["visible"] and facts["inside"] and box["x"] >= 0
            and box["x"] + box["width"] <= VIEWPORTS[device]["width"] + 0.5):
        problems.append(f"{what}: not wholly on screen")
    if facts["small"]:
        problems.append(f"{what}: text under 12 px: {facts['small']}")
    if facts["boundary"] < 3:
        problems.append(f"{what}: option borders at {facts['boundary']:.1f}:1 (WCAG asks 3:1)")
    if not facts["closeFree"]:
        problems.append(f"{what}: something covers the close button")
    tiny = [t for t in facts["targets"] if t["h"] < 40 or t["w"] < 40]
    if device == "phone" and tiny:
        problems.append(f"{what}: touch targets under 40 px: {tiny}")
    return problems


def answer_step(survey, page) -> None:
    """Answer whatever step is on screen the simplest valid way."""
    form = survey.locator("form[data-type]")
    kind = form.get_attribute("data-type")
    if kind in ("nps", "rating", "csat", "yes_no") or (kind == "single_choice"
                                                       and survey.locator("button[data-value]").count()):
        survey.locator("button[data-value]").first.click()
        return
    if kind == "single_choice":
        survey.locator("label").first.click()
    elif kind == "multiple_choice":
        survey.locator("label").nth(0).click()
        survey.locator("label").nth(1).click()
    elif kind == "dropdown":
        survey.locator("select").select_option(index=1)
    elif kind == "email":
        survey.locator("input[name=value]").fill("a@example.com")
    elif kind == "number":
        survey.locator("input[name=value]").fill("2")
    elif kind == "date":
        survey.locator("input[type=date]").fill("2026-05-01")
    elif kind == "short_text":
        survey.locator("input[name=value]").fill("words")
    else:
        survey.locator("textarea").fill("words")
    survey.locator("button[type=submit]").click()


def on_device(host, browser, device):
    """A browser context on ``device`` (a phone: mobile and touch) with the host's page in it."""
    SCREENS.mkdir(exist_ok=True)
    phone = device == "phone"
    context = browser.new_context(viewport=VIEWPORTS[device], is_mobile=phone, has_touch=phone)
    host.page = context.new_page()
    return context


@pytest.mark.parametrize("survey_id", ["e2e-types", "e2e-types-dark"])
@pytest.mark.parametrize("device", sorted(VIEWPORTS))
def test_every_type_looks_right(host, browser, survey_id, device):
    context = on_device(host, browser, device)
    try:
        host.open("<h1>Screens</h1>", api_key="e2e-types", install_on_load=False,
                  head=PHONE_HEAD if device == "phone" else "")
        host.page.evaluate(f"Iterate('install', '{survey_id}')")
        survey = host.survey()
        expect(survey.locator(".sondage-prompt")).to_be_visible(timeout=30000)
        frame = host.page.locator("iframe[title=Survey]").element_handle().content_frame()
        problems: list[str] = []
        answered = ""
        for step in range(20):
            # Wait for what follows the step just answered: the next question, or the thank-you.
            # (Checking once for the thank-you raced its drawing; the old form could still be there.)
            after = f":not([data-question='{answered}'])" if answered else ""
            survey.locator(f"form[data-type]{after}, .sondage-thanks").first.wait_for(timeout=30000)
            if survey.locator(".sondage-thanks").count():
                break
            form = survey.locator("form[data-type]")
            kind, answered = form.get_attribute("data-type"), form.get_attribute("data-question")
            frame.evaluate("Promise.all(document.getAnimations().map(a => a.finished))")
            host.page.screenshot(path=str(SCREENS / f"{survey_id}-{device}-{step:02d}-{kind}.png"))
            problems += layout_problems(host, frame, device, kind)
            answer_step(survey, host.page)
        expect(survey.locator(".sondage-thanks")).to_be_visible()
        host.page.screenshot(path=str(SCREENS / f"{survey_id}-{device}-thanks.png"))
        assert problems == []
    finally:
        context.close()


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("device", sorted(VIEWPORTS))
def test_every_position_looks_right(host, browser, device, theme):
    from .conftest import POSITIONS

    context = on_device(host, browser, device)
    problems: list[str] = []
    try:
        host.open("<h1>Positions</h1><div id='survey-slot'></div><p>after</p>", api_key="e2e-look",
                  install_on_load=False, head=PHONE_HEAD if device == "phone" else "")
        for position in POSITIONS:
            host.page.evaluate(f"Iterate('install', 'pos-{position}-{theme}')")
            survey = host.survey()
            expect(survey.locator(".sondage-prompt")).to_have_text("Where am I?", timeout=30000)
            frame = host.page.locator("iframe[title=Survey]").element_handle().content_frame()
            frame.evaluate("Promise.all(document.getAnimations().map(a => a.finished))")
            host.page.screenshot(path=str(SCREENS / f"position-{position}-{theme}-{device}.png"))
            problems += layout_problems(host, frame, device, position)
            survey.locator("[data-action=close]").click()
            expect(host.page.locator("iframe[title=Survey]")).to_be_hidden()
    finally:
        context.close()
    assert problems == []
