"""The survey format: what a site owner may write, and what they are told when it is wrong."""

import json

import jsonschema
import pytest
import yaml

from runtime.survey_format import FormatError, Survey, dump, load_survey, survey_json_schema

from .conftest import EXAMPLES

MINIMAL = {"id": "s1", "site": "key", "name": "S", "trigger": {"event": "go"},
           "questions": [{"id": "q", "type": "nps", "prompt": "How likely?"}]}


def with_(**changes):
    data = json.loads(json.dumps(MINIMAL))
    data.update(changes)
    return data


def error_of(data) -> FormatError:
    with pytest.raises(FormatError) as e:
        load_survey(data)
    return e.value


def test_minimal_survey_gets_iterate_defaults():
    s = load_survey(MINIMAL)
    assert s.frequency == "once"            # Iterate: shown once per person
    assert s.status == "published"
    assert s.trigger.type == "event" and s.trigger.event == "go"
    assert s.questions[0].attribute_name == "How likely?"   # label defaults to the prompt
    assert s.appearance.color == "#7457be"


def test_unknown_key_is_an_error_naming_the_field():
    e = error_of(with_(questionz=[]))
    assert e.path == "questionz" and "unknown field" in e.message
    e = error_of(with_(questions=[{"id": "q", "type": "nps", "prompt": "P", "colour": "red"}]))
    assert e.path == "questions[0].colour"


@pytest.mark.parametrize("change, path, words", [
    ({"questions": [{"id": "q", "type": "Stars!", "prompt": "P"}]}, "questions[0].type", "does not match the pattern"),
    ({"questions": [{"id": "q", "type": "nps"}]}, "questions[0].prompt", "is required"),
    ({"questions": []}, "questions", "at least one question"),
    ({"questions": [{"id": "q", "type": "single_choice", "prompt": "P", "choices": ["a"]}]},
     "questions[0].choices", "at least 2 choices"),
    ({"questions": [{"id": "q", "type": "nps", "prompt": "P"}, {"id": "q", "type": "text", "prompt": "T"}]},
     "questions[1].id", "duplicate"),
    ({"trigger": {"type": "event"}}, "trigger.event", "an event trigger needs `event`"),
    ({"trigger": {"type": "seconds"}}, "trigger.seconds", "a seconds trigger needs `seconds`"),
    ({"trigger": {"type": "scroll", "percent": 150}}, "trigger.percent", "must be at most 100"),
    ({"trigger": {"type": "page_view", "properties": {"rules": []}}}, "trigger.properties",
     "only event triggers take properties"),
    ({"pages": {"rules": [{"op": "matches", "value": "(unclosed"}]}}, "pages.rules[0].value",
     "not a valid regular expression"),
    ({"pages": {"rules": [{"op": "begins", "value": "/"}]}}, "pages.rules[0].op", "must be one of"),
    ({"audience": {"traits": {"rules": [{"key": "plan", "op": "one_of"}]}}},
     "audience.traits.rules[0].values", "one_of needs a list of values"),
    ({"audience": {"traits": {"rules": [{"key": "age", "op": "greater_than", "value": "old"}]}}},
     "audience.traits.rules[0].value", "needs a number or an ISO date"),
    ({"audience": {"traits": {"rules": [{"key": "email", "op": "is_set", "value": 1}]}}},
     "audience.traits.rules[0].value", "is_set takes no value"),
    ({"audience": {"devices": ["phone"]}}, "audience.devices[0]", "must be one of"),
    ({"audience": {"sample": 101}}, "audience.sample", "must be at most 100"),
    ({"frequency": "every_n_days"}, "every_days", "every_n_days needs every_days"),
    ({"every_days": 3}, "every_days", "only frequency every_n_days takes every_days"),
    ({"trigger": {"type": "manual", "event": "x"}}, "trigger.event", "only event triggers"),
    ({"id": "has space"}, "id", "does not match"),
    ({"name": 5}, "name", "must be a string, got a number"),
    ({"appearance": {"color": "red"}}, "appearance.color", "does not match"),
    ({"frequency": True}, "frequency", "must be one of"),
])
def test_bad_values_name_field_and_problem(change, path, words):
    e = error_of(with_(**change))
    assert e.path == path
    assert words in e.message


def test_dump_round_trips():
    s = load_survey(MINIMAL)
    assert load_survey(dump(s)) == s


def test_published_json_schema_agrees_with_the_loader():
    schema = survey_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for path in sorted(p for p in EXAMPLES.glob("*.yaml") if p.name != "sites.yaml"):
        data = yaml.safe_load(path.read_text())
        load_survey(data)
        assert not list(validator.iter_errors(data)), path
    # Unknown keys and wrong enums are rejected by both.
    for bad in (with_(extra=1), with_(status="live"),
                with_(questions=[{"id": "q", "type": "nps", "prompt": ""}])):
        assert list(validator.iter_errors(bad))
        with pytest.raises(FormatError):
            load_survey(bad)


def test_example_surveys_are_valid():
    surveys = [load_survey(yaml.safe_load(p.read_text())) for p in EXAMPLES.glob("*.yaml")
               if p.name != "sites.yaml"]
    assert {s.id for s in surveys} >= {"demo-nps"}
    assert all(isinstance(s, Survey) for s in surveys)
