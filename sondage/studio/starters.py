"""The templates a survey is created from in the studio: each is the text of a survey file
(with comments a person reading it in git is glad of), filled with the new survey's id, site
and name. Every template is a valid survey (tests/unit/test_studio.py checks each)."""

from __future__ import annotations

import json

STARTERS: dict[str, tuple[str, str]] = {
    "nps": ("Net Promoter Score", """\
# Net Promoter Score: how likely a visitor is to recommend you (0-10), then why.
questions:
  - id: nps
    type: nps
    prompt: How likely are you to recommend us to a friend?
    labels: {low: Not likely, high: Very likely}
  - id: why
    type: long_text
    prompt: What is the main reason for your score?
    required: false
trigger:
  type: page_view
status: draft
"""),
    "csat": ("Customer satisfaction (CSAT)", """\
# Customer satisfaction: 1-5, then what would make it better.
questions:
  - id: csat
    type: csat
    prompt: How satisfied are you with your experience today?
  - id: better
    type: long_text
    prompt: What could we do better?
    required: false
trigger:
  type: page_view
status: draft
"""),
    "pmf": ("Product-market fit", """\
# Product-market fit (Sean Ellis's question): 40 % "very disappointed" is the usual bar.
questions:
  - id: disappointed
    type: single_choice
    prompt: How would you feel if you could no longer use our product?
    choices: [Very disappointed, Somewhat disappointed, Not disappointed]
  - id: benefit
    type: long_text
    prompt: What is the main benefit you get from our product?
    required: false
trigger:
  type: page_view
audience:
  identified: true
status: draft
"""),
    "feature": ("Feature feedback", """\
# Feedback on one feature, asked right after it is used (fire the event from the page).
questions:
  - id: useful
    type: rating
    prompt: How useful is this feature to you?
    scale: 5
    style: stars
  - id: missing
    type: long_text
    prompt: What is missing?
    required: false
trigger:
  type: event
  event: feature-used
status: draft
"""),
    "blank": ("Blank", """\
questions:
  - id: q1
    type: short_text
    prompt: Your question
status: draft
"""),
}


def starter_text(template: str, survey_id: str, site: str, name: str) -> str:
    """The file of a new survey from ``template``: its id, site and name first."""
    _, body = STARTERS[template]
    head = f"id: {survey_id}\nsite: {json.dumps(site)}\nname: {json.dumps(name, ensure_ascii=False)}\n"
    comment, _, rest = body.partition("\n") if body.startswith("#") else ("", "", body)
    return (comment + "\n" if comment else "") + head + rest
