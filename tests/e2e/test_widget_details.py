"""Issue 25, item 7, the widget's part: what a visitor saw wrong in the screenshots.

- the first option, focused when the survey opens, looked already chosen (the brand fill);
- the card's shadow was cut off by the frame's edges (a grey rectangle on the page);
- the survey's own page used the browser's default serif font.
"""

from __future__ import annotations

import base64

import pytest
from playwright.sync_api import expect

from .conftest import POSITIONS

VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
PHONE_HEAD = "<meta name='viewport' content='width=device-width, initial-scale=1'>"

OPTION_LOOK = """() => {
  const look = (e) => { const s = getComputedStyle(e);
    return {background: s.backgroundColor, color: s.color, outline: s.outlineStyle + ' ' + s.outlineWidth}; };
  const [focused, plain, chosen] = document.querySelectorAll('.sondage-option');
  chosen.setAttribute('aria-checked', 'true');   // as a pick shows before the runtime is up
  return {focusedIsFirst: document.activeElement === focused, focusVisible: focused.matches(':focus-visible'),
          focused: look(focused), plain: look(plain), chosen: look(chosen)};
}"""


@pytest.mark.parametrize("survey_id", ["e2e-types", "e2e-types-dark"])
def test_the_focused_option_is_ringed_not_filled_like_a_chosen_one(host, survey_id):
    host.open("<h1>Focus</h1>", api_key="e2e-types", install_on_load=False)
    page = host.page
    page.evaluate(f"Iterate('install', '{survey_id}')")     # with the visitor's gesture: it takes the focus
    survey = host.survey()
    expect(survey.locator(".sondage-prompt")).to_have_text("How likely?", timeout=30000)
    page.wait_for_function("document.activeElement && document.activeElement.tagName === 'IFRAME'")
    page.keyboard.press("ArrowRight")                       # the keyboard moves in the scale ...
    page.keyboard.press("ArrowLeft")                        # ... and back to the first option
    frame = page.locator("iframe[title=Survey]").element_handle().content_frame()
    frame.evaluate("Promise.all(document.getAnimations().map(a => a.finished))")
    look = frame.evaluate(OPTION_LOOK)
    assert look["focusedIsFirst"] and look["focusVisible"], look
    assert look["focused"]["background"] == look["plain"]["background"], look      # not filled ...
    assert look["focused"]["color"] == look["plain"]["color"], look
    assert look["focused"]["background"] != look["chosen"]["background"], look     # ... as a chosen one is
    assert look["focused"]["outline"].startswith("solid"), look                     # but ringed


EDGES = """async ([png, box, width, height]) => {
  const img = new Image();
  img.src = 'data:image/png;base64,' + png;
  await img.decode();
  const canvas = document.createElement('canvas');
  canvas.width = img.width; canvas.height = img.height;
  const g = canvas.getContext('2d');
  g.drawImage(img, 0, 0);
  // How far from the page's white the darkest pixel of a 2 px band is (0: pure white).
  const darkest = (x, y, w, h) => { const d = g.getImageData(x, y, Math.max(1, w), Math.max(1, h)).data;
    let m = 0; for (let i = 0; i < d.length; i += 4) m = Math.max(m, 255 - d[i], 255 - d[i + 1], 255 - d[i + 2]);
    return m; };
  const left = Math.ceil(box.x), top = Math.ceil(box.y);
  const right = Math.floor(box.x + box.width), bottom = Math.floor(box.y + box.height);
  const out = {};
  // Only the frame's sides that face the page: one on the screen's edge cuts nothing visible.
  if (left > 0) out.left = darkest(left, top, 2, bottom - top);
  if (right < width) out.right = darkest(right - 2, top, 2, bottom - top);
  if (top > 0) out.top = darkest(left, top, right - left, 2);
  if (bottom < height) out.bottom = darkest(left, bottom - 2, right - left, 2);
  return out;
}"""


@pytest.mark.parametrize("device", sorted(VIEWPORTS))
def test_the_cards_shadow_fades_out_inside_the_frame(host, browser, device):
    phone = device == "phone"
    context = browser.new_context(viewport=VIEWPORTS[device], is_mobile=phone, has_touch=phone)
    host.page = page = context.new_page()
    try:
        host.open("<style>html,body{background:#fff}</style><h1>Shadow</h1><div id='survey-slot'></div><p>after</p>",
                  api_key="e2e-look", install_on_load=False, head=PHONE_HEAD if phone else "")
        frame = page.locator("iframe[title=Survey]")
        faded: dict[str, dict[str, int]] = {}
        for position in POSITIONS:
            if position == "center":
                continue                      # the frame is the whole screen: nothing to cut
            for theme in ("light", "dark"):
                page.evaluate(f"Iterate('install', 'pos-{position}-{theme}')")
                survey = host.survey()
                expect(survey.locator(".sondage-prompt")).to_have_text("Where am I?", timeout=30000)
                inner = frame.element_handle().content_frame()
                inner.evaluate("Promise.all(document.getAnimations().map(a => a.finished))")
                png = base64.b64encode(page.screenshot(scale="css")).decode()
                edges = page.evaluate(EDGES, [png, frame.bounding_box(), VIEWPORTS[device]["width"],
                                              VIEWPORTS[device]["height"]])
                assert edges, f"{position}: no side of the frame faces the page"
                faded[f"{position}-{theme}"] = edges
                page.keyboard.press("Escape")     # the survey has the focus (opened with a gesture)
                expect(frame).to_be_hidden()
    finally:
        context.close()
    # Where the frame ends, the shadow has faded to the page's own white (2 of 255: rounding).
    assert {k: v for k, v in faded.items() if max(v.values()) > 2} == {}, faded


def test_the_surveys_own_page_uses_a_system_font_not_the_browsers_serif(host, servers):
    page = host.page
    page.goto(servers.runtime_url + "s/e2e-vendors/e2e-vendor-nps/")
    survey = page.frame_locator("iframe[title=Survey]")
    expect(survey.locator(".sondage-prompt")).to_be_visible(timeout=30000)
    body_font = page.evaluate("getComputedStyle(document.body).fontFamily")
    card_font = survey.locator(".sondage-card").evaluate("e => getComputedStyle(e).fontFamily")
    for font in (body_font, card_font):
        first = font.split(",")[0].strip().strip("'\"").lower()
        assert first == "system-ui", (body_font, card_font)
        assert "times" not in font.lower() and not font.lower().rstrip().endswith(" serif"), font
