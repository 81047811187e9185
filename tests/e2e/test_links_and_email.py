"""Email and link surveys: the survey's own page in the bundle, Iterate's typed link
parameters, and the first question in an email whose every answer is a link.

Each recipient clicks in a browser of their own (a fresh context), as in life. An answer link
records one answer per recipient, survey, question and send: a reload records nothing more,
another answer replaces the earlier one (in the database, on the dashboard and on the Braze
profile), and a page nobody sees (a scanner that runs no script, a hidden or prerendered
page) records nothing. A site that lists its `origins` still takes the answers given on its
survey's own page (issue 25, items 1 and 2)."""

from __future__ import annotations

import contextlib
import html
import json
import re
import time
from collections.abc import Callable, Iterator
from typing import Any

import sqlalchemy as sa
from playwright.sync_api import Browser, Page, expect

from runtime.link_params import is_link_id
from runtime.survey_format import load_survey
from sondage.catalogue import Catalogue
from sondage.collector.results import Filter, compute
from sondage.collector.webhooks import deliveries
from sondage.links import email_html, survey_link
from tests.conftest import wait_until

from .test_spine import wait_for_rows

BRAZE_SEND = "{{campaign.${dispatch_id}}}"
Q2 = "What did you like?"


def vendor_survey(survey_dir):
    import yaml

    return load_survey(yaml.safe_load((survey_dir / "e2e-vendors.yaml").read_text()))


@contextlib.contextmanager
def recipient(browser: Browser, *, javascript: bool = True, init_script: str = "") -> Iterator[tuple[Page, list]]:
    """A recipient's own browser (a fresh context: its own storage, its own workers, gone
    after the click), with its console kept."""
    context = browser.new_context(java_script_enabled=javascript)
    try:
        if init_script:
            context.add_init_script(init_script)
        page = context.new_page()
        console: list[str] = []
        page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
        page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
        yield page, console
    finally:
        context.close()


def shows(page: Page, console: list[str], prompt: str = Q2) -> None:
    """The survey's page shows ``prompt``; if the loader gave up instead, say why at once."""
    survey = page.frame_locator("iframe[title=Survey]").locator(".sondage-prompt")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if page.locator('script#iterate-js[data-sondage="failed"]').count():
            raise AssertionError(f"the survey's page did not start: {console}")
        try:
            expect(survey).to_have_text(prompt, timeout=1000)
            return
        except AssertionError:
            continue
    raise AssertionError(f"the survey's page never showed {prompt!r}: loader "
                         f"{page.locator('script#iterate-js').get_attribute('data-sondage')}, console {console}")


def page_state(page: Page) -> dict[str, Any]:
    """What a failed wait reports of a survey's page: the loader's state, and what it stored."""
    return page.evaluate("""() => ({
        loader: document.querySelector('script#iterate-js')?.dataset.sondage,
        visibility: document.visibilityState,
        storage: Object.fromEntries(Object.keys(localStorage)
            .map(k => [k, localStorage.getItem(k).slice(0, 600)]))})""")


def collected(page: Page, action: Callable[[], Any], ids: int = 2) -> dict[str, list]:
    """Do ``action`` (open or reload a survey's page) and return what the collector answered
    about the records that page sent (its view and its answer), once it has answered for all."""
    answers: dict[str, list] = {"stored": [], "duplicates": [], "rejected": []}
    seen: list[Any] = []

    def on_response(response: Any) -> None:
        if response.url.endswith("/collect") and response.request.method == "POST":
            seen.append(response)

    page.context.on("response", on_response)
    try:
        action()
        deadline = time.monotonic() + 20
        while sum(len(v) for v in answers.values()) < ids:
            if time.monotonic() > deadline:
                raise AssertionError(f"the collector answered for {answers}, not for {ids} records; "
                                     f"the page: {page_state(page)}")
            while seen:
                body = seen.pop(0).json()
                for key in answers:
                    answers[key] += body.get(key, [])
            page.wait_for_timeout(100)
    finally:
        page.context.remove_listener("response", on_response)
    return answers


def braze_scores(vendor_apis, braze_id: str) -> list:
    """The NPS scores Braze's /users/track got for this user, in the order it got them."""
    bodies = [json.loads(g["body"]) for g in vendor_apis["braze"].got]
    return [a["nps_score"] for b in bodies for a in b["attributes"] if a["braze_id"] == braze_id]


def braze_deliveries(store, braze_id: str) -> list[tuple[int, str]]:
    """The collector's queued requests to Braze for this user: (score, status), in order."""
    with store.engine.connect() as db:
        rows = db.execute(sa.select(deliveries.c.payload, deliveries.c.status)
                          .where(deliveries.c.kind == "braze").order_by(deliveries.c.id)).all()
    out = []
    for payload, status in rows:
        attributes = json.loads(payload)["attributes"][0]
        if attributes["braze_id"] == braze_id:
            out.append((attributes["nps_score"], status))
    return out


def rows_of(store, braze_id: str) -> list[dict]:
    return [r for r in store.list(limit=10000)
            if r["survey_id"] == "e2e-vendor-nps" and r.get("identities", {}).get("braze_id") == braze_id]


def braze_link(servers, survey_dir, who: str, answer: int, send: str = "dispatch-1") -> str:
    """The email's answer link for ``answer`` as Braze sends it to ``who`` (merge tags filled)."""
    email = email_html(servers.runtime_url, vendor_survey(survey_dir), "braze")
    link = next(html.unescape(h) for h in re.findall(r'href="([^"]+)"', email) if h.endswith(f"answer={answer}"))
    return link.replace("{{${braze_id}}}", who).replace(BRAZE_SEND, send)


def test_hosted_page_reads_link_parameters_and_the_first_answer(host, servers):
    page = host.page
    url = (servers.runtime_url + "s/e2e-vendors/e2e-vendor-nps/?user_braze_id=b-77&user_number_age=33"
           "&user_plan=gold&response_boolean_trial=true&response_date_renewal=2026-02-01&answer=9")
    page.goto(url)
    survey = page.frame_locator("iframe[title=Survey]")
    # The first question was answered in the link: the page goes on with question 2.
    expect(survey.locator(".sondage-prompt")).to_have_text(Q2, timeout=30000)
    page.screenshot(path=str(host.folder / "hosted-page.png"))
    survey.locator("label", has_text="Price").click()
    survey.locator("button[type=submit]").click()
    expect(survey.locator(".sondage-thanks")).to_be_visible()
    rows = wait_for_rows(servers.store, 2, survey_id="e2e-vendor-nps", url=url)
    first = next(r for r in rows if r["question_id"] == "score")
    assert first["response"] == 9
    assert first["user"] == {"braze_id": "b-77", "age": 33, "plan": "gold"}
    assert first["response_properties"] == {"trial": True, "renewal": {"type": "date", "value": 1769904000}}
    assert first["identities"] == {"braze_id": "b-77"}
    assert {r["response_id"] for r in rows} == {first["response_id"]} and first["response_id"]
    assert [r["completes_response"] for r in sorted(rows, key=lambda r: r["question_id"] != "score")] == \
        [False, True]
    assert all(is_link_id(r["id"]) for r in rows)       # one answer per recipient and question


def test_unfilled_merge_tags_are_ignored(host, servers):
    page = host.page
    url = servers.runtime_url + "s/e2e-vendors/e2e-vendor-nps/?user_email=null&user_braze_id={{${braze_id}}}&answer=4"
    page.goto(url)
    survey = page.frame_locator("iframe[title=Survey]")
    expect(survey.locator(".sondage-prompt")).to_have_text(Q2, timeout=30000)
    [row] = wait_for_rows(servers.store, 1, survey_id="e2e-vendor-nps", url=url)
    assert row["user"] == {} and row["identities"] == {} and row["response"] == 4


def test_email_renders_without_javascript_and_every_answer_link_records_it(host, servers, browser, survey_dir,
                                                                          vendor_apis):
    survey = vendor_survey(survey_dir)
    email = email_html(servers.runtime_url, survey, "braze")
    assert "<script" not in email and "<style" not in email and "class=" not in email
    # As a mail client shows it: no JavaScript at all.
    context = browser.new_context(java_script_enabled=False, viewport={"width": 600, "height": 320})
    try:
        mail = context.new_page()
        mail.set_content(f"<!doctype html><html><body style='margin:12px'>{email}</body></html>")
        mail.screenshot(path=str(host.folder / "email-braze.png"))
        links = mail.eval_on_selector_all("a", "as => as.map(a => a.getAttribute('href'))")
        texts = mail.eval_on_selector_all("a", "as => as.map(a => a.textContent)")
        boxes = mail.eval_on_selector_all("a", "as => as.map(a => a.getBoundingClientRect().width)")
    finally:
        context.close()
    assert texts == [str(n) for n in range(11)] and min(boxes) > 20
    assert all("user_braze_id={{${braze_id}}}" in link and f"send={BRAZE_SEND}" in link for link in links)
    # Braze fills the merge tags for each recipient; each clicks one answer, in their own browser.
    for n, link in enumerate(links):
        target = html.unescape(link).replace("{{${braze_id}}}", f"mail-user-{n}").replace(BRAZE_SEND, "dispatch-1")
        assert re.search(rf"[?&]answer={n}$", target)
        with recipient(browser) as (page, console):
            page.goto(target)
            shows(page, console)
            [row] = wait_for_rows(servers.store, 1, survey_id="e2e-vendor-nps", url=target)
        assert row["response"] == n and row["identities"] == {"braze_id": f"mail-user-{n}"}
    # And each answer is on the recipient's Braze profile: the collector relayed it.
    def relayed() -> dict[int, list]:
        return {n: braze_scores(vendor_apis, f"mail-user-{n}") for n in range(11)}

    wait_until(None, lambda: all(relayed().values()), "the 11 Braze profiles updated")
    assert relayed() == {n: [n] for n in range(11)}
    assert all(g["path"] == "/users/track" and g["headers"]["authorization"] == "Bearer e2e-braze-rest-key"
               for g in vendor_apis["braze"].got)


def test_a_clevertap_link_puts_the_answer_on_the_clevertap_profile(host, servers, survey_dir, vendor_apis):
    survey = vendor_survey(survey_dir)
    link = survey_link(servers.runtime_url, survey, "clevertap", ["type=@Profile - User Type"], ["number_cart=3"])
    assert link == (servers.runtime_url + "s/e2e-vendors/e2e-vendor-nps/?user_email={{ Profile.Identity | "
                    "default: 'null' }}&user_type={{ Profile.User Type | default: 'null' }}&response_number_cart=3")
    # CleverTap fills the tags for a recipient; the recipient answers on the survey's page.
    filled = link.replace("{{ Profile.Identity | default: 'null' }}", "ct-link@example.test") \
        .replace("{{ Profile.User Type | default: 'null' }}", "seller")
    page = host.page
    page.goto(filled)
    survey_frame = page.frame_locator("iframe[title=Survey]")
    survey_frame.locator("button[data-value='8']").click(timeout=30000)
    expect(survey_frame.locator(".sondage-prompt")).to_have_text(Q2)
    [row] = wait_for_rows(servers.store, 1, survey_id="e2e-vendor-nps", url=page.url)
    assert row["user"] == {"email": "ct-link@example.test", "type": "seller"}
    assert row["response_properties"] == {"cart": 3}
    clevertap = vendor_apis["clevertap"]

    def uploads() -> list:
        return [d for g in clevertap.got for d in json.loads(g["body"])["d"]
                if d["identity"] == "ct-link@example.test"]

    event, profile = wait_until(None, lambda: uploads() if len(uploads()) >= 2 else None, "CleverTap's upload")
    assert event["evtName"] == "survey_question_response" and event["evtData"]["response_int"] == 8
    assert event["evtData"]["cart"] == 3 and profile["profileData"] == {"nps_score": 8}
    assert all(g["path"] == "/1/upload" and g["headers"]["x-clevertap-passcode"] == "e2e-passcode"
               for g in clevertap.got)


# -- issue 25, item 1: a site that lists its origins --------------------------------------------
def test_a_site_that_lists_its_origins_takes_the_answers_of_its_survey_page_and_email(servers, browser,
                                                                                     survey_dir):
    """sites.yaml gives e2e-origins `origins: [https://shop.example]`; its survey's own page is
    on the bundle's origin. An answer given on the page and one clicked in its email are
    stored, and the dashboard counts them."""
    import yaml

    survey = load_survey(yaml.safe_load((survey_dir / "e2e-origins.yaml").read_text()))
    page_url = survey_link(servers.runtime_url, survey, "none") + "?user_external_id=origins-page-1"
    with recipient(browser) as (page, console):
        page.goto(page_url)
        shows(page, console, "How likely are you to recommend our shop?")
        page.frame_locator("iframe[title=Survey]").locator("button[data-value='7']").click()
        shows(page, console, "What could we do better?")
        [on_page] = wait_for_rows(servers.store, 1, survey_id="e2e-origins-nps", url=page_url)
    email = email_html(servers.runtime_url, survey, "braze")
    link = next(html.unescape(h) for h in re.findall(r'href="([^"]+)"', email) if h.endswith("answer=10"))
    link = link.replace("{{${braze_id}}}", "origins-mail-1").replace(BRAZE_SEND, "dispatch-9")
    with recipient(browser) as (page, console):
        page.goto(link)
        shows(page, console, "What could we do better?")
        [from_email] = wait_for_rows(servers.store, 1, survey_id="e2e-origins-nps", url=link)
        assert not any("refuse" in m for m in console), console
    assert (on_page["response"], from_email["response"]) == (7, 10)
    # The dashboard (as the site owner reads it) counts both.
    with recipient(browser) as (page, console):
        page.goto(f"{servers.runtime_url}dashboard?token=e2e-admin&site=e2e-origins")
        section = page.locator("section[data-survey='e2e-origins-nps']")
        expect(section.locator("[data-figure=responses]")).to_have_text("2")
        expect(section.locator("[data-figure=views]")).to_have_text("2")
        expect(section.locator("[data-question='score'] [data-figure=nps]")).to_have_text("50")


# -- issue 25, item 2: one answer per recipient, survey, question and send ------------------------
def test_reloading_an_answer_link_records_it_once_and_tells_braze_once(servers, browser, survey_dir, vendor_apis):
    link = braze_link(servers, survey_dir, "reload-u-1", 9)
    with recipient(browser) as (page, console):
        first = collected(page, lambda: page.goto(link))
        shows(page, console)
        assert len(first["stored"]) == 2 and first["duplicates"] == []          # its view and its answer
        wait_until(None, lambda: braze_scores(vendor_apis, "reload-u-1"), "Braze's /users/track for the 9")
        # The recipient reloads the page, twice: the collector already has both records.
        for _ in range(2):
            again = collected(page, page.reload)
            shows(page, console)
            assert again == {"stored": [], "duplicates": first["stored"], "rejected": []}
    [row] = rows_of(servers.store, "reload-u-1")
    assert row["response"] == 9
    # Its one request to Braze made (the collector's queue says so), Braze got one, the 9.
    wait_until(None, lambda: braze_deliveries(servers.store, "reload-u-1") == [(9, "done")], "the 9's request made")
    assert braze_scores(vendor_apis, "reload-u-1") == [9]
    assert sum(g["path"] == "/users/track" for g in vendor_apis["braze"].got
               if b'"reload-u-1"' in g["body"]) == 1


def test_another_answer_replaces_the_earlier_one_on_the_dashboard_and_at_braze(servers, bundle, browser, survey_dir,
                                                                                vendor_apis):
    def results():
        return compute(servers.store, Filter("e2e-vendors", survey="e2e-vendor-nps", url="user_braze_id=change-u-1"),
                       Catalogue.from_bundle(bundle.out))

    with recipient(browser) as (page, console):            # in the email on their laptop: 9
        page.goto(braze_link(servers, survey_dir, "change-u-1", 9))
        shows(page, console)
        wait_until(None, lambda: [r["response"] for r in rows_of(servers.store, "change-u-1")] == [9], "the 9 stored")
    wait_until(None, lambda: braze_scores(vendor_apis, "change-u-1") == [9], "Braze's 9")
    with recipient(browser) as (page, console):            # changed their mind, on their phone: 3
        page.goto(braze_link(servers, survey_dir, "change-u-1", 3))
        shows(page, console)
        wait_until(page, lambda: [r["response"] for r in rows_of(servers.store, "change-u-1")] == [3],
                   "the 3 in its place")
    wait_until(None, lambda: braze_deliveries(servers.store, "change-u-1") == [(9, "done"), (3, "done")],
               "the 3's request made")
    assert braze_scores(vendor_apis, "change-u-1") == [9, 3]
    [survey] = results().surveys
    score = next(q for q in survey.questions if q.id == "score")
    assert (survey.responses, survey.answers, score.answers) == (1, 1, 1)
    assert {v: c for v, c in score.distribution if c} == {3: 1} and score.nps and score.nps["detractors"] == 1


HIDDEN = """
window.__seen = false;
Object.defineProperty(Document.prototype, "visibilityState", {configurable: true,
  get() { return window.__seen ? "visible" : "hidden"; }});
Object.defineProperty(Document.prototype, "hidden", {configurable: true, get() { return !window.__seen; }});
Object.defineProperty(Document.prototype, "prerendering", {configurable: true, get() { return !window.__seen; }});
"""


def test_a_page_nobody_sees_records_nothing(servers, browser, survey_dir, vendor_apis):
    """A mail scanner opens every link first: one runs no script, another loads the page
    prerendered, hidden (a document that is never visible). Neither records anything; the
    recipient's own click, later, is the only answer. The hidden page, once looked at, counts."""
    who = "scanned-u-1"
    with recipient(browser, javascript=False) as (page, _):
        response = page.goto(braze_link(servers, survey_dir, who, 0))     # loaded (its load event) ...
        assert response and response.ok and page.title() == "E2E vendor NPS"
        assert page.locator("script#iterate-js").count() == 0               # ... and nothing of it ran
    with recipient(browser, init_script=HIDDEN) as (scanner, console):
        scanner.goto(braze_link(servers, survey_dir, who, 10))
        scanner.wait_for_selector('script#iterate-js[data-sondage="idle"]', state="attached", timeout=30000)
        assert scanner.evaluate("document.visibilityState + ' ' + document.prerendering") == "hidden true"
        # The recipient clicks 6 in their own browser: recorded, and relayed.
        with recipient(browser) as (page, page_console):
            page.goto(braze_link(servers, survey_dir, who, 6))
            shows(page, page_console)
            wait_until(None, lambda: rows_of(servers.store, who), "the recipient's click stored")
        wait_until(None, lambda: braze_deliveries(servers.store, who) == [(6, "done")], "the 6's request to Braze made")
        # Nothing of the scanners: one answer, the 6, one request to Braze, and the hidden page
        # never asked for the survey.
        assert [r["response"] for r in rows_of(servers.store, who)] == [6]
        assert braze_scores(vendor_apis, who) == [6]
        assert scanner.frame_locator("iframe[title=Survey]").locator(".sondage-prompt").count() == 0
        # The hidden page is a tab the recipient opened in the background: looked at, it counts.
        scanner.evaluate("window.__seen = true; document.dispatchEvent(new Event('visibilitychange'))")
        shows(scanner, console)
        wait_until(scanner, lambda: [r["response"] for r in rows_of(servers.store, who)] == [10],
                   "the 10 in place of the 6")
    wait_until(None, lambda: braze_deliveries(servers.store, who) == [(6, "done"), (10, "done")],
               "the 10's request made")
    assert braze_scores(vendor_apis, who) == [6, 10]
