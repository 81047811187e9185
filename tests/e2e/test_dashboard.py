"""The results dashboard and the survey gallery, in Chromium: numbers checked against a seeded
database (SQLite and PostgreSQL), charts drawn by Vega-Lite, the keyboard, answers never
rendered as HTML, the CSV of exactly what is filtered, and each survey drawn live by the runtime."""

import csv
import datetime as dt
import io
import itertools
import re
import urllib.request

import pytest
from playwright.sync_api import expect

from devtools.seed import showings
from runtime.records import answer_record, view_record
from runtime.vendors import registry
from sondage.catalogue import Catalogue
from sondage.collector.config import CollectorConfig
from sondage.collector.database import Store
from sondage.collector.results import Filter, compute
from sondage.collector.server import start
from tests.conftest import POSITIONS, wait_until

from .test_screens import SCREENS as SHOTS

SITE = "e2e-site"
HOSTILE = '<img src=x onerror="window.__xss=1">Great'
_PORTS = itertools.count()


@pytest.fixture(params=["sqlite", "postgresql"])
def seeded(request, bundle, tmp_path):
    """A collector on its own database, seeded: made-up showings and one hostile answer."""
    if request.param == "sqlite":
        db = str(tmp_path / "dashboard.db")
    else:
        from devtools.postgres import new_database
        db = new_database(request.getfixturevalue("postgres"), f"sondage_dashboard_{next(_PORTS)}")
    catalogue = Catalogue.from_bundle(bundle.out)
    site = catalogue.sites[SITE]
    store = Store(db)
    store.add(showings(site, 400, seed=3))
    survey = next(s for s in site.surveys if any(q.type == "text" for q in s.questions))
    question = next(q for q in survey.questions if q.type == "text")
    store.add([view_record(survey, record_id="view-hostile-1", site=SITE, now=1_790_000_000.0,
                           url="https://shop.example/x", preview=False, response_id="show-hostile-1"),
               answer_record(survey, question, HOSTILE, record_id="ans-hostile-1", site=SITE, now=1_790_000_000.0,
                             url="https://shop.example/x", response_id="show-hostile-1", completes_response=True,
                             user={"plan": "<b>pro</b>"})])
    running = start(bundle.out, port=0, db=db, config=CollectorConfig(admin_token="dash-token", rate_per_second=0))
    yield running, store, catalogue, request.param
    running.stop()
    store.close()


def _dates_drawn(page) -> list[str]:
    """The per-day chart's x-axis labels as Vega drew them in its SVG (those it hid for
    overlapping left out)."""
    labels = page.locator("section[aria-labelledby=per-day] svg g.role-axis-label text").evaluate_all(
        "ts => ts.filter(t => t.getAttribute('opacity') !== '0').map(t => t.textContent)")
    return [label for label in labels if re.fullmatch(r"[A-Z][a-z]{2} \d{2}, \d{4}", label)]


def _day(label: str) -> dt.date:
    return dt.datetime.strptime(label, "%b %d, %Y").date()


def test_dashboard_numbers_charts_keyboard_and_csv(browser, seeded):
    running, store, catalogue, kind = seeded
    expected = compute(store, Filter(SITE), catalogue)
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{running.runtime_url}dashboard?token=dash-token&site={SITE}")
    expect(page.locator("figure[data-chart]").first).to_have_attribute("data-drawn", "1", timeout=15000)
    assert page.locator("figure[data-drawn=failed]").count() == 0
    assert page.locator("figure[data-chart] svg").count() == page.locator("figure[data-chart]").count() > 2
    # Every survey's figures as the database counts them.
    for s in expected.surveys:
        section = page.locator(f"section[data-survey='{s.id}']")
        assert section.locator("[data-figure=views]").inner_text() == str(s.views)
        assert section.locator("[data-figure=responses]").inner_text() == str(s.responses)
        assert section.locator("[data-figure=completed]").inner_text() == str(s.completed)
        if s.completion_rate is not None:
            assert section.locator("[data-figure=completion]").inner_text() == f"{100 * s.completion_rate:.0f}%"
        for q in s.questions:
            if q.nps:
                nps = section.locator(f"[data-question='{q.id}'] [data-figure=nps]")
                assert nps.inner_text() == str(q.nps["score"])
    # Counts agree with their nouns ("1 promoter", never "1 promoters").
    for text in page.locator("p.nps, h3 small.note").all_inner_texts():
        assert not re.search(r"\b1 (promoters|passives|detractors|answers)\b", text), text
    for s in expected.surveys:
        for q in s.questions:
            if q.nps:
                words = page.locator(f"section[data-survey='{s.id}'] [data-question='{q.id}'] p.nps").inner_text()
                counts = [f"{n} {noun}{'' if n == 1 else 's'} ({100 * n / q.answers:.0f}%)" for n, noun in (
                    (q.nps["promoters"], "promoter"), (q.nps["passives"], "passive"),
                    (q.nps["detractors"], "detractor"))]
                assert words == f"NPS {q.nps['score']}: " + ", ".join(counts)   # each group with its share
    # The per-day chart over a month: each date written once, in order.
    dates = _dates_drawn(page)
    assert len(dates) >= 3 and len(set(dates)) == len(dates) and [_day(d) for d in dates] == sorted(map(_day, dates))
    # The hostile free-text answer is text, not markup.
    latest = page.locator(".latest .text", has_text="Great").first
    assert latest.inner_text() == HOSTILE
    assert page.evaluate("window.__xss") is None and not errors
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"dashboard-{kind}.png"), full_page=True)
    # Over a few days: one date per day, each once (Vega ticked every 12 hours before, writing each date twice).
    since, until = expected.per_day[1][0], expected.per_day[3][0]
    few = compute(store, Filter(SITE, since=since, until=until), catalogue).per_day
    first, last = dt.date.fromisoformat(few[0][0]), dt.date.fromisoformat(few[-1][0])
    assert 1 <= (last - first).days <= 3
    page.goto(f"{running.runtime_url}dashboard?token=dash-token&site={SITE}&since={since}&until={until}")
    expect(page.locator("figure[data-chart]").first).to_have_attribute("data-drawn", "1", timeout=15000)
    every_day = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    assert [_day(d) for d in _dates_drawn(page)] == every_day
    page.screenshot(path=str(SHOTS / f"dashboard-{kind}-few-days.png"))
    # "Page URL contains" ignores case, on SQLite and PostgreSQL alike (the seeded pages are lower case).
    page.goto(f"{running.runtime_url}dashboard?token=dash-token&site={SITE}&url=/CART")
    expect(page.locator("input[name=url]")).to_have_value("/CART")
    carts = compute(store, Filter(SITE, url="/cart"), catalogue)
    assert sum(s.responses for s in carts.surveys) > 0
    for s in carts.surveys:
        assert page.locator(f"section[data-survey='{s.id}'] [data-figure=responses]").inner_text() == str(s.responses)
    page.goto(f"{running.runtime_url}dashboard?token=dash-token&site={SITE}")
    # Filters, with the keyboard only: a trait, then Apply.
    page.locator("input[name=trait]").focus()
    page.keyboard.type("plan=<b>pro</b>")
    page.keyboard.press("Enter")
    expect(page.locator("p.note", has_text="with a trait filter")).to_be_visible()
    filtered = compute(store, Filter(SITE, trait=("plan", "<b>pro</b>")), catalogue)
    [survey] = [s for s in filtered.surveys if s.responses]
    assert page.locator(f"section[data-survey='{survey.id}'] [data-figure=responses]").inner_text() == "1"
    assert page.locator(f"section[data-survey='{survey.id}'] [data-figure=views]").inner_text() == "—"
    # The CSV link downloads exactly the filtered answers.
    href = page.locator("#csv").get_attribute("href")
    with urllib.request.urlopen(f"{running.runtime_url}{href}") as reply:
        rows = list(csv.DictReader(io.StringIO(reply.read().decode("utf-8-sig"))))
    assert [r["id"] for r in rows] == ["ans-hostile-1"]
    assert rows[0]["response"] == HOSTILE and rows[0]["user_plan"] == "<b>pro</b>"
    # A bad parameter is named on the page, which still answers.
    page.goto(f"{running.runtime_url}dashboard?token=dash-token&site={SITE}&since=last-week")
    expect(page.locator("p.error")).to_have_text("since: a date as YYYY-MM-DD, got 'last-week'")
    # Without the token: nothing.
    assert page.goto(f"{running.runtime_url}dashboard?site={SITE}").status == 401
    context.close()


def test_gallery_draws_each_survey_live_with_its_codes(browser, servers, bundle):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{servers.runtime_url}gallery?token=e2e-admin&site=e2e-look")
    shown = page.locator("article.card").evaluate_all("cards => cards.map(c => c.dataset.survey)")
    assert {f"pos-{p}-{t}" for p in POSITIONS for t in ("light", "dark")} <= set(shown)
    # Without a click, the stage shows the first survey, drawn by the runtime in its own look.
    first = Catalogue.from_bundle(bundle.out).sites["e2e-look"].surveys[0]
    assert first.id == shown[0]
    on_stage = page.frame_locator("iframe[name=stage]").frame_locator("iframe[title=Survey]")
    expect(on_stage.locator(f"[data-survey='{first.id}'] .sondage-prompt")).to_have_text(
        first.questions[0].prompt, timeout=30000)
    expect(on_stage.locator(f"[data-survey='{first.id}']")).to_have_attribute("data-theme", first.appearance.theme)
    expect(page.locator("p.note").first).to_contain_text(f"{len(shown)} surveys of e2e-look.")
    page.screenshot(path=str(SHOTS / "gallery-on-load.png"))
    card = page.locator("article[data-survey='pos-inline-dark']")
    expect(card.locator("ul.targeting")).to_have_text(re.compile(
        r"Shows only when the page calls Iterate\('install', id\)\.\s*For every visitor\.\s*"
        r"Every time the page asks for it\."))
    expect(card.locator("p").first).to_have_text("1 question: Where am I? (nps)")
    codes = card.locator("textarea.code")
    assert "iterateSettings" in codes.nth(0).input_value() and "pos-inline-dark" in codes.nth(1).input_value()
    # Every vendor's message, the in-app ones (web and mobile) with the first question in the page.
    for embed in registry.embeds():
        code = card.locator("label", has_text=embed.title).locator("textarea.code").input_value()
        assert embed.channel in code, embed.channel
        if embed.in_app:
            assert "Where am I?" in code, embed.channel
    # One survey after another, with the keyboard: pick a look, then show it on the stage.
    stage = page.frame_locator("iframe[name=stage]")
    for survey_id, look, position in (("pos-bottom-left-light", "top-right.dark", "top-right"),
                                      ("pos-center-light", "inline.light", "inline")):
        form = page.locator(f"article[data-survey='{survey_id}'] form.show")
        form.locator("select").select_option(look)
        form.locator("button").focus()
        page.keyboard.press("Enter")
        survey = stage.frame_locator("iframe[title=Survey]")
        expect(survey.locator(".sondage-prompt")).to_have_text("Where am I?", timeout=30000)
        expect(survey.locator(f"[data-survey='{survey_id}']")).to_have_attribute("data-theme", look.split(".")[1])
        frame = stage.locator("iframe[title=Survey]")
        if position == "inline":   # over the stage's slot, in the page's flow
            slot = stage.locator("#sondage-stage-slot")
            expect(slot).not_to_have_css("min-height", "0px")
            box, slot_box = frame.bounding_box(), slot.bounding_box()
            assert box and slot_box and abs(box["y"] - slot_box["y"]) < 4 and abs(box["x"] - slot_box["x"]) < 4
        else:
            box = frame.bounding_box()
            stage_box = page.locator("iframe[name=stage]").bounding_box()
            assert box and stage_box and box["y"] < stage_box["y"] + 100            # at the top ...
            assert box["x"] + box["width"] > stage_box["x"] + stage_box["width"] - 40   # ... on the right
        page.screenshot(path=str(SHOTS / f"gallery-{survey_id}-{look}.png"))
    context.close()


def _views(store, url):
    import sqlalchemy as sa

    from sondage.collector.database import views
    with store.engine.connect() as db:
        return [dict(r._mapping) for r in db.execute(sa.select(views).where(views.c.url == url))]


def test_a_survey_seen_and_closed_unanswered_is_a_view(host, servers):
    """The real runtime records the showing: sent when the visitor closes the survey (or
    with the first answer), nothing of the visitor in it, so the completion rate is real."""
    host.open("<p>shop</p>", query="?email=someone@example.com")
    host.page.evaluate("Iterate('identify', {external_id: 'u-view-1', email: 'someone@example.com'});"
                       "Iterate('event', 'checkout-done')")
    survey = host.survey()
    expect(survey.locator(".sondage-prompt")).to_be_visible(timeout=30000)
    survey.locator("button.sondage-close").click()
    page_url = host.page.url.split("?")[0]
    [view] = wait_until(host.page, lambda: _views(servers.store, page_url), "the showing's view record")
    assert view["survey_id"] == "e2e-nps" and view["preview"] == 0 and len(view["response_id"]) >= 8
    assert "someone" not in str(view) and "u-view-1" not in str(view)


def test_each_response_read_whole_trends_and_the_period_before(browser, seeded):
    """Issue 31, items 3 and 4, as a site owner uses them: a dated range compared with the
    period before, NPS over time, then every response of a survey, one of them whole (answers,
    traits, page, time), and the CSV with a row per response."""
    running, store, catalogue, kind = seeded
    everything = compute(store, Filter(SITE), catalogue)
    since, until = everything.per_day[10][0], everything.per_day[16][0]
    f = Filter(SITE, since=since, until=until)
    expected = compute(store, f, catalogue)
    assert expected.previous is not None
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{running.runtime_url}dashboard?token=dash-token&site={SITE}&since={since}&until={until}")
    expect(page.locator("figure[data-chart]").first).to_have_attribute("data-drawn", "1", timeout=15000)
    assert page.locator("figure[data-drawn=failed]").count() == 0
    before = expected.previous.filter
    expect(page.locator("#compared")).to_have_text(
        f"Compared with {before.since} to {before.until}, the period of the same length just before.")
    for s in expected.surveys:
        was = expected.earlier(s.id)
        if s.responses or (was and was.responses):
            dd = page.locator(f"section[data-survey='{s.id}'] dd:has([data-figure=responses])")
            assert dd.inner_text().replace("\n", " ") == (
                f"{s.responses} (previous period {was.responses}, {s.responses - was.responses:+d})")
        for q in s.questions:
            if q.nps and q.trend:
                box = page.locator(f"section[data-survey='{s.id}'] [data-question='{q.id}']")
                expect(box.locator("h4", has_text="NPS per day")).to_be_visible()
                rows = box.locator("table.trend tbody tr").evaluate_all(   # in its closed <details>
                    "rs => rs.map(r => [...r.cells].map(c => c.textContent))")
                assert rows == [[d, f"{v:.0f}", str(n)] for d, v, n in q.trend]
    page.screenshot(path=str(SHOTS / f"dashboard-{kind}-compared.png"), full_page=True)
    # Every response of the survey with the hostile answer, newest first.
    survey = next(s for s in everything.surveys if any(q.type == "text" for q in s.questions))
    page.goto(f"{running.runtime_url}dashboard?token=dash-token&site={SITE}")
    page.locator(f"section[data-survey='{survey.id}'] a", has_text="Read each response").click()
    expect(page.locator("#count")).to_contain_text(f"{survey.responses} response")
    listed = page.locator("#responses tbody tr")
    assert listed.count() == min(survey.responses, 200)
    assert listed.first.get_attribute("data-response") == "show-hostile-1"      # the newest
    # One response, whole, with the keyboard: its link, Enter.
    listed.first.locator("a").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#answers td.response").first).to_have_text(HOSTILE)
    expect(page.locator("#traits")).to_contain_text("<b>pro</b>")
    expect(page.locator("#facts")).to_contain_text("https://shop.example/x")
    assert page.evaluate("window.__xss") is None and not errors
    page.screenshot(path=str(SHOTS / f"response-{kind}.png"), full_page=True)
    # The CSV with a row per response: the same responses, a column per question.
    page.go_back()
    href = page.locator("a", has_text="One row per response (CSV)").get_attribute("href")
    with urllib.request.urlopen(f"{running.runtime_url}dashboard/{href}") as reply:
        table = list(csv.DictReader(io.StringIO(reply.read().decode("utf-8"))))
    assert len(table) == survey.responses
    defined = next(s for s in catalogue.sites[SITE].surveys if s.id == survey.id)
    text_question = next(q.id for q in defined.questions if q.type == "text")
    [hostile] = [r for r in table if r["response_id"] == "show-hostile-1"]
    assert hostile[text_question] == HOSTILE and hostile["user_plan"] == "<b>pro</b>" and hostile["completed"] == "true"
    assert page.goto(f"{running.runtime_url}dashboard/response?site={SITE}&id=show-hostile-1").status == 401
    context.close()
