"""The extension API under CPython: question types and forwarders registered by name, the
built-ins through the same registry, an extension's mistakes named and contained."""

import pytest

from runtime.answers import AnswerError, parse_answer
from runtime.extensions import REGISTRY, ExtensionError, Forwarder, QuestionType, RawAnswer, Registry
from runtime.forwarding import answer_calls
from runtime.records import answer_record
from runtime.survey_format import load_site_data


def _slider(answer: RawAnswer) -> int:
    value = int(str(answer.raw))
    high = int(answer.question.options.get("max", 10))
    if not 0 <= value <= high:
        raise ValueError(f"pick a value from 0 to {high}")
    return value


@pytest.fixture
def registry():
    """The runtime's registry with a test extension's entries, removed again afterwards."""
    before = (dict(REGISTRY.question_types), dict(REGISTRY.forwarders))

    def register(r: Registry) -> None:
        r.question_type(QuestionType("test_slider", parse=_slider, template="<input name=value type=range>"))
        r.forwarder(Forwarder("test_hook", lambda ctx: [{"vendor": "Hook", "target": "navigator", "chain": [
            ["sendBeacon", [ctx.options["url"], ctx.record["response"]]]], "wait_for": None, "reply": None,
            "optional": False}]))
        r.forwarder(Forwarder("test_broken", lambda ctx: 1 / 0))
    REGISTRY.load("sondage-test", register)
    yield REGISTRY
    REGISTRY.question_types, REGISTRY.forwarders = before


@pytest.fixture
def site(site_data):
    data = dict(site_data)
    data["surveys"] = [dict(site_data["surveys"][0])]
    data["surveys"][0]["questions"] = [{"id": "s", "type": "test_slider", "prompt": "How much?",
                                        "options": {"max": 5}}]
    data["settings"] = {**data.get("settings", {}), "forwarders": [
        {"name": "test_hook", "options": {"url": "https://hooks.example/in"}}, {"name": "test_broken"}]}
    return load_site_data(data)


def test_built_in_types_and_vendors_are_registered_like_extensions():
    assert {"nps", "single_choice", "date"} <= set(REGISTRY.question_types)
    assert {"segment", "braze", "clevertap"} <= set(REGISTRY.forwarders)
    assert REGISTRY.provider["type:nps"] == "sondage"


def test_registering_mistakes_are_named(registry):
    with pytest.raises(ExtensionError, match=r"question type 'nps' is already registered by sondage"):
        registry.question_type(QuestionType("nps", parse=_slider, template="x"))
    with pytest.raises(ExtensionError, match=r"question type 'test_slider' is already registered by sondage-test"):
        registry.question_type(QuestionType("test_slider", parse=_slider, template="x"))
    with pytest.raises(ExtensionError, match=r"question type 'knob': a template is needed"):
        registry.question_type(QuestionType("knob", parse=_slider))
    with pytest.raises(ExtensionError, match=r"forwarder name 'Web Hook': lowercase letters"):
        registry.forwarder(Forwarder("Web Hook", lambda ctx: []))


def test_an_extension_type_parses_its_answers(registry, site):
    question = site.surveys[0].questions[0]
    assert parse_answer(question, "4") == 4
    with pytest.raises(AnswerError) as e:
        parse_answer(question, "9")
    assert str(e.value) == "pick a value from 0 to 5"            # the extension's own message
    registry.question_types["test_slider"] = QuestionType("test_slider", parse=lambda a: {"x": 1}, template="x")
    with pytest.raises(ExtensionError, match=r"parsed dict: an answer is an int, a float, a str or a list of str"):
        parse_answer(question, "1")


def test_a_type_not_loaded_cannot_be_answered(site):
    with pytest.raises(AnswerError, match="this question cannot be answered here"):
        parse_answer(site.surveys[0].questions[0], "4")


def test_forwarders_of_the_site_get_each_answer_and_a_broken_one_is_contained(registry, site):
    survey = site.surveys[0]
    question = survey.questions[0]
    record = answer_record(survey, question, 4, record_id="rec-000001", site=site.site, now=1.0)
    calls = answer_calls(record, question, 4, survey, site.settings, "page", {})
    hook = [c for c in calls if c["vendor"] == "Hook"]
    assert hook and hook[0]["chain"] == [["sendBeacon", ["https://hooks.example/in", 4]]]
    [warning] = [c for c in calls if c["target"] == "console"]
    assert warning["chain"][0][1][0].startswith("Sondage: forwarder 'test_broken' failed: ZeroDivisionError")
    preview = answer_record(survey, question, 4, record_id="rec-000002", site=site.site, now=1.0, preview=True)
    assert answer_calls(preview, question, 4, survey, site.settings, "page", {}) == []


# -- loading an extension shipped in the bundle, when a survey needs it ------------------

KNOB_MODULE = '''
from runtime.extensions import Forwarder, QuestionType

def parse(answer):
    return int(str(answer.raw))

def register(registry):
    registry.question_type(QuestionType("test_knob", parse=parse, template=TEMPLATE))
    registry.forwarder(Forwarder("test_beacon", lambda ctx: [{"vendor": "Beacon", "target": "navigator",
        "chain": [["sendBeacon", [ctx.options["url"], str(ctx.value)]]], "wait_for": None, "reply": None,
        "optional": False}]))
'''
KNOB_TEMPLATE = '<input name="value" type="range" max="{{ options.get(\'max\', 10) }}" aria-label="{{ q.prompt }}">'
KNOB = {"name": "test_knob", "version": "1", "zip": "../ext/test_knob.zip", "register": ["test_knob_ext:register"],
        "templates": "test_knob_templates", "types": ["test_knob"], "forwarders": ["test_beacon"]}


@pytest.fixture
def shipped(tmp_path):
    """The test extension as the build ships it (a folder here, a zip in the bundle): its
    module, and its template compiled by the build; removed from the runtime afterwards."""
    import sys

    from runtime import render

    (tmp_path / "test_knob_ext.py").write_text(f"TEMPLATE = {KNOB_TEMPLATE!r}\n{KNOB_MODULE}")
    (tmp_path / "test_knob_templates.py").write_text(render.compiled_source(
        render.make_environment(), KNOB_TEMPLATE, "test_knob", "test/knob", function="test_knob"))
    before = (dict(REGISTRY.question_types), dict(REGISTRY.forwarders), set(REGISTRY.loaded),
              dict(REGISTRY.compiled))
    yield str(tmp_path)
    REGISTRY.question_types, REGISTRY.forwarders, REGISTRY.loaded, REGISTRY.compiled = before
    render.extension_template.cache_clear()
    sys.path[:] = [p for p in sys.path if p != str(tmp_path)]
    for name in ("test_knob_ext", "test_knob_templates"):
        sys.modules.pop(name, None)


def _knob_site(site_data, *, questions=None, forwarders=True, extensions=(KNOB,)):
    data = dict(site_data)
    survey = dict(site_data["surveys"][0], id="knob", trigger={"type": "page_view"}, frequency="always")
    survey.pop("pages", None)
    survey["questions"] = questions or [{"id": "k", "type": "test_knob", "prompt": "How much?", "options": {"max": 5}}]
    plain = dict(survey, id="plain", questions=[{"id": "t", "type": "text", "prompt": "Why?"}])
    data["surveys"] = [survey, plain]
    data["settings"] = {"cooldown_hours": 0, **({"forwarders": [{"name": "test_beacon", "options": {
        "url": "https://hooks.example/in"}}]} if forwarders else {})}
    data["extensions"] = list(extensions)
    return data


def _started(data, clock):
    from runtime.embed import Runtime

    rt = Runtime(clock=clock)
    rt.handle({"type": "init", "site_data": data, "collector": "/collect", "storage": {},
               "page": {"url": "https://shop.example/"}})
    return rt


def test_needed_names_the_extensions_a_survey_uses_and_only_those(site_data):
    from runtime.extensions import needed, uses_extensions

    site = load_site_data(_knob_site(site_data, forwarders=False))
    knob, plain = site.surveys
    assert [e.name for e in needed(site, knob)] == ["test_knob"]
    assert needed(site, plain) == [] and not uses_extensions(plain, site.settings)   # a built-in survey pays nothing
    with_forwarder = load_site_data(_knob_site(site_data))
    assert [e.name for e in needed(with_forwarder, with_forwarder.surveys[1])] == ["test_knob"]   # every answer


def test_a_survey_waits_for_its_extension_then_shows_rendered_by_its_compiled_template(site_data, clock, shipped):
    from runtime.extensions import install
    from runtime.schema import load
    from runtime.survey_format import ExtensionRef

    rt = _started(_knob_site(site_data), clock)
    effects = rt.command("install", [])
    [load_effect] = [e for e in effects if e["type"] == "load"]
    assert [e["name"] for e in load_effect["extensions"]] == ["test_knob"]
    assert not [e for e in effects if e["type"] == "mount"] and rt.screen.survey is None
    assert not [e for e in rt.command("install", ["plain"]) if e["type"] == "mount"]   # one survey at a time
    install(load(ExtensionRef, KNOB), shipped)
    assert "test_knob" in REGISTRY.compiled                    # the build's compiled template, not the source
    effects = rt.handle({"type": "loaded", "names": ["test_knob"], "failed": []})
    [mount] = [e for e in effects if e["type"] == "mount"]
    assert '<input name="value" type="range" max="5" aria-label="How much?">' in mount["html"]
    effects = rt.handle({"type": "ui", "survey_id": "knob", "question_id": "k", "action": "submit", "values": ["4"]})
    [sdk] = [e for e in effects if e["type"] == "sdk"]
    assert sdk["calls"][-1]["chain"] == [["sendBeacon", ["https://hooks.example/in", "4"]]]
    records = [r for r in rt.visit.delivery.outbox.items if r.get("question_id") == "k"]
    assert records[0]["response_int"] == 4
    # Loaded once per page: a second showing asks for nothing.
    rt.handle({"type": "ui", "survey_id": "knob", "action": "close"})
    again = rt.command("install", ["knob"])
    assert not [e for e in again if e["type"] == "load"] and [e for e in again if e["type"] == "mount"]


def test_an_extension_that_failed_to_load_is_named_once_and_never_asked_for_again(site_data, clock):
    rt = _started(_knob_site(site_data, forwarders=False), clock)
    assert [e for e in rt.command("install", []) if e["type"] == "load"]
    effects = rt.handle({"type": "loaded", "names": ["test_knob"], "failed": [
        {"name": "test_knob", "error": "OSError: test_knob.zip: HTTP 404"}]})
    assert effects == [{"type": "console", "level": "warn", "message":
                        "Sondage: survey 'knob' is not shown: its extension test_knob did not load "
                        "(OSError: test_knob.zip: HTTP 404)"}]
    assert rt.screen.survey is None and not rt.showing.busy
    again = rt.command("install", ["knob"])
    assert not [e for e in again if e["type"] in ("load", "mount", "console")]   # said once, not fetched again
    shown = rt.command("install", ["plain"])                  # a survey without it still shows
    assert [e for e in shown if e["type"] == "mount"]


def test_an_extension_that_never_arrives_is_given_up_and_the_page_goes_on(site_data, clock):
    from runtime.extension_loading import LOAD_SECONDS

    rt = _started(_knob_site(site_data, forwarders=False), clock)
    effects = rt.command("install", [])
    assert {"type": "wake", "after": LOAD_SECONDS} in effects
    clock.now += LOAD_SECONDS
    effects = rt.handle({"type": "wake"})
    assert {"type": "console", "level": "warn", "message": "Sondage: survey 'knob' is not shown: its extension "
            f"test_knob did not load (not loaded within {LOAD_SECONDS:g} s)"} in effects
    assert [e for e in rt.command("install", ["plain"]) if e["type"] == "mount"]   # no longer busy


def test_uninstall_while_loading_shows_nothing(site_data, clock, shipped):
    from runtime.extensions import install
    from runtime.schema import load
    from runtime.survey_format import ExtensionRef

    rt = _started(_knob_site(site_data), clock)
    rt.command("install", [])
    rt.command("uninstall", [])
    install(load(ExtensionRef, KNOB), shipped)
    assert rt.handle({"type": "loaded", "names": ["test_knob"], "failed": []}) == []
    assert rt.screen.survey is None


def test_surveys_that_need_an_extension_are_never_shown_ahead(site_data):
    from runtime.hints import event_ahead_file, hint

    site = load_site_data(_knob_site(site_data, forwarders=False))
    assert hint(site.surveys, settings=site.settings)["page_view_survey"] is None   # knob is first: not knowable
    plain_first = load_site_data({**_knob_site(site_data, forwarders=False),
                                  "surveys": _knob_site(site_data, forwarders=False)["surveys"][::-1]})
    assert hint(plain_first.surveys, settings=plain_first.settings)["page_view_survey"]["id"] == "plain"
    event = _knob_site(site_data, forwarders=False)
    for s in event["surveys"]:
        s["trigger"] = {"type": "event", "event": "buy"}
    event_site = load_site_data(event)
    assert set(event_ahead_file(event_site.surveys, event_site.settings)) == {"plain"}


def test_the_collector_takes_an_extension_type_answer_without_running_its_code(site_data):
    from sondage.catalogue import Catalogue

    site = load_site_data(_knob_site(site_data))
    catalogue = Catalogue({site.site: site})
    survey = site.surveys[0]
    record = answer_record(survey, survey.questions[0], 4, record_id="rec-000003", site=site.site, now=1.0)
    assert catalogue.problem(record) is None
    empty = {**record, "response_int": None, "response_string": None, "response_array": None}
    assert catalogue.problem(empty) == "response: question 'k' (test_knob) has no answer"


def test_an_event_survey_that_loaded_an_extension_still_waits_for_segments_late_identify(
        site_data, clock, shipped):
    """Segment delivers a page's buffered event before its identify: the answers of a survey
    shown after loading its extension wait for that identify too, and carry its traits."""
    from runtime.embed import Runtime
    from runtime.extensions import install
    from runtime.schema import load
    from runtime.survey_format import ExtensionRef

    data = _knob_site(site_data, forwarders=False)
    data["surveys"][0]["trigger"] = {"type": "event", "event": "bought"}
    rt = Runtime(clock=clock)
    rt.handle({"type": "init", "site_data": data, "collector": "/collect", "storage": {},
               "page": {"url": "https://shop.example/"}})
    assert [e for e in rt.command("event", ["bought", {}]) if e["type"] == "load"]   # still taking in its queue
    install(load(ExtensionRef, KNOB), shipped)
    shown = rt.handle({"type": "loaded", "names": ["test_knob"], "failed": []})
    assert [e for e in shown if e["type"] == "mount"] and [e for e in shown if e["type"] == "wake"]
    answered = rt.handle({"type": "ui", "survey_id": "knob", "question_id": "k", "action": "submit",
                          "values": ["3"]})
    assert not [e for e in answered if e["type"] == "deliver"]          # stored, not sent yet
    [deliver] = [e for e in rt.command("identify", [{"plan": "pro"}]) if e["type"] == "deliver"]
    [record] = [r for r in deliver["records"] if r.get("question_id") == "k"]
    assert record["user"] == {"plan": "pro"} and record["response_int"] == 3
