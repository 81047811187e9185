"""The extension API under CPython: question types and forwarders registered by name, the
built-ins through the same registry, an extension's mistakes named and contained."""

import pytest

from sondage.runtime.extensions import REGISTRY, ExtensionError, Forwarder, QuestionType, RawAnswer, Registry
from sondage.runtime.forwarding import answer_calls
from sondage.runtime.responses import AnswerError, answer_record, parse_answer
from sondage.runtime.survey_format import load_site_data


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
