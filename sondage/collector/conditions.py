"""Which answers a webhook or a relay takes: ``when`` in the collector's config, so that
detractors reach a CRM or a chat webhook without the rest.

A condition is the survey format's value rules (``ValueRules``: ``match`` all / any, and
``rules`` of ``key``, ``op``, ``value`` / ``values``), checked by the targeting engine's own
``rules_hold`` against one answer: its record's fields (``survey_id``, ``question_id``,
``response``, ``response_int``, ``response_string``, ``url``, ``preview``...), ``choices``
(the choices picked, for ``one_of`` / ``contains``), and the visitor's traits and the
response's properties as ``user.<name>`` and ``property.<name>``::

    when:
      match: all
      rules:
        - {key: question_id, op: equals, value: recommend}
        - {key: response_int, op: less_than, value: 7}
"""

from __future__ import annotations

from typing import Any

from runtime.schema import FormatError, load
from runtime.survey_format import ValueRules
from runtime.targeting import rules_hold


class ConditionError(ValueError):
    """A ``when`` that cannot be used; the message names the field."""


def parse(data: Any, where: str) -> ValueRules | None:
    if data is None:
        return None
    try:
        return load(ValueRules, data)
    except FormatError as e:
        raise ConditionError(f"{where}.when{'.' + e.path if e.path else ''}: {e.message}") from None


def facts(record: dict[str, Any]) -> dict[str, Any]:
    """What a condition may name of one answer."""
    out = {k: v for k, v in record.items() if not isinstance(v, (dict, list))}
    out["choices"] = list(record.get("response_array") or [])
    for prefix, values in (("user", record.get("user")), ("property", record.get("response_properties"))):
        for name, value in (values or {}).items():
            out[f"{prefix}.{name}"] = value
    return out


def takes(when: ValueRules | None, record: dict[str, Any]) -> bool:
    """Does an answer meet the condition (no condition: every answer does)?"""
    return when is None or rules_hold(when, facts(record))[0]
