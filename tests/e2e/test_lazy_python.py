"""Issue 28: a survey shown ahead is shown without Python; Python starts only when the visitor
engages with it. What the showing changes was decided by Python beforehand (its plan,
runtime/showing_plan.py) and is carried out by the frame and the loader: the visitor's history
and next hint, the view the dashboard counts, the callbacks. Real Chromium, real Pyodide."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.conftest import wait_until

from .test_dashboard import _views
from .test_spine import wait_for_rows

SITE = "e2e-lazy"
PROMPT = "How likely are you to recommend the lazy shop?"
HISTORY = f"sondage:v1:{SITE}:history"
HINT = f"sondage:v1:{SITE}:hint"
VISITOR = f"sondage:v1:{SITE}:visitor"
CALLBACKS = """<script>
  window.calls = [];
  Iterate('onLoad', function (s) { calls.push(['load', s.id]); });
  Iterate('onEvent', function (type, data) { calls.push(['event', type, data.survey.id]); });
  Iterate('onClose', function (s) { calls.push(['close', s.id]); });
</script>"""
# The loader's decision is synchronous once its manifest is in: an event the hint rules out
# leaves it idle, with no frame, in the same task.
FIRE_AND_READ = """(name) => {
  Iterate('event', name);
  return [document.querySelector('script[data-sondage]').dataset.sondage,
          !!document.querySelector('iframe[title=Survey]')];
}"""


def watch_python(host) -> list[str]:
    """Every request of the page, its frames and workers for the worker or Pyodide."""
    seen: list[str] = []
    host.page.context.on("request", lambda r: seen.append(r.url)
                         if "pyodide" in r.url or "/worker-" in r.url or "/python-" in r.url else None)
    return seen


def stored(page) -> dict:
    return page.evaluate("""() => Object.fromEntries(Object.keys(localStorage)
      .filter(k => k.startsWith('sondage:')).map(k => [k, JSON.parse(localStorage.getItem(k))]))""")


def show_without_python(host, path: str):
    host.open(f"<h1>Shop</h1>{CALLBACKS}", api_key=SITE, path=path)
    host.wait_for_loader("idle")
    host.page.evaluate("Iterate('event', 'lazy-fired')")
    survey = host.survey()
    expect(survey.locator(".sondage-prompt")).to_have_text(PROMPT, timeout=15000)
    # The plan's showing is carried out: the history says shown, the callbacks ran.
    wait_until(host.page, lambda: "lazy-nps" in (stored(host.page).get(HISTORY) or {}).get("shown", {}),
               "the history the plan stores")
    wait_until(host.page, lambda: host.page.evaluate("calls.length") >= 2, "onLoad and onEvent('displayed')")
    return survey


def test_shown_and_dismissed_without_python_the_once_survey_never_shows_again(host, servers):
    python = watch_python(host)
    page = host.page
    survey = show_without_python(host, "lazy-dismissed")
    assert page.evaluate("calls") == [["load", "lazy-nps"], ["event", "displayed", "lazy-nps"]]
    state = stored(page)
    assert state[VISITOR] and state[HINT]["data"].startswith(f"sites/{SITE}-")
    assert "lazy-fired" not in state[HINT]["events"]            # a once-survey: not again
    survey.locator("button.sondage-close").click()
    expect(page.locator("iframe[title=Survey]")).to_be_hidden(timeout=10000)
    wait_until(page, lambda: len(page.evaluate("calls")) == 4, "onClose and onEvent('dismiss')")
    assert page.evaluate("calls")[2:] == [["close", "lazy-nps"], ["event", "dismiss", "lazy-nps"]]
    assert page.get_attribute("script[data-sondage]", "data-sondage") == "starting"
    shown_url = page.url
    # The next page view: the view is delivered (the dashboard counts it), and the event that
    # showed the survey now leaves the loader idle, with no frame.
    host.open("<h1>Next</h1>", api_key=SITE, path="lazy-dismissed-next")
    [view] = wait_until(page, lambda: _views(servers.store, shown_url), "the showing's view record")
    assert view["survey_id"] == "lazy-nps" and view["site"] == SITE and view["preview"] == 0
    host.wait_for_loader("idle")
    assert page.evaluate(FIRE_AND_READ, "lazy-fired") == ["idle", False]
    assert not python, f"Python was fetched: {python}"


def test_the_cooldown_after_a_showing_without_python_holds_for_the_other_surveys(host):
    python = watch_python(host)
    page = host.page
    show_without_python(host, "lazy-cooldown")
    before = page.evaluate("Date.now() / 1000")
    hint = stored(page)[HINT]
    # The site waits 72 h between surveys: nothing before then, so no event starts anything.
    assert 72 * 3600 - 60 < hint["not_before"] - before <= 72 * 3600
    host.open("<h1>Ignored, then left</h1>", api_key=SITE, path="lazy-cooldown-next")
    host.wait_for_loader("idle")
    assert page.evaluate(FIRE_AND_READ, "lazy-other") == ["idle", False]
    assert not python, f"Python was fetched: {python}"


def test_a_visitor_who_engages_starts_python_and_answers_with_one_view(host, servers):
    python = watch_python(host)
    page = host.page
    survey = show_without_python(host, "lazy-engaged")
    history = stored(page)[HISTORY]
    # The pointer on an answer starts Python, before any click.
    survey.locator("button[data-value='9']").hover()
    wait_until(page, lambda: any("pyodide" in u for u in python), "Pyodide fetched on pointer-enter")
    host.wait_for_loader("ready", timeout_ms=60000)
    survey.locator("button[data-value='9']").click()
    expect(survey.locator(".sondage-prompt")).to_have_text("What should we change first?", timeout=10000)
    survey.locator("textarea").fill("Nothing")
    survey.locator("button[type=submit]").click()
    expect(survey.locator(".sondage-thanks")).to_be_visible(timeout=10000)
    rows = wait_for_rows(servers.store, 2, survey_id="lazy-nps", url=page.url, timeout=30)
    [view] = wait_until(page, lambda: _views(servers.store, page.url), "the showing's view record")
    # One showing: its answers carry the view's response id; the calls were made once.
    assert {r["response_id"] for r in rows} == {view["response_id"]}
    assert [c for c in page.evaluate("calls") if c[0] == "load"] == [["load", "lazy-nps"]]
    # The runtime kept the plan's showing time, and the history now says answered.
    after = stored(page)[HISTORY]
    assert after["shown"]["lazy-nps"] == history["shown"]["lazy-nps"] and "lazy-nps" in after["responded"]


def test_a_visitor_who_comes_back_and_answers_another_survey_has_one_consistent_history(host, servers):
    python = watch_python(host)
    page = host.page
    survey = show_without_python(host, "lazy-back")
    survey.locator("button.sondage-close").click()
    expect(page.locator("iframe[title=Survey]")).to_be_hidden(timeout=10000)
    planned = stored(page)
    assert not python
    # Later, the page opens another survey: Python starts, and reads what the plan stored.
    host.open("<h1>Back</h1>", api_key=SITE, path="lazy-back-later")
    page.evaluate("Iterate('install', 'lazy-manual')")
    survey = host.survey()
    expect(survey.locator(".sondage-prompt")).to_have_text("How did you find us?", timeout=60000)
    survey.locator("textarea").fill("A friend")
    survey.locator("button[type=submit]").click()
    wait_for_rows(servers.store, 1, survey_id="lazy-manual", url=page.url, timeout=30)
    state = wait_until(page, lambda: (s := stored(page)) and "lazy-manual" in s[HISTORY]["responded"] and s,
                       "the history after answering")
    assert state[VISITOR] == planned[VISITOR]
    assert state[HISTORY]["shown"]["lazy-nps"] == planned[HISTORY]["shown"]["lazy-nps"]
    assert set(state[HISTORY]["shown"]) == {"lazy-nps", "lazy-manual"}
    assert "lazy-fired" not in state[HINT].get("events", [])
