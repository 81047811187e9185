"""What an answer to an in-app message's first question does, decided by Python at embed time.

Inside a vendor's in-app message (an ``Embed`` with ``in_app``: a phone's WebView), Python
takes one to three seconds to start, and the app may close the message as soon as the
visitor taps a score. Where the WebView has storage the tap is kept there (an ``early``
click, recorded by a later message's runtime); one vendor's Android WebView has none. So
Python decides ahead, when ``sondage embed`` writes the message, what the runtime would do
on each answer to the first question (each ``data-value`` of its first step), by playing it
(as runtime/showing_plan.py plays a showing, with its scratch runtime and its templates):
the vendor's bridge calls, and the batch of records the collector takes (the showing's view
and the answer). The plans (:class:`protocol.AnswerPlans`) are in the message's HTML;
static/inapp.js carries out the plan of the tap at once when Python is not up yet (filling
in the moment, the new ids and the page's URL: ``protocol.PLAN_TOKENS``) and tells the
runtime, when it comes up, what it carried out (the ui message's ``carried_out``): the
runtime adopts the showing's ids and the answer's, and calls the vendor no second time.

A first step that is not a row of single-tap choices (a welcome step, free text, multiple
choice, a date: they need a submit, by which time Python is usually up) has no plans. A
translated survey has: its choices' values are the same in every language, and its records
and the vendors' calls keep the survey's own words.

The vendors' ids their merge tags fill in when the message is sent are written into the plan
as those tags (the vendor fills them in with the rest of the HTML);
the collector drops a tag the vendor left unfilled, as the runtime does
(:func:`records.message_identity`). The ids a page's SDK would give (a vendor's Web SDK
around a message shown on a web page) no plan knows: the plans hold only where the SDKs the
runtime asks are absent (``absent``), as in the apps' WebViews.
"""

from __future__ import annotations

from collections.abc import Mapping
from html.parser import HTMLParser
from typing import Any

from . import protocol
from .outbox import Outbox
from .showing_plan import DELTA, Template, Unplannable, scratch_init, scratch_runtime
from .survey_format import SiteData

# The scratch runtime's stand-in for each id a merge tag fills in: found again, and made the tag.
_GIVEN = "sondage-merge-tag-"


class _Choices(HTMLParser):
    """The ``data-value`` of each single-tap answer (``data-action="answer"``) of a step's HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.values: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("data-action") == "answer" and found.get("data-value") is not None:
            self.values.append(str(found["data-value"]))


def choices_of(html: str) -> list[str]:
    parser = _Choices()
    parser.feed(html)
    parser.close()
    return list(dict.fromkeys(parser.values))


def plans(site: SiteData, survey_id: str, channel: str, identities: Mapping[str, str],
          first_step: str, now: float = 0.0) -> protocol.AnswerPlans | None:
    """The plans of each answer to the first question of ``survey_id`` shown in the message of
    ``channel`` (whose merge tags fill in ``identities``: id name -> tag), whose first step is
    ``first_step`` (the HTML in the message); None when there are none (see the module)."""
    survey = next((s for s in site.surveys if s.id == survey_id), None)
    if survey is None or not survey.questions:
        return None
    values = choices_of(first_step)
    if not values:
        return None
    out: dict[str, protocol.AnswerPlan] = {}
    absent: list[str] = []
    for value in values:
        try:
            first = _play(site, survey_id, channel, identities, value, now)
            second = _play(site, survey_id, channel, identities, value, now + DELTA)
            if first["question"] != survey.questions[0].id:
                return None
            filled = Template(now).of(first["plan"], second["plan"])
        except Unplannable:
            return None
        out[value] = _tags(filled, identities)
        absent = first["asks"]
    return {"survey": survey_id, "question": survey.questions[0].id, "absent": absent, "choices": out}


def _play(site: SiteData, survey_id: str, channel: str, identities: Mapping[str, str], value: str,
          now: float) -> dict[str, Any]:
    """Open the message in a scratch runtime at ``now`` (a new visitor, no storage, as in a
    WebView without any), then answer ``value``: the calls made and the records to send."""
    scratch = scratch_runtime(now)
    init = scratch_init(site, "", {}, shown_ahead=survey_id, channel=channel,
                        identities={name: _GIVEN + name for name in identities})
    opened = scratch.handle(init) + scratch.handle({"type": "started"}) + \
        scratch.handle({"type": "command", "name": "install", "args": [survey_id]})
    # The page SDKs it asks who the visitor is: where one is there, the answers carry its ids,
    # which no plan knows (then the tap waits for Python).
    queries = [c for e in opened if e["type"] == "sdk" for c in e["calls"] if c.get("reply")]
    asks = sorted({t for c in queries for t in (c["target"], c.get("else_target")) if t})
    screen = scratch.screen
    if screen.survey is None or screen.survey.id != survey_id or screen.state != "question":
        raise Unplannable(f"{survey_id} does not open on a question")
    question = screen.question()
    assert question is not None
    before = {r["id"] for r in scratch.visit.delivery.outbox.items}
    answered = scratch.handle({"type": "ui", "action": "answer", "survey_id": survey_id, "question_id": question.id,
                               "value": value})
    records = scratch.visit.delivery.outbox.items
    answers = [r for r in records if r["id"] not in before]
    views = [r for r in records if r["id"] in before and r.get("response_id") == screen.response_id]
    if len(answers) != 1 or len(views) != 1:
        raise Unplannable(f"the answer {value!r} is not one record after one view")
    batch = Outbox(items=[*views, *answers]).batches()
    if len(batch) != 1:
        raise Unplannable("more than one batch")
    calls = [c for e in answered if e["type"] == "sdk" for c in e["calls"] if not c.get("reply")]
    return {"question": question.id, "asks": asks, "plan": {
        "calls": calls, "body": protocol.batch_body(batch[0]),
        "facts": {"response_id": screen.response_id, "view_id": views[0]["id"], "answer_id": answers[0]["id"]}}}


def _tags(value: Any, identities: Mapping[str, str]) -> Any:
    """The template with each stand-in id made its merge tag again."""
    if isinstance(value, str) and value.startswith(_GIVEN) and value[len(_GIVEN):] in identities:
        return identities[value[len(_GIVEN):]]
    if isinstance(value, list):
        return [_tags(v, identities) for v in value]
    if isinstance(value, dict):
        return {k: _tags(v, identities) for k, v in value.items()}
    return value
