"""Every question type: what the visitor may answer, and the record Iterate's fields make of it."""

import pytest

from runtime import render
from runtime.answers import AnswerError, parse_answer
from runtime.flow import choice_order, next_index
from runtime.records import answer_record
from runtime.schema import FormatError
from runtime.survey_format import load_survey


def survey_of(*questions, **extra):
    return load_survey({"id": "s", "site": "shop", "name": "S", "questions": list(questions), **extra})


def q(**fields):
    return survey_of({"id": "q", "prompt": "Q?", **fields}).questions[0]


def record(question, value):
    survey = survey_of({"id": question.id, "prompt": question.prompt, "type": question.type,
                        **({"choices": question.choices} if question.choices else {})})
    return answer_record(survey, survey.questions[0], value, record_id="rec-types-01", site="shop", now=0.0)


@pytest.mark.parametrize("fields, raw, value", [
    ({"type": "csat"}, "4", 4),
    ({"type": "rating", "scale": 10, "style": "stars"}, "10", 10),
    ({"type": "rating", "scale": 3, "style": "emoji"}, "2", 2),
    ({"type": "yes_no"}, "No", "No"),
    ({"type": "dropdown", "choices": ["S", "M", "L"]}, "M", "M"),
    ({"type": "short_text"}, "  hi  ", "hi"),
    ({"type": "long_text"}, "many words", "many words"),
    ({"type": "email"}, "ann@example.com", "ann@example.com"),
    ({"type": "number"}, "42", 42),
    ({"type": "number"}, "3,5", 3.5),
    ({"type": "date"}, "2026-02-28", "2026-02-28"),
])
def test_each_type_parses_its_answer(fields, raw, value):
    assert parse_answer(q(**fields), raw) == value


@pytest.mark.parametrize("fields, raw, words", [
    ({"type": "csat"}, "6", "choose a number from 1 to 5"),
    ({"type": "yes_no"}, "maybe", "choose yes or no"),
    ({"type": "email"}, "not-an-email", "write an email address"),
    ({"type": "number", "min": 1, "max": 10}, "11", "at most 10"),
    ({"type": "number"}, "many", "write a number"),
    ({"type": "date"}, "31/02/2026", "choose a date"),
    ({"type": "multiple_choice", "choices": ["a", "b", "c"], "min": 2}, ["a"], "choose at least 2"),
    ({"type": "multiple_choice", "choices": ["a", "b", "c"], "max": 1}, ["a", "b"], "choose at most 1"),
    ({"type": "single_choice", "choices": ["a", "b"], "other": True}, "Other", "write your answer next to Other"),
])
def test_each_type_refuses_what_does_not_fit(fields, raw, words):
    with pytest.raises(AnswerError, match=words):
        parse_answer(q(**fields), raw)


def test_other_keeps_the_visitors_words():
    question = q(type="single_choice", choices=["a", "b"], other=True)
    assert parse_answer(question, "Other", other=" a friend ") == "Other: a friend"


def test_records_carry_iterates_fields_for_each_type():
    date = record(q(type="date"), "2026-02-28")
    assert (date["response"], date["response_year"], date["response_month"], date["response_day"]) == \
        ("2026-02-28", 2026, 2, 28)
    assert record(q(type="csat"), 4)["response_int"] == 4
    decimal = record(q(type="number"), 3.5)
    assert decimal["response"] == "3.5" and decimal["response_string"] == "3.5" and decimal["response_int"] is None
    assert record(q(type="yes_no"), "Yes")["response_string"] == "Yes"


def test_skip_logic_jumps_forward_or_ends():
    survey = survey_of(
        {"id": "score", "type": "nps", "prompt": "Score?",
         "logic": [{"less_than": 7, "goto": "why_low"}, {"greater_than": 8, "goto": "end"}]},
        {"id": "why_mid", "type": "text", "prompt": "Mid?"},
        {"id": "why_low", "type": "text", "prompt": "Low?"})
    assert next_index(survey, 0, 3) == 2
    assert next_index(survey, 0, 7) == 1
    assert next_index(survey, 0, 10) == 3


@pytest.mark.parametrize("logic, words", [
    ([{"equals": 1, "goto": "nope"}], "no question 'nope' in this survey"),
    ([{"equals": 1, "goto": "first"}], "skip logic only jumps forward"),
    ([{"goto": "end"}], "give exactly one condition"),
])
def test_skip_logic_is_checked_at_build(logic, words):
    with pytest.raises(FormatError, match=words):
        survey_of({"id": "first", "type": "nps", "prompt": "A"},
                  {"id": "second", "type": "nps", "prompt": "B", "logic": logic})


def test_shuffled_choices_keep_one_order_per_visitor():
    question = q(type="single_choice", choices=[f"c{i}" for i in range(8)], shuffle=True)
    assert choice_order(question, "visitor-1") == choice_order(question, "visitor-1")
    assert sorted(choice_order(question, "visitor-1")) == question.choices
    assert choice_order(question, "visitor-1") != choice_order(question, "visitor-2")


@pytest.mark.parametrize("fields, needle", [
    ({"type": "rating", "scale": 5, "style": "stars"}, 'aria-label="5 of 5 stars"'),
    ({"type": "rating", "scale": 5, "style": "emoji"}, "😄"),
    ({"type": "csat"}, "Very satisfied"),
    ({"type": "dropdown", "choices": ["S", "M"]}, '<option value="M">M</option>'),
    ({"type": "email"}, 'type="email"'),
    ({"type": "date"}, 'type="date"'),
    ({"type": "yes_no"}, 'data-value="No"'),
    ({"type": "short_text", "required": False}, 'data-action="skip"'),
    ({"type": "nps", "labels": {"low": "Never", "high": "Always"}}, "<span>Always</span>"),
])
def test_each_type_renders(fields, needle):
    survey = survey_of({"id": "q", "prompt": "Q?", **fields})
    assert needle in render.question(survey, 0)
