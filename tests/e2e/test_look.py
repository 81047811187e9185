"""Issue 13: where the widget sits, how it looks, and that host CSS cannot move it."""

from __future__ import annotations

from playwright.sync_api import expect

HOSTILE = """<style>
  iframe { width: 100% !important; height: 40px !important; position: static !important; opacity: .5 !important;
           transform: scale(.5) !important; z-index: 0 !important; display: inline !important; }
  * { box-sizing: content-box !important; } div { padding: 30px !important; }
  html { zoom: 1; } body { transform: translateX(0); }
</style>"""
PAGE = "<h1 style='font-family: Georgia, serif'>Look</h1><div id='survey-slot'></div><p>after the slot</p>"


def show(host, survey_id: str, **open_args):
    host.open(HOSTILE + PAGE, api_key="e2e-look", install_on_load=False, **open_args)
    host.page.evaluate(f"Iterate('install', '{survey_id}')")
    frame = host.page.locator("iframe[title=Survey]")
    expect(host.survey().locator(".sondage-prompt")).to_be_visible(timeout=30000)
    return frame


def box(locator):
    return locator.evaluate("e => { const r = e.getBoundingClientRect(); return {x: r.x, y: r.y, w: r.width, "
                            "h: r.height, vw: innerWidth, vh: innerHeight, opacity: getComputedStyle(e).opacity, "
                            "position: getComputedStyle(e).position}; }")


def test_a_corner_survives_a_hostile_stylesheet(host):
    frame = show(host, "look-top-left")
    b = box(frame)
    assert b["position"] == "fixed" and b["opacity"] == "1"
    assert b["x"] == 0 and b["y"] == 0 and b["w"] == 420 and b["h"] > 100        # top-left, not in the flow
    card = host.survey().locator(".sondage-card")
    assert card.evaluate("e => getComputedStyle(e).borderTopLeftRadius") == "0px"
    host.page.screenshot(path=str(host.folder / "look-top-left.png"))


def test_centre_dark_over_a_backdrop(host):
    frame = show(host, "look-center")
    b = box(frame)
    assert (b["x"], b["y"], b["w"], b["h"]) == (0, 0, b["vw"], b["vh"])
    card = host.survey().locator(".sondage-card")
    assert card.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(29, 33, 48)"
    assert card.evaluate("e => getComputedStyle(e).borderTopColor") == "rgb(245, 158, 11)"   # dark_color
    c = box(card)
    assert abs((c["x"] + c["w"] / 2) - b["vw"] / 2) < 2                            # centred
    host.page.screenshot(path=str(host.folder / "look-center-dark.png"))


def test_bottom_bar_spans_the_page(host):
    frame = show(host, "look-bar")
    b = box(frame)
    assert b["x"] == 0 and b["w"] == b["vw"] and abs(b["y"] + b["h"] - b["vh"]) < 1


def test_inline_in_the_host_element(host):
    frame = show(host, "look-inline")
    b = box(frame)
    slot = host.page.locator("#survey-slot").bounding_box()
    assert b["position"] == "absolute" and b["h"] > 80
    assert (round(b["x"]), round(b["y"]), round(b["w"])) == (round(slot["x"]), round(slot["y"]), round(slot["width"]))
    after = host.page.locator("p", has_text="after the slot").bounding_box()
    assert after["y"] >= b["y"] + b["h"] - 1                                       # the page made room for it
    host.page.screenshot(path=str(host.folder / "look-inline.png"))


def test_on_a_phone_a_corner_is_a_full_width_sheet(host, browser, servers, pages):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        host.page = context.new_page()
        frame = show(host, "look-top-left", head="<meta name='viewport' content='width=device-width, initial-scale=1'>")
        b = box(frame)
        assert b["w"] == 390 and b["x"] == 0
        buttons = host.survey().locator(".sondage-option")
        assert min(buttons.evaluate_all("bs => bs.map(b => b.getBoundingClientRect().height)")) >= 36
        host.page.screenshot(path=str(host.folder / "look-phone.png"))
    finally:
        context.close()


def test_the_widget_inherits_the_host_font_unless_told(host):
    host.open("<body style='font-family: Georgia, serif'><h1>Fonts</h1></body>", api_key="e2e-look",
              install_on_load=False)
    host.page.evaluate("Iterate('install', 'look-inline')")       # font: inherit (the default)
    prompt = host.survey().locator(".sondage-prompt")
    expect(prompt).to_be_visible(timeout=30000)
    assert "Georgia" in prompt.evaluate("e => getComputedStyle(e).fontFamily")
