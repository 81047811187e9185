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
    assert not value_rule_holds(ValueRule("choices", "contains", "b"), {"choices": ["abc"]})
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


# -- wired in: the config file, the queue, a local receiver -------------------------------
def test_detractors_go_to_their_webhook_and_the_relay_takes_only_a_choice(tmp_path, db_url, site_data):
    import json
    import time

    from sondage.collector.config import load
    from sondage.collector.database import Store
    from sondage.collector.webhooks import WebhookQueue
    from tests.receiver import Receiver

    every, detractors, braze = Receiver(), Receiver(), Receiver()
    config_file = tmp_path / "collector.yaml"
    config_file.write_text(json.dumps({
        "webhooks": {"shop": [
            {"url": every.url, "secret_env": "HOOK_SECRET"},
            {"url": detractors.url, "secret_env": "HOOK_SECRET",
             "when": {"rules": [{"key": "question_id", "op": "equals", "value": "score"},
                                {"key": "response_int", "op": "less_than", "value": 7}]}}]},
        "relay": {"shop": {"braze": {"rest_endpoint": braze.url.removesuffix("/hook"), "api_key_env": "BRAZE_KEY",
                                     "when": {"rules": [{"key": "choices", "op": "contains", "value": "c"}]}}}}}))
    config = load(config_file, {"HOOK_SECRET": "s3cret", "BRAZE_KEY": "braze-rest-key"})
    data = load_site_data(site_data)
    nps, manual = data.surveys[0], data.surveys[1]
    records = [
        answer_record(nps, nps.questions[0], 3, record_id="answer-low", site="shop", now=1.0,
                      response_id="showing-low", identities={"braze_id": "b-1"}),
        answer_record(nps, nps.questions[1], "slow", record_id="answer-low-why", site="shop", now=2.0,
                      response_id="showing-low", completes_response=True, identities={"braze_id": "b-1"}),
        answer_record(nps, nps.questions[0], 10, record_id="answer-high", site="shop", now=3.0,
                      response_id="showing-high", identities={"braze_id": "b-2"}),
        answer_record(manual, manual.questions[0], ["a", "c"], record_id="answer-ac", site="shop", now=4.0,
                      response_id="showing-ac", identities={"braze_id": "b-3"}),
        answer_record(manual, manual.questions[0], ["a"], record_id="answer-a", site="shop", now=5.0,
                      response_id="showing-a", identities={"braze_id": "b-4"}),
    ]
    store = Store(db_url)
    try:
        store.add(records)
        queue = WebhookQueue(store, config.webhooks, relays=config.relays, relay_when=config.relay_when)
        queue.enqueue(records)
        deadline = time.time() + 30
        while any(r["status"] == "pending" for r in queue.pending()) and time.time() < deadline:
            queue.work_once(now=time.time() + 1)
        assert all(r["status"] == "done" for r in queue.pending())
    finally:
        store.close()
        for r in (every, detractors, braze):
            r.close()

    def ids(receiver):
        return sorted(json.loads(g["body"]).get("record", {}).get("id", "completed") for g in receiver.got)
    assert ids(every) == sorted(["answer-low", "answer-low-why", "answer-high", "answer-ac", "answer-a", "completed"])
    assert ids(detractors) == ["answer-low"]                 # only the score below 7; no response.completed
    [relayed] = braze.got
    assert json.loads(relayed["body"])["events"][0]["braze_id"] == "b-3"      # only the answer that picked c


def test_a_bad_condition_in_the_config_file_names_the_file_and_field(tmp_path):
    import json

    from sondage.collector.config import ConfigError, load

    config_file = tmp_path / "collector.yaml"
    config_file.write_text(json.dumps({"webhooks": {"shop": [{"url": "https://hooks.test/x", "secret_env": "S",
                                                              "when": {"rules": [{"key": "response_int",
                                                                                  "op": "under", "value": 7}]}}]}}))
    with pytest.raises(ConfigError) as e:
        load(config_file, {"S": "secret"})
    assert str(e.value).startswith(f"{config_file}: webhooks.shop[0].when.rules[0].op:"), str(e.value)
