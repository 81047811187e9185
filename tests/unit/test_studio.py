"""The studio over HTTP, as a browser uses it (a real server on 127.0.0.1): the session and its
cookie, CSRF and cross-site posts, no CORS; creating, duplicating, archiving surveys; editing a
hand-written file (it keeps its comments and layout), errors by field in `sondage check`'s
words, two tabs saving one file; the editor's fields come from the format's JSON Schema."""

from __future__ import annotations

import dataclasses
import html
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from build import survey_files
from build.survey_files import read_survey_file
from runtime import survey_format
from runtime.schema import json_schema, load, spec
from sondage.collector.config import CollectorConfig
from sondage.collector.server import start
from sondage.studio.starters import STARTERS, starter_text

TOKEN = "studio-admin-token"
HAND_WRITTEN = """\
# Asked after checkout. Keep the label: Braze segments on it.
id: checkout
site: shop
name: Checkout NPS
trigger: {type: event, event: checkout-done}   # fired by the shop
questions:
  - id: score
    type: nps
    prompt: How likely are you to recommend us?
    label: checkout_nps       # the custom attribute name
  - id: why
    type: long_text
    prompt: Why?
    required: false
frequency: once
"""


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


class Browser:
    """Requests with the studio's cookie, as a browser on the studio's own pages sends them."""

    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")
        self.cookie = ""
        self.opener = urllib.request.build_opener(NoRedirect)

    def call(self, path: str, data: dict[str, str] | list[tuple[str, str]] | None = None,
             headers: dict[str, str] | None = None) -> tuple[int, Any, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        sent = {"Cookie": self.cookie} if self.cookie else {}
        if body is not None:
            sent["Origin"] = self.base
        sent.update(headers or {})
        request = urllib.request.Request(self.base + path, data=body, headers=sent)
        try:
            with self.opener.open(request) as r:
                return r.status, r.headers, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read().decode()

    def sign_in(self, token: str = TOKEN) -> tuple[int, Any]:
        status, headers, _ = self.call("/studio/signin", {"token": token, "next": "/studio"})
        if "Set-Cookie" in headers:
            self.cookie = headers["Set-Cookie"].split(";")[0]
        return status, headers

    def csrf(self, path: str = "/studio") -> str:
        _, _, page = self.call(path)
        found = re.search(r'name="csrf" value="([^"]+)"', page)
        assert found, page[:500]
        return found.group(1)


@pytest.fixture
def studio(tmp_path):
    surveys = tmp_path / "surveys"
    surveys.mkdir()
    running = start(None, port=0, db=tmp_path / "answers.db", config=CollectorConfig(admin_token=TOKEN),
                    surveys=surveys, integrations=tmp_path / "integrations.yaml")
    yield running, surveys
    running.stop()


def signed_in(running) -> Browser:
    b = Browser(running.runtime_url)
    status, _ = b.sign_in()
    assert status == 303
    return b


def test_without_a_session_nothing_is_readable_or_writable(studio):
    running, surveys = studio
    (surveys / "checkout.yaml").write_text(HAND_WRITTEN)
    anon = Browser(running.runtime_url)
    for path in ("/studio", "/studio/edit/checkout.yaml", "/studio/publish/checkout.yaml"):
        status, _, page = anon.call(path)
        assert status == 401, path
        assert "Checkout NPS" not in page and "checkout_nps" not in page and "Sign in" in page
    status, _, said = anon.call("/studio/new", {"template": "nps", "id": "x", "site": "shop", "name": "X"})
    assert status == 401 and "sign in" in said
    assert not (surveys / "x.yaml").exists()
    # A forged cookie (another token's session) is no session.
    anon.cookie = "sondage_studio=1700000000.abc.0123456789abcdef"
    assert anon.call("/studio")[0] == 401


def test_signing_in_gives_a_strict_httponly_cookie_and_a_wrong_token_none(studio):
    running, _ = studio
    b = Browser(running.runtime_url)
    status, headers = b.sign_in("wrong")
    assert status == 401 and "Set-Cookie" not in headers
    status, headers = b.sign_in()
    assert status == 303 and headers["Location"] == "/studio"
    cookie = headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" not in cookie
    status, _, page = b.call("/studio")
    assert status == 200 and "New survey" in page
    assert "Path=/;" in cookie
    # The results it links to open with the session, and only with it (and only to read).
    status, _, page = b.call("/dashboard")       # no answers yet: the page says which site is missing
    assert status != 401 and "<html" in page
    assert Browser(running.runtime_url).call("/dashboard")[0] == 401
    # Behind an HTTPS proxy the cookie is Secure.
    status, headers, _ = Browser(running.runtime_url).call(
        "/studio/signin", {"token": TOKEN}, headers={"X-Forwarded-Proto": "https"})
    assert "Secure" in headers["Set-Cookie"]


def test_guessing_the_token_is_slowed_down():
    from sondage.studio.session import Attempts

    attempts = Attempts(limit=3, window=60)
    for n in range(3):
        assert attempts.wait("10.0.0.1", now=100.0 + n) == 0
        attempts.failed("10.0.0.1", now=100.0 + n)
    assert attempts.wait("10.0.0.1", now=103.0) == pytest.approx(57.0)
    assert attempts.wait("10.0.0.2", now=103.0) == 0                  # another client is not slowed
    assert attempts.wait("10.0.0.1", now=161.0) == 0                  # a minute later, again


def test_ten_wrong_tokens_and_signing_in_waits_a_minute(studio):
    running, _ = studio
    b = Browser(running.runtime_url)
    for _ in range(10):
        assert b.sign_in("guess")[0] == 401
    status, headers = b.sign_in()                      # even the right one, for now
    assert status == 429 and int(headers["Retry-After"]) > 50 and not b.cookie


def test_a_change_needs_the_csrf_token_and_the_studios_own_origin_and_no_reply_has_cors(studio):
    running, surveys = studio
    b = signed_in(running)
    form = {"template": "nps", "id": "nps1", "site": "shop", "name": "NPS"}
    status, headers, said = b.call("/studio/new", form)
    assert status == 403 and "CSRF" in said and not (surveys / "nps1.yaml").exists()
    token = b.csrf()
    # A page of another site posting a form: the browser sends its Origin (and, with a lax
    # browser, the cookie); refused even with a token it somehow had.
    status, headers, said = b.call("/studio/new", {**form, "csrf": token}, headers={"Origin": "https://evil.example"})
    assert status == 403 and "evil.example" in said and not (surveys / "nps1.yaml").exists()
    status, headers, _ = b.call("/studio/new", {**form, "csrf": token}, headers={"Origin": "null"})
    assert status == 403
    for path in ("/studio", "/studio/signin"):
        _, headers, _ = b.call(path, headers={"Origin": "https://evil.example"})
        assert not any(h.lower().startswith("access-control-") for h in headers), headers
    status, headers, _ = b.call("/studio/new", {**form, "csrf": token})
    assert status == 303 and headers["Location"] == "/studio/edit/nps1.yaml"
    assert read_survey_file(surveys / "nps1.yaml").survey.questions[0].type == "nps"


@pytest.mark.parametrize("template", list(STARTERS))
def test_every_template_is_a_valid_survey(tmp_path, template):
    path = tmp_path / "s.yaml"
    path.write_text(starter_text(template, "new-one", "shop", "Caf\u00e9 \"quoted\" name"))
    survey = read_survey_file(path).survey
    assert (survey.id, survey.site, survey.status) == ("new-one", "shop", "draft")
    assert survey.name == 'Caf\u00e9 "quoted" name'


def test_create_duplicate_archive_and_the_list_says_status_and_responses(studio):
    running, surveys = studio
    b = signed_in(running)
    token = b.csrf()
    b.call("/studio/new", {"template": "csat", "id": "csat", "site": "shop", "name": "CSAT", "csrf": token})
    status, _, page = b.call("/studio/new", {"template": "csat", "id": "csat", "site": "shop", "name": "Again",
                                             "csrf": token})
    assert status == 303
    _, _, page = b.call("/studio?" + urllib.parse.urlencode({"error": "x"}))
    status, headers, _ = b.call("/studio/new", {"template": "csat", "id": "csat", "site": "shop", "name": "Again",
                                                "csrf": token})
    assert "already+has+a+survey" in headers["Location"] or "already%20has" in headers["Location"]
    status, headers, _ = b.call("/studio/duplicate", {"file": "csat.yaml", "id": "csat-copy", "csrf": token})
    assert status == 303 and headers["Location"] == "/studio/edit/csat-copy.yaml"
    copy = read_survey_file(surveys / "csat-copy.yaml").survey
    assert (copy.id, copy.name, copy.status) == ("csat-copy", "CSAT (copy)", "draft")
    assert (surveys / "csat-copy.yaml").read_text().startswith("# Customer satisfaction")   # comments kept
    b.call("/studio/archive", {"file": "csat.yaml", "csrf": token})
    assert not (surveys / "csat.yaml").exists() and (surveys / "archived" / "csat.yaml").is_file()
    _, _, page = b.call("/studio")
    rows = {m.group(1): m.group(2) for m in re.finditer(r'<tr data-file="([^"]+)">(.*?)</tr>', page, re.S)}
    assert "archived" in rows["csat.yaml"] and "draft" in rows["csat-copy.yaml"]
    assert "<td>0</td>" in rows["csat-copy.yaml"]


def editor_form(page: str) -> list[tuple[str, str]]:
    """The editor's form as a browser would post it (its inputs, selects and textareas)."""
    form = page[page.index('<form method="post" action="/studio/edit/'):]
    form = form[:form.index("</form>")]
    fields: list[tuple[str, str]] = []
    controls = r"<input ([^>]*)>|<select ([^>]*)>(.*?)</select>|<textarea ([^>]*)>(.*?)</textarea>"
    for m in re.finditer(controls, form, re.S):
        if m.group(1) is not None:
            attrs = m.group(1)
            name = re.search(r'name="([^"]*)"', attrs)
            value = re.search(r'value="([^"]*)"', attrs)
            if not name:
                continue
            if 'type="checkbox"' in attrs and " checked" not in attrs:
                continue
            fields.append((html.unescape(name.group(1)), html.unescape(value.group(1) if value else "")))
        elif m.group(2) is not None:
            name = re.search(r'name="([^"]*)"', m.group(2))
            chosen = re.search(r'<option(?: value="([^"]*)")? selected>([^<]*)', m.group(3))
            if name and chosen:
                fields.append((html.unescape(name.group(1)),
                               html.unescape(chosen.group(1) if chosen.group(1) is not None else chosen.group(2))))
        else:
            name = re.search(r'name="([^"]*)"', m.group(4))
            if name:
                fields.append((html.unescape(name.group(1)), html.unescape(m.group(5))))
    return fields


def with_value(fields: list[tuple[str, str]], name: str, value: str) -> list[tuple[str, str]]:
    assert any(n == name for n, _ in fields), name
    return [(n, value if n == name else v) for n, v in fields]


def test_a_hand_written_file_round_trips_and_keeps_all_but_the_change(studio):
    running, surveys = studio
    (surveys / "checkout.yaml").write_text(HAND_WRITTEN)
    b = signed_in(running)
    _, _, page = b.call("/studio/edit/checkout.yaml")
    fields = editor_form(page)
    # Saved as it is: not a byte changes.
    status, headers, _ = b.call("/studio/edit/checkout.yaml", [*fields, ("__op", "save")])
    assert status == 303, headers
    assert (surveys / "checkout.yaml").read_text() == HAND_WRITTEN
    changed = with_value(fields, "questions.0.prompt", "Would you recommend the shop?")
    status, _, _ = b.call("/studio/edit/checkout.yaml", [*changed, ("__op", "save")])
    assert status == 303
    assert (surveys / "checkout.yaml").read_text() == HAND_WRITTEN.replace(
        "How likely are you to recommend us?", "Would you recommend the shop?")


def test_errors_come_by_field_in_sondage_checks_words(studio):
    running, surveys = studio
    (surveys / "checkout.yaml").write_text(HAND_WRITTEN)
    b = signed_in(running)
    _, _, page = b.call("/studio/edit/checkout.yaml")
    fields = editor_form(page)
    status, _, said = b.call("/studio/edit/checkout.yaml/check", with_value(fields, "questions.0.prompt", ""))
    report = json.loads(said)
    assert report["problem"] == "checkout.yaml: questions[0].prompt: must not be empty"
    assert report["errors"] == {"questions.0.prompt": "must not be empty"}
    report = json.loads(b.call("/studio/edit/checkout.yaml/check",
                               with_value(with_value(fields, "trigger.type", "seconds"), "trigger.event", ""))[2])
    assert report["errors"] == {"trigger.seconds": "a seconds trigger needs `seconds`"}
    report = json.loads(b.call("/studio/edit/checkout.yaml/check", with_value(fields, "questions.1.type", "slidr"))[2])
    assert report["problem"].startswith("checkout.yaml: questions[1].type: unknown question type 'slidr'")
    assert "questions.1.type" in report["errors"]
    # A bad value is never saved: the editor says why, next to the field, and the file stays.
    status, _, page = b.call("/studio/edit/checkout.yaml", [*with_value(fields, "questions.0.prompt", ""),
                                                            ("__op", "save")])
    assert status == 400 and "must not be empty" in page
    assert (surveys / "checkout.yaml").read_text() == HAND_WRITTEN


def test_two_tabs_editing_one_survey_the_second_save_is_refused_and_shows_both(studio):
    running, surveys = studio
    (surveys / "checkout.yaml").write_text(HAND_WRITTEN)
    first, second = signed_in(running), signed_in(running)
    one = editor_form(first.call("/studio/edit/checkout.yaml")[2])
    two = editor_form(second.call("/studio/edit/checkout.yaml")[2])
    assert first.call("/studio/edit/checkout.yaml", [*with_value(one, "name", "First tab"), ("__op", "save")])[0] == 303
    status, _, page = second.call("/studio/edit/checkout.yaml", [*with_value(two, "name", "Second tab"),
                                                                 ("__op", "save")])
    assert status == 409 and "changed on disk" in page
    assert "name: First tab" in html.unescape(page) and "name: Second tab" in html.unescape(page)
    assert "name: First tab" in (surveys / "checkout.yaml").read_text()


def test_adding_removing_questions_and_switching_parts_on(studio):
    running, surveys = studio
    (surveys / "checkout.yaml").write_text(HAND_WRITTEN)
    b = signed_in(running)
    fields = editor_form(b.call("/studio/edit/checkout.yaml")[2])
    status, _, page = b.call("/studio/edit/checkout.yaml", [*fields, ("__op", "add:questions")])
    assert status == 200 and 'name="questions.2.prompt"' in page
    assert "questions[2].type: &#39;&#39; does not match" in page      # the new question's type: to pick
    fields = with_value(with_value(editor_form(page), "questions.2.prompt", "Anything else?"),
                        "questions.2.type", "long_text")
    page = b.call("/studio/edit/checkout.yaml", [*fields, ("__op", "on:welcome")])[2]
    fields = with_value(editor_form(page), "welcome.text", "Two minutes?")
    page = b.call("/studio/edit/checkout.yaml", [*fields, ("__op", "remove:questions.1")])[2]
    assert b.call("/studio/edit/checkout.yaml", [*editor_form(page), ("__op", "save")])[0] == 303
    survey = read_survey_file(surveys / "checkout.yaml").survey
    assert [q.id for q in survey.questions] == ["score", "q3"] and survey.questions[1].prompt == "Anything else?"
    assert survey.welcome is not None and survey.welcome.text == "Two minutes?"
    text = (surveys / "checkout.yaml").read_text()
    assert "# Asked after checkout." in text and "# the custom attribute name" in text
    assert "scale:" not in text       # a new question brings only what is not the default


@dataclasses.dataclass
class SurveyWithMood(survey_format.Survey):
    mood: str = spec("A field added to the format after the studio was written.", default="calm", max_len=20)


def test_a_field_added_to_the_format_appears_in_the_editor_with_no_change_to_the_studio(studio, monkeypatch):
    running, surveys = studio
    (surveys / "checkout.yaml").write_text(HAND_WRITTEN)
    monkeypatch.setattr(survey_format, "survey_json_schema", lambda: json_schema(SurveyWithMood))
    monkeypatch.setattr(survey_format, "load_survey", lambda data: load(SurveyWithMood, data))
    monkeypatch.setattr(survey_files, "load_survey", lambda data: load(SurveyWithMood, data))   # the build's reader
    b = signed_in(running)
    page = b.call("/studio/edit/checkout.yaml")[2]
    assert 'name="mood"' in page and "A field added to the format" in page
    fields = with_value(editor_form(page), "mood", "cheerful")
    report = b.call("/studio/edit/checkout.yaml/check", with_value(fields, "mood", "x" * 30))[2]
    assert json.loads(report)["errors"] == {"mood": "must be at most 20 characters, got 30"}
    assert b.call("/studio/edit/checkout.yaml", [*fields, ("__op", "save")])[0] == 303
    assert (surveys / "checkout.yaml").read_text() == HAND_WRITTEN + "mood: cheerful\n"


def test_no_studio_without_a_surveys_folder(tmp_path):
    running = start(None, port=0, db=tmp_path / "a.db", config=CollectorConfig(admin_token=TOKEN))
    try:
        status, _, said = Browser(running.runtime_url).call("/studio")
        assert status == 404 and "--surveys DIR" in said
    finally:
        running.stop()


_ = Path


def test_who_sees_it_answers_with_the_runtimes_decision_and_reason(studio):
    running, surveys = studio
    (surveys / "checkout.yaml").write_text(HAND_WRITTEN)
    b = signed_in(running)
    token = b.csrf()

    def ask(**visitor: str) -> dict:
        status, _, said = b.call("/studio/who/checkout.yaml", {"csrf": token, "url": "https://shop.example/cart",
                                                               **visitor})
        assert status == 200, said
        return json.loads(said)

    assert ask(event="checkout-done") == {"show": True, "verdict": "show", "reason": "eligible", "stage": "eligible"}
    said = ask(event="page-left")
    assert not said["show"] and said["stage"] == "trigger" and "checkout-done" in said["reason"]
    said = ask(event="checkout-done", shown_hours_ago="3")
    assert not said["show"] and said["stage"] == "frequency"
    said = ask(event="checkout-done", dismissed="true")
    assert said == {"show": False, "verdict": "no", "reason": "frequency once: already shown to this visitor",
                    "stage": "frequency"}
    # Without the session, nothing.
    assert Browser(running.runtime_url).call("/studio/who/checkout.yaml", {"event": "checkout-done"})[0] == 401


def test_the_preview_draws_the_unsaved_form_with_the_runtimes_renderer_in_any_look_and_language(studio):
    running, surveys = studio
    (surveys / "checkout.yaml").write_text(HAND_WRITTEN.replace("frequency: once\n", """frequency: once
translations:
  fr:
    questions:
      score: {prompt: "Nous recommanderiez-vous ?"}
      why: {prompt: "Pourquoi ?"}
"""))
    b = signed_in(running)
    status, headers, page = b.call("/studio/preview/checkout.yaml")
    assert status == 200 and "How likely are you to recommend us?" in page and 'data-position="bottom-right"' in page
    assert "frame-ancestors 'self'" in headers["Content-Security-Policy"]
    fields = editor_form(b.call("/studio/edit/checkout.yaml")[2])
    fields = with_value(fields, "questions.0.prompt", "Not saved yet?")
    page = b.call("/studio/preview/checkout.yaml", [*fields, ("__preview.look", "center.dark")])[2]
    assert "Not saved yet?" in page and 'data-position="center"' in page and 'data-theme="dark"' in page
    page = b.call("/studio/preview/checkout.yaml", [*fields, ("__preview.language", "fr"),
                                                    ("__preview.step", "2")])[2]
    assert "Pourquoi ?" in page
    page = b.call("/studio/preview/checkout.yaml", [*with_value(fields, "questions.0.prompt", ""),
                                                    ("__preview.step", "1")])[2]
    assert "Fix this to see the preview: checkout.yaml: questions[0].prompt: must not be empty" in page
    assert Browser(running.runtime_url).call("/studio/preview/checkout.yaml")[0] == 401


def test_integrations_keep_secrets_server_side_feed_the_relay_and_send_a_test(tmp_path):
    from runtime.records import answer_record
    from tests.receiver import Receiver

    surveys = tmp_path / "surveys"
    surveys.mkdir()
    (surveys / "checkout.yaml").write_text(HAND_WRITTEN)
    secrets = tmp_path / "private" / "integrations.yaml"
    braze = Receiver(status=201, reply=b'{"message": "success", "attributes_processed": 1}')
    running = start(None, port=0, db=tmp_path / "answers.db", config=CollectorConfig(admin_token=TOKEN),
                    surveys=surveys, integrations=secrets)
    try:
        b = signed_in(running)
        page = b.call("/studio/integrations")[2]
        assert "Braze for <code>shop</code>" in page and "CleverTap for <code>shop</code>" in page
        token = b.csrf("/studio/integrations")
        key = "braze-rest-key-0123456789"
        status, headers, _ = b.call("/studio/integrations", {
            "csrf": token, "site": "shop", "vendor": "braze", "rest_endpoint": braze.url.removesuffix("/hook"),
            "api_key": key})
        assert status == 303 and "saved" in headers["Location"]
        assert secrets.stat().st_mode & 0o777 == 0o600
        assert key in secrets.read_text() and not list(surveys.rglob("*integrations*"))
        page = b.call("/studio/integrations")[2]
        assert key not in page and "6789" in page                  # shown by its last four only
        # Saved again as the page shows it (the masked key): the key is kept.
        masked = re.search(r'name="api_key" value="([^"]*)"', page).group(1)  # type: ignore[union-attr]
        b.call("/studio/integrations", {"csrf": token, "site": "shop", "vendor": "braze",
                                        "api_key": html.unescape(masked),
                                        "rest_endpoint": braze.url.removesuffix("/hook")})
        assert key in secrets.read_text()
        # A wrong setting is refused with its field, by the vendor's own check.
        status, headers, _ = b.call("/studio/integrations", {"csrf": token, "site": "shop", "vendor": "clevertap",
                                                             "account_id": "ACC", "region": "mars", "passcode": "p"})
        assert "shop.clevertap.region" in urllib.parse.unquote_plus(headers["Location"])
        # Send a test: one answer by the relay's own request; the vendor's reply is shown.
        status, _, page = b.call("/studio/integrations/test", {"csrf": token, "site": "shop", "vendor": "braze"})
        assert status == 200 and "Braze answered the test for shop: 201" in page and "attributes_processed" in page
        sent = braze.got[-1]
        assert sent["path"] == "/users/track" and sent["headers"]["authorization"] == f"Bearer {key}"
        assert json.loads(sent["body"])["attributes"][0]["sondage_test"] == "a test from the Sondage studio"
        # The relay takes the saved settings at once: an answer from a Braze link reaches Braze.
        survey = read_survey_file(surveys / "checkout.yaml").survey
        record = answer_record(survey, survey.questions[0], 9, record_id="rec-link-1", site="shop", now=1_800_000_000.0,
                               identities={"braze_id": "b-7"})
        urllib.request.urlopen(urllib.request.Request(running.runtime_url + "collect",
                                                      data=json.dumps({"records": [record]}).encode(),
                                                      headers={"Content-Type": "application/json"}))
        deadline = time.monotonic() + 20
        while not any(b'"b-7"' in g["body"] for g in braze.got) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert any(b'"b-7"' in g["body"] and b'"checkout_nps": 9' in g["body"] for g in braze.got), braze.got
        # CleverTap: project, region, passcode; its test is its upload request, with its headers.
        clevertap = Receiver(status=200, reply=b'{"status": "success", "processed": 2, "unprocessed": []}')
        try:
            status, headers, _ = b.call("/studio/integrations", {
                "csrf": token, "site": "shop", "vendor": "clevertap", "account_id": "TEST-ACC", "region": "eu1",
                "passcode": "ct-passcode-9876", "endpoint": clevertap.url.removesuffix("/hook")})
            assert status == 303 and "saved" in headers["Location"]
            page = b.call("/studio/integrations/test", {"csrf": token, "site": "shop", "vendor": "clevertap"})[2]
            assert "CleverTap answered the test for shop: 200" in page
            sent = clevertap.got[-1]
            assert sent["path"] == "/1/upload" and sent["headers"]["x-clevertap-passcode"] == "ct-passcode-9876"
            assert sent["headers"]["x-clevertap-account-id"] == "TEST-ACC"
            assert json.loads(sent["body"])["d"][0]["evtName"] == "survey_question_response"
            assert "ct-passcode-9876" not in b.call("/studio/integrations")[2]
        finally:
            clevertap.close()
        # Without the session: nothing, not even which vendors are set.
        assert Browser(running.runtime_url).call("/studio/integrations")[0] == 401
    finally:
        running.stop()
        braze.close()


SITES = """\
# Per site. Keep the cooldown short on the shop: two surveys a day are fine.
shop:
  cooldown_hours: 12      # half a day
  forward: {braze: true}
"""


def test_the_site_settings_of_sites_yaml_are_edited_with_the_same_form_and_round_trip(studio):
    running, surveys = studio
    (surveys / "checkout.yaml").write_text(HAND_WRITTEN)
    (surveys / "sites.yaml").write_text(SITES)
    b = signed_in(running)
    page = b.call("/studio/site/shop")[2]
    for name in ("cooldown_hours", "origins", "forward.braze", "forward.clevertap_user_properties", "extensions",
                 "forwarders.__n"):
        assert f'name="{name}"' in page, name
    fields = editor_form(page.replace('action="/studio/site/', 'action="/studio/edit/'))
    assert b.call("/studio/site/shop", [*fields, ("__op", "save")])[0] == 303
    assert (surveys / "sites.yaml").read_text() == SITES                       # saved as it was: unchanged
    report = json.loads(b.call("/studio/site/shop/check", with_value(fields, "origins", "shop.example"))[2])
    assert report["problem"] == "sites.yaml: shop.origins[0]: 'shop.example' does not match the pattern " \
                                "https?://[A-Za-z0-9.-]+(?::[0-9]{1,5})?"
    assert report["errors"] == {"origins": "[0]: 'shop.example' does not match the pattern "
                                           "https?://[A-Za-z0-9.-]+(?::[0-9]{1,5})?"}
    changed = with_value(fields, "origins", "https://shop.example\nhttps://www.shop.example")
    assert b.call("/studio/site/shop", [*changed, ("__op", "save")])[0] == 303
    assert (surveys / "sites.yaml").read_text() == SITES + "  origins:\n  - https://shop.example\n" \
                                                           "  - https://www.shop.example\n"
    assert b.call("/studio/site/nowhere")[0] == 404


def test_the_publish_tab_has_every_embed_code_to_copy_and_the_user_property_names_as_a_form(studio):
    from runtime.vendors import registry

    running, surveys = studio
    (surveys / "checkout.yaml").write_text(HAND_WRITTEN)
    b = signed_in(running)
    page = html.unescape(b.call("/studio/publish/checkout.yaml")[2])
    titles = ["Page snippet (once per page)", "Show it from the page", *(e.title for e in registry.embeds()),
              *(f"Link for emails ({v.label}, with its merge tags)" for v in registry.link_vendors()),
              *(f"Email HTML ({v.label}): the first question, each answer a link" for v in registry.link_vendors()),
              "Link (no email service)", "Email HTML (any email service)"]
    for title in titles:
        assert f">{title}</label>" in page and f"Copy {title.lower()}" in page, title
    assert "Iterate('install', \"checkout\")" in page
    assert "Profile.Identity" in page                                                         # CleverTap's tags
    assert "{{${braze_id}}}" in page                                                          # Braze's
    version = re.search(r'name="version" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    token = b.csrf("/studio/publish/checkout.yaml")
    status, headers, _ = b.call("/studio/publish/checkout.yaml/labels",
                                {"csrf": token, "version": version, "label.0": "checkout_nps", "label.1": "why_text"})
    assert status == 303 and "Saved" in urllib.parse.unquote_plus(headers["Location"])
    assert (surveys / "checkout.yaml").read_text() == HAND_WRITTEN.replace(
        "    required: false\n", "    required: false\n    label: why_text\n")


def small_bundle(tmp_path: Path) -> Path:
    """A bundle as `sondage build` lays it out, for what publish reads of it: the loader, the
    frame, a manifest and the site data it names (the runtime itself is not needed here)."""
    bundle = tmp_path / "dist"
    (bundle / "manifests").mkdir(parents=True)
    (bundle / "sites").mkdir()
    (bundle / "loader.js").write_text("/* loader */")
    (bundle / "frame-0123456789ab.html").write_text("<!doctype html>")
    (bundle / "sites" / "seed-0123456789ab.json").write_text(json.dumps(
        {"format": 1, "site": "seed", "surveys": [], "settings": {}, "extensions": [], "status": None}))
    (bundle / "manifests" / "seed.json").write_text(json.dumps(
        {"format": 1, "site": "seed", "frame": "frame-0123456789ab.html", "surveys": "sites/seed-0123456789ab.json",
         "collector": "/collect", "hint": {}, "ahead": None, "base": None}))
    return bundle


def test_publish_rebuilds_only_the_sites_survey_files_and_the_collector_takes_them_at_once(tmp_path):
    from sondage.studio.publish import PublishError, publish

    bundle = small_bundle(tmp_path)
    surveys = tmp_path / "surveys"
    surveys.mkdir()
    (surveys / "checkout.yaml").write_text(HAND_WRITTEN)
    before = {p: p.stat().st_mtime_ns for p in bundle.rglob("*") if p.is_file()}
    done = publish(surveys, bundle)
    assert done.sites == {"shop": ["checkout"]}
    manifest = json.loads((bundle / "manifests" / "shop.json").read_text())
    assert manifest["frame"] == "frame-0123456789ab.html" and manifest["collector"] == "/collect"
    data = json.loads((bundle / manifest["surveys"]).read_text())
    assert data["surveys"][0]["questions"][0]["label"] == "checkout_nps"
    assert manifest["ahead"] and "checkout" in json.loads((bundle / manifest["ahead"]).read_text())
    assert (bundle / "s" / "shop" / "checkout" / "index.html").is_file()
    assert all(p.stat().st_mtime_ns == t for p, t in before.items())        # nothing else touched
    # Published again after an edit: a new data file; the old one stays for pages that loaded it.
    old_data = manifest["surveys"]
    (surveys / "checkout.yaml").write_text(HAND_WRITTEN.replace("Why?", "Why so?"))
    publish(surveys, bundle)
    manifest = json.loads((bundle / "manifests" / "shop.json").read_text())
    assert manifest["surveys"] != old_data and (bundle / old_data).is_file()
    # Archived: the site is published with no survey.
    (surveys / "archived").mkdir()
    (surveys / "checkout.yaml").rename(surveys / "archived" / "checkout.yaml")
    assert publish(surveys, bundle).sites == {"shop": []}
    manifest = json.loads((bundle / "manifests" / "shop.json").read_text())
    assert json.loads((bundle / manifest["surveys"]).read_text())["surveys"] == []
    # A change of extensions needs the build (Pyodide): publish says so and writes nothing.
    (surveys / "archived" / "checkout.yaml").rename(surveys / "checkout.yaml")
    (surveys / "sites.yaml").write_text("shop:\n  extensions: [sondage-slider==0.1.0]\n")
    with pytest.raises(PublishError, match="extensions changed .*run `sondage build`"):
        publish(surveys, bundle)
    with pytest.raises(PublishError, match="no built runtime here yet"):
        publish(surveys, tmp_path / "nothing")


def test_publish_from_the_studio_serves_the_new_surveys_at_once(tmp_path):
    bundle = small_bundle(tmp_path)
    surveys = tmp_path / "surveys"
    surveys.mkdir()
    (surveys / "checkout.yaml").write_text(HAND_WRITTEN)
    running = start(bundle, port=0, db=tmp_path / "a.db", config=CollectorConfig(admin_token=TOKEN), surveys=surveys,
                    integrations=tmp_path / "integrations.yaml")
    try:
        b = signed_in(running)
        anon = Browser(running.runtime_url)
        assert anon.call("/manifests/shop.json")[0] == 404
        status, headers, _ = b.call("/studio/publish", {"csrf": b.csrf()})
        assert status == 303 and "Published+1+survey" in headers["Location"]
        status, headers, body = anon.call("/manifests/shop.json")
        assert status == 200 and headers["Cache-Control"] == "no-cache"      # revalidated on every page view
        assert json.loads(body)["site"] == "shop"
        # The collector checks answers against the new surveys at once.
        from runtime.records import answer_record
        survey = read_survey_file(surveys / "checkout.yaml").survey
        record = answer_record(survey, survey.questions[0], 11, record_id="rec-studio-x", site="shop",
                               now=1_800_000_000.0)
        reply = urllib.request.urlopen(urllib.request.Request(
            running.runtime_url + "collect", data=json.dumps({"records": [record]}).encode(),
            headers={"Content-Type": "application/json"}))
        rejected = json.loads(reply.read())["rejected"]
        assert rejected and "does not answer question 'score'" in rejected[0]["reason"]
    finally:
        running.stop()


def test_a_question_type_of_the_sites_extensions_is_left_to_the_build_as_sondage_check_does(studio):
    running, surveys = studio
    (surveys / "checkout.yaml").write_text(HAND_WRITTEN.replace("type: long_text", "type: slider"))
    b = signed_in(running)
    fields = editor_form(b.call("/studio/edit/checkout.yaml")[2])
    report = json.loads(b.call("/studio/edit/checkout.yaml/check", fields)[2])
    assert "the extension sondage-slider (examples/extensions/slider) provides it" in report["problem"]
    (surveys / "sites.yaml").write_text("shop:\n  extensions: [sondage-slider==0.1.0]\n")
    assert json.loads(b.call("/studio/edit/checkout.yaml/check", fields)[2])["problem"] == ""


def test_a_new_translation_starts_from_the_surveys_words_and_is_valid_at_once(studio):
    running, surveys = studio
    (surveys / "checkout.yaml").write_text(HAND_WRITTEN)
    b = signed_in(running)
    fields = editor_form(b.call("/studio/edit/checkout.yaml")[2])
    page = b.call("/studio/edit/checkout.yaml", [*fields, ("__op", "add:translations")])[2]
    fields = editor_form(page)
    assert ("translations.0.__key", "fr") in fields
    assert ("translations.0.questions.0.__key", "score") in fields
    assert ("translations.0.questions.1.__key", "why") in fields
    fields = with_value(fields, "translations.0.questions.0.prompt", "Nous recommanderiez-vous ?")
    assert json.loads(b.call("/studio/edit/checkout.yaml/check", fields)[2])["problem"] == ""
    assert b.call("/studio/edit/checkout.yaml", [*fields, ("__op", "save")])[0] == 303
    survey = read_survey_file(surveys / "checkout.yaml").survey
    assert survey.translations["fr"].questions["score"].prompt == "Nous recommanderiez-vous ?"
