"""The survey's steps: a welcome step with a start button, the questions, a thank-you step
with an optional link that may close by itself; survey text in a small safe markdown."""

from runtime import markup

from .test_embed import new_runtime, of, ui


def test_markdown_subset_and_nothing_else():
    html = str(markup.render("**Hi** *you*, see [our terms](https://shop.test/terms) <img src=x onerror=alert(1)>"))
    assert "<strong>Hi</strong> <em>you</em>" in html
    assert '<a href="https://shop.test/terms" target="_blank" rel="noopener noreferrer">our terms</a>' in html
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<a" not in str(markup.render("[x](javascript:alert(1))"))
    assert "<a" not in str(markup.render('[x](https://a.test/" onmouseover="alert(1))'))


def test_welcome_step_then_questions_then_a_thank_you_that_closes_itself(site_data, clock):
    site_data["surveys"][0].update({
        "welcome": {"text": "Two quick questions, **no more**.", "button": "Go on"},
        "thank_you_link": {"text": "Our blog", "url": "https://shop.test/blog"}, "close_after": 4})
    rt, _ = new_runtime(site_data, clock)
    [mount] = of(rt.command("event", ["bought"]), "mount")
    assert "<strong>no more</strong>" in mount["html"] and "Go on" in mount["html"]
    assert of(ui(rt, "answer", "score", value="9"), "deliver") == []      # no answering before start
    [first] = of(rt.handle({"type": "ui", "survey_id": "nps", "action": "start"}), "mount")
    assert "How likely?" in first["html"]
    ui(rt, "answer", "score", value="9")
    done = ui(rt, "submit", "why", values=["fast"])
    thanks = of(done, "mount")[-1]["html"]
    assert 'href="https://shop.test/blog"' in thanks and 'rel="noopener noreferrer"' in thanks
    [wake] = of(done, "wake")
    assert wake["after"] == 4
    clock.now += 3.5
    assert of(rt.handle({"type": "wake"}), "unmount") == []      # not yet
    clock.now += 0.5 - 0.0007                                     # the timer fires a hair early
    assert of(rt.handle({"type": "wake"}), "unmount")


def test_a_survey_with_a_welcome_step_is_shown_ahead_by_that_step(site_data):
    from runtime.hints import hint
    from runtime.survey_format import load_site_data
    site_data["surveys"][2]["welcome"] = {"text": "Hello *there*"}
    ahead = hint(load_site_data(site_data).surveys)["page_view_survey"]
    assert "Hello <em>there</em>" in ahead["html"] and 'data-action="start"' in ahead["html"]
