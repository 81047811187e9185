"""A slider question: ``type: slider`` with ``options: {min, max, step, unit}``.

The answer is a number (``response_int`` when whole), checked against the options."""

from runtime.extensions import QuestionType, RawAnswer, Registry

TEMPLATE = """\
{% set low = options.get('min', 0) %}{% set high = options.get('max', 10) %}{% set unit = options.get('unit', '') %}
<div class="sondage-slider">
  <p aria-hidden="true"><output for="sondage-slider-{{ q.id }}">{{ options.get('start', low) }}</output>{{ unit }}</p>
  <input id="sondage-slider-{{ q.id }}" name="value" type="range" aria-labelledby="sondage-prompt"
         min="{{ low }}" max="{{ high }}" step="{{ options.get('step', 1) }}" value="{{ options.get('start', low) }}">
  <div class="sondage-ends" aria-hidden="true"><span>{{ low }}{{ unit }}</span><span>{{ high }}{{ unit }}</span></div>
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
