"""Follow-up rules (issue 31, item 5): the condition a webhook or a relay puts on the answers
it takes, in the survey format's own value rules, with errors that name the field."""

import pytest

from runtime.records import answer_record
from runtime.survey_format import ValueRule, load_site_data
from runtime.targeting import value_rule_holds
from sondage.collector.conditions import ConditionError, parse, takes

DETRACTORS = {"rules": [{"key": "question_id", "op": "equals", "value": "score"},
                        {"key": "response_int", "op": "less_than", "value": 7}]}


@pytest.fixture
def survey(site_data):
    return load_site_data(site_data).surveys[0]


def answer(survey, qi, value, **kw):
    return answer_record(survey, survey.questions[qi], value, record_id=f"answer-{qi}-{value}", site="shop",
                         now=1.0, **kw)


def test_detractors_only(survey):
    when = parse(DETRACTORS, "webhooks.shop[0]")
    assert [takes(when, answer(survey, 0, v)) for v in (0, 6, 7, 10)] == [True, True, False, False]
    assert not takes(when, answer(survey, 1, "5"))          # another question, even with a low text
    assert takes(None, answer(survey, 1, "anything"))       # no condition: every answer


def test_traits_properties_and_choices(site_data):
    manual = load_site_data(site_data).surveys[1]
    pick = answer_record(manual, manual.questions[0], ["a", "c"], record_id="answer-pick", site="shop", now=1.0,
                         user={"plan": "pro"}, response_properties={"order": 120})
    assert takes(parse({"rules": [{"key": "choices", "op": "contains", "value": "c"}]}, "w"), pick)
    assert not takes(parse({"rules": [{"key": "choices", "op": "one_of", "values": ["b"]}]}, "w"), pick)
    assert takes(parse({"rules": [{"key": "choices", "op": "not_one_of", "values": ["b"]}]}, "w"), pick)
    assert takes(parse({"match": "all", "rules": [{"key": "user.plan", "op": "equals", "value": "pro"},
                                                  {"key": "property.order", "op": "greater_than", "value": 100}]},
                       "w"), pick)
    assert not takes(parse({"rules": [{"key": "user.plan", "op": "equals", "value": "free"}]}, "w"), pick)


def test_a_list_never_matches_by_its_text():
    """'b' is not picked in ['abc']: a list is matched item by item."""
    assert not value_rule_holds(ValueRule("choices", "contains", "b "), {"choices": ["abc"]})
    assert not value_rule_holds(ValueRule("choices", "equals", "b"), {"choices": ["abc"]})
    assert value_rule_holds(ValueRule("choices", "equals", "B"), {"choices": ["a", "b"]}) is False
    assert value_rule_holds(ValueRule("choices", "contains", "B"), {"choices": ["a", "b"]})


@pytest.mark.parametrize("when, words", [
    ({"rules": [{"key": "response_int", "op": "below", "value": 7}]}, "webhooks.shop[0].when.rules[0].op"),
    ({"rules": [{"key": "response_int", "op": "less_than"}]}, "webhooks.shop[0].when.rules[0]"),
    ({"rule": []}, "webhooks.shop[0].when"),
    ("detractors", "webhooks.shop[0].when"),
])
def test_a_bad_condition_names_its_field(when, words):
    with pytest.raises(ConditionError) as e:
        parse(when, "webhooks.shop[0]")
    assert str(e.value).startswith(words), str(e.value)
