"""Classic XSS vectors in survey text, translations, traits, response properties, URL
parameters and answers are shown as text and never run: in the widget, the hosted page,
an email, the collector's answers page and its CSV export (formula cells neutralised)."""

from __future__ import annotations

import csv
import io
import json
import urllib.request
from urllib.parse import quote

from playwright.sync_api import expect

from runtime.survey_format import load_survey
from sondage.links import email_html
from tests.e2e.test_spine import wait_for_rows

TRAITS = {"name": "<img src=x onerror=window.pwned='trait'>", "plan": "=HYPERLINK(\"http://evil.test\")",
          "<script>window.pwned='key'</script>": "x"}
PROPS = {"note": "<svg/onload=window.pwned='prop'>"}
ANSWER = "</textarea><script>window.pwned='answer'</script><img src=x onerror=window.pwned='answer2'>"
HASH = "#<img src=x onerror=window.pwned='hash'>"


def never_ran(page) -> None:
    """Nothing set window.pwned, on the host page or inside any frame."""
    for frame in page.frames:
        assert frame.evaluate("window.pwned === undefined"), (frame.url, frame.evaluate("window.pwned"))


def test_survey_text_traits_and_answers_are_text_in_the_widget_and_the_collector(host, servers, browser):
    def js(value) -> str:          # safe inside the test page's own <script> element
        return json.dumps(value).replace("<", "\\u003c")

    calls = f"<script>Iterate('identify', {js(TRAITS)}); Iterate('identify', {{response: {js(PROPS)}}});</script>"
    query = "?utm=%3Cscript%3Ewindow.pwned%3D'query'%3C%2Fscript%3E" + quote(HASH, safe="#")
    host.open(calls + "<h1>Shop</h1>", api_key="e2e-xss", path="xss", query=query)
    page = host.page
    survey = host.survey()
    prompt = survey.locator(".sondage-prompt")
    expect(prompt).to_contain_text("\"><img src=x onerror=window.pwned='prompt'>", timeout=30000)
    assert "**bold** {{7*7}}" in prompt.inner_text()                # no markup, no template evaluated
    survey.locator("button", has_text="<b onmouseover=window.pwned='choice'>A</b>").click()
    # The first question may be shown ahead, before Python is up: the next one comes once it is.
    expect(survey.locator(".sondage-prompt")).to_contain_text("Tell us <iframe src=javascript:", timeout=30000)
    survey.locator("textarea").fill(ANSWER)
    survey.locator("button[type=submit]").click()
    thanks = survey.locator(".sondage-thanks")
    expect(thanks).to_contain_text("<svg onload=window.pwned='thanks'></svg>")
    assert survey.locator("a[href^='javascript']").count() == 0
    assert survey.locator("#root :is(script, img, iframe, svg[onload], [onmouseover])").count() == 0
    never_ran(page)
    rows = wait_for_rows(servers.store, 2, survey_id="e2e-xss", timeout=30)
    words = next(r for r in rows if r["question_id"] == "words")
    assert words["response"] == ANSWER and words["user"].get("name") == TRAITS["name"], (words, host.console)

    # The collector's answers page, as the site owner opens it.
    owner = browser.new_context()
    try:
        admin = owner.new_page()
        admin.goto(f"{servers.runtime_url}responses?token={servers.admin_token}")
        expect(admin.locator("body")).to_contain_text(ANSWER)
        expect(admin.locator("body")).to_contain_text("\"><img src=x onerror=window.pwned='prompt'>")
        never_ran(admin)
        assert admin.locator("img, iframe, svg").count() == 0
    finally:
        owner.close()

    # The CSV export: no cell a spreadsheet would run as a formula.
    request = urllib.request.Request(f"{servers.runtime_url}export?format=csv&survey=e2e-xss",
                                     headers={"Authorization": f"Bearer {servers.admin_token}"})
    with urllib.request.urlopen(request) as r:
        table = list(csv.reader(io.StringIO(r.read().decode("utf-8-sig"))))
    cells = [c for row in table[1:] for c in row]
    assert cells and not [c for c in cells if c[:1] in ("=", "+", "-", "@")], cells
    assert any(c.endswith("=HYPERLINK(\"http://evil.test\")") for c in cells)     # the trait, made inert


def test_translations_are_text_too(browser, servers, pages):
    folder, site_url = pages
    from sondage.snippet import snippet

    (folder / "xss-fr.html").write_text("<!doctype html><html><head>" + snippet("e2e-xss", servers.runtime_url)
                                        + "</head><body><h1>Boutique</h1></body></html>")
    context = browser.new_context(locale="fr-FR")
    try:
        page = context.new_page()
        page.goto(site_url + "xss-fr.html")
        survey = page.frame_locator("iframe[title=Survey]")
        expect(survey.locator(".sondage-prompt")).to_have_text("<img src=x onerror=window.pwned='fr'>",
                                                               timeout=30000)
        expect(survey.locator("button", has_text="<i>A</i>")).to_be_visible()
        survey.locator("button", has_text="<i>A</i>").click()
        expect(survey.locator(".sondage-prompt")).to_have_text("Dites <script>window.pwned='fr2'</script>")
        never_ran(page)
    finally:
        context.close()


def test_link_parameters_and_the_email_are_text(host, servers, survey_dir):
    import yaml

    page = host.page
    url = (servers.runtime_url + "s/e2e-xss/e2e-xss/?user_name=" + quote("<img src=x onerror=window.pwned='link'>")
           + "&response_note=" + quote("<script>window.pwned='linkprop'</script>"))
    page.goto(url)
    survey = page.frame_locator("iframe[title=Survey]")
    expect(survey.locator(".sondage-prompt")).to_contain_text("onerror=window.pwned='prompt'", timeout=30000)
    never_ran(page)
    email = email_html(servers.runtime_url, load_survey(yaml.safe_load((survey_dir / "e2e-xss.yaml").read_text())),
                       "braze")
    assert "<img src=x" not in email and "<b onmouseover" not in email and "&lt;img src=x" in email


FORGER = """<iframe id=ad src="data:text/html,<script>
  const forged = {sondage: 1, type: 'store', key: 'sondage:v1:e2e-welcome:forged', value: {x: 1}};
  parent.postMessage(forged, '*');
  parent.postMessage({sondage: 1, type: 'hide'}, '*');
  parent.postMessage({sondage: 1, type: 'sdk', calls: [{vendor: 'x', target: 'alert', chain: [['call', [1]]]}]}, '*');
  for (let i = 0; i < parent.frames.length; i++) {
    parent.frames[i].postMessage({sondage: 1, type: 'ui', action: 'answer', survey_id: 'e2e-welcome',
                                  question_id: 'first', value: 'Yes'}, '*');
    parent.frames[i].postMessage({sondage: 1, type: 'command', name: 'uninstall', args: []}, '*');
  }
  document.title = 'sent';
</script>"></iframe>"""


def test_messages_from_anyone_but_the_survey_frame_and_its_host_are_ignored(host, servers):
    """An ad frame on the page forges the runtime's messages to the host and the host's to the
    survey frame: storage, hiding, vendor calls, an answer, an uninstall. None takes effect."""
    host.open("<h1>Shop</h1>", api_key="e2e-welcome", path="forged", query="?iterate_debug=1")
    page = host.page
    survey = host.survey()
    expect(survey.locator(".sondage-prompt")).to_have_text("Is this your first visit?", timeout=30000)
    host.wait_for_loader("ready")
    with page.expect_event("framenavigated", predicate=lambda f: f.url.startswith("data:")) as navigated:
        page.evaluate("(html) => document.body.insertAdjacentHTML('beforeend', html)", FORGER)
    ad = navigated.value
    ad.wait_for_function("document.title === 'sent'")
    host.debug_round_trip()              # the runtime has handled everything sent before
    assert page.evaluate("localStorage.getItem('sondage:v1:e2e-welcome:forged')") is None
    expect(survey.locator(".sondage-prompt")).to_be_visible()        # neither hidden nor answered
    assert not [r for r in servers.store.list(limit=10000) if r["url"] == page.url]
    survey.locator("button[data-value='No']").click()                 # the visitor's own answer counts
    [row] = wait_for_rows(servers.store, 1, survey_id="e2e-welcome", url=page.url, timeout=30)
    assert row["response"] == "No"
