"""Issue 25, item 4: who decides that a survey takes the keyboard focus (Python, from facts the
loader passes), and what a screen reader is told of a survey that appears on its own."""

from runtime.embed import Runtime

from .test_embed import new_runtime, of, ui


def command(rt: Runtime, name: str, *args, active: bool = False):
    """A command as the loader posts it: ``active`` is navigator.userActivation.isActive at the call."""
    return rt.handle({"type": "command", "name": name, "args": list(args), "active": active})


def test_a_survey_that_appears_on_its_own_is_announced_and_leaves_the_focus_alone(site_data, clock):
    rt, _ = new_runtime(site_data, clock)
    # An event fired from the visitor's own click is still not a request for the survey.
    [mount] = of(command(rt, "event", "bought", active=True), "mount")
    assert mount["focus"] is False
    assert mount["announce"] == "How likely?" and mount["language"] == "en"
    # The next step follows the visitor's own action in the widget: it takes the focus, said once.
    [step] = of(ui(rt, "answer", "score", value="9"), "mount")
    assert step["focus"] is True and step["announce"] == ""


def test_a_page_view_survey_is_announced_with_its_intro(site_data, clock):
    site_data["surveys"][2]["intro"] = "Two seconds of your time."
    rt, _ = new_runtime(site_data, clock)
    [mount] = of(command(rt, "install"), "mount")
    assert mount["survey_id"] == "welcome" and mount["focus"] is False
    assert mount["announce"] == "Two seconds of your time. Rate us"


def test_install_from_the_visitors_click_takes_the_focus(site_data, clock):
    rt, _ = new_runtime(site_data, clock)
    [mount] = of(command(rt, "install", "manual", active=True), "mount")
    assert mount["focus"] is True and mount["announce"] == ""


def test_install_without_the_visitors_gesture_is_announced_instead(site_data, clock):
    rt, _ = new_runtime(site_data, clock)
    # From a timer, a fetch's answer, a queued call: the fact is false (or missing).
    [mount] = of(command(rt, "install", "manual"), "mount")
    assert mount["focus"] is False and mount["announce"] == "Pick"
    ui(rt, "close", "pick")
    [again] = of(rt.handle({"type": "command", "name": "install", "args": ["manual"], "active": "yes"}), "mount")
    assert again["focus"] is False                                 # only a true boolean is the fact


def test_a_welcome_step_is_announced_as_plain_text(site_data, clock):
    site_data["surveys"][1]["welcome"] = {"text": "Help us with **one** [question](https://x.test/)."}
    rt, _ = new_runtime(site_data, clock)
    [mount] = of(command(rt, "install", "manual"), "mount")
    assert mount["announce"] == "Help us with one question."


def test_in_a_vendors_message_and_on_its_own_page_the_survey_is_what_the_visitor_opened(site_data, clock):
    for channel in ("braze-inapp", "clevertap-popup", "hosted"):
        rt = Runtime(clock=clock)
        rt.handle({"type": "init", "site_data": site_data, "collector": None, "storage": {},
                   "page": {"url": "https://shop.test/s/shop/nps/", "channel": channel}})
        [mount] = of(command(rt, "install", "nps"), "mount")
        assert mount["focus"] is True and mount["announce"] == "", channel
