"""A slider question: ``type: slider`` with ``options: {min, max, step, unit}``.

The answer is a number (``response_int`` when whole), checked against the options."""

from sondage.runtime.extensions import QuestionType, RawAnswer, Registry

TEMPLATE = """\
{% set low = options.get('min', 0) %}{% set high = options.get('max', 10) %}
<div class="sondage-slider">
  <input name="value" type="range" class="sondage-input" aria-labelledby="sondage-prompt"
         min="{{ low }}" max="{{ high }}" step="{{ options.get('step', 1) }}"
         value="{{ options.get('start', low) }}">
  <span class="sondage-ends"><span>{{ low }}{{ options.get('unit', '') }}</span>
  <span>{{ high }}{{ options.get('unit', '') }}</span></span>
</div>
<button type="submit" class="sondage-submit" data-action="submit">{{ w.say('submit') }}</button>
"""


def check(options):
    low, high = options.get("min", 0), options.get("max", 10)
    for name in ("min", "max", "step", "start"):
        if name in options and (isinstance(options[name], bool) or not isinstance(options[name], (int, float))):
            return f"options.{name}: a number, got {options[name]!r}"
    if low >= high:
        return f"options.min: {low} is not below max {high}"
    if options.get("step", 1) <= 0:
        return "options.step: more than 0"
    return None


def parse(answer: RawAnswer):
    options = answer.question.options
    low, high = options.get("min", 0), options.get("max", 10)
    raw = answer.raw[0] if isinstance(answer.raw, list) and answer.raw else answer.raw
    try:
        value = float(str(raw))
    except ValueError:
        raise ValueError(f"choose a value from {low} to {high}") from None
    if not low <= value <= high:
        raise ValueError(f"choose a value from {low} to {high}")
    return int(value) if value.is_integer() else value


def register(registry: Registry) -> None:
    registry.question_type(QuestionType("slider", parse=parse, template=TEMPLATE, check=check))
