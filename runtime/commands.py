"""Iterate's commands: each one's arguments, checked before anything runs.

:data:`CHECKS` is the dispatch table's first half: for each command, a function that turns
the raw arguments (plain JSON data from the loader) into typed ones, or raises
:class:`ArgumentError` with the message the site owner sees. The runtime calls its handler
only with checked arguments, so an error inside the engine is never reported as the
caller's mistake.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .protocol import CALLBACKS, COMMANDS, Effects, console
from .records import MAX_PROPERTIES, MAX_PROPERTY_NAME, MAX_PROPERTY_TEXT

MAX_MISUSES = 200


class ArgumentError(ValueError):
    """The caller passed arguments a command does not take (the message says which)."""


class Misuses:
    """The caller's mistakes already warned about: each distinct message is said once,
    however often it is made (at most MAX_MISUSES of them)."""

    def __init__(self) -> None:
        self.said: set[str] = set()

    def say(self, message: str) -> Effects:
        if message in self.said or len(self.said) >= MAX_MISUSES:
            return []
        self.said.add(message)
        return [console("warn", message)]


@dataclass
class Checked:
    args: tuple[Any, ...]
    warnings: list[str] = field(default_factory=list)   # values dropped, the rest applies


def _at_most(name: str, args: list[Any], count: int) -> None:
    if len(args) > count:
        raise ArgumentError(f"Iterate({name!r}) takes at most {count} argument(s), got {len(args)}")


_INVALID = object()


def typed_value(value: Any) -> Any:
    """A trait value as Iterate types them: string, number, boolean or {type: date, value}."""
    if isinstance(value, (str, bool, int, float)):
        return value
    if (isinstance(value, dict) and value.get("type") == "date" and set(value) == {"type", "value"}
            and isinstance(value["value"], (int, float)) and not isinstance(value["value"], bool)):
        return {"type": "date", "value": int(value["value"])}
    return _INVALID


def _properties(given: Any, what: str, warnings: list[str], *, user: bool) -> dict[str, Any]:
    """Typed values within the documented limits (records.MAX_*): what is past them is left
    out with a warning, so no answer carries a record the collector would refuse."""
    out: dict[str, Any] = {}
    for key, value in (given or {}).items():
        typed = typed_value(value)
        if typed is _INVALID:
            warnings.append(f"Sondage: Iterate('identify'): {what} {key!r} must be a string, number, "
                            f"boolean or date; ignored")
            continue
        if len(str(key)) > MAX_PROPERTY_NAME or (isinstance(typed, str) and len(typed) > MAX_PROPERTY_TEXT):
            warnings.append(f"Sondage: Iterate('identify'): {what} {str(key)[:40]!r} is longer than the limit "
                            f"(names {MAX_PROPERTY_NAME}, text {MAX_PROPERTY_TEXT} characters); ignored")
            continue
        if len(out) >= MAX_PROPERTIES:
            warnings.append(f"Sondage: Iterate('identify'): more than {MAX_PROPERTIES} {what}s; the rest are ignored")
            break
        if user and key == "external_id":
            typed = str(typed)     # the cross-platform user key is a string
        out[str(key)] = typed
    return out


def check_identify(args: list[Any]) -> Checked:
    _at_most("identify", args, 2)
    traits = args[0] if args else None
    response_properties = args[1] if len(args) > 1 else None
    if traits is not None and not isinstance(traits, dict):
        raise ArgumentError("Iterate('identify', traits) needs an object of traits")
    if response_properties is not None and not isinstance(response_properties, dict):
        raise ArgumentError("Iterate('identify', traits, responseProperties) needs an object of "
                            "response properties")
    warnings: list[str] = []
    return Checked((_properties(traits, "trait", warnings, user=True),
                    _properties(response_properties, "response property", warnings, user=False)),
                   warnings)


def check_event(args: list[Any]) -> Checked:
    _at_most("event", args, 2)
    name = args[0] if args else None
    properties = args[1] if len(args) > 1 else None
    if not isinstance(name, str) or not name:
        raise ArgumentError("Iterate('event', name) needs the event name")
    if properties is not None and not isinstance(properties, dict):
        raise ArgumentError("Iterate('event', name, properties) needs an object of properties")
    return Checked((name, dict(properties or {})))


def check_install(args: list[Any]) -> Checked:
    _at_most("install", args, 1)
    survey_id = args[0] if args else None
    if survey_id is not None and not isinstance(survey_id, str):
        raise ArgumentError("Iterate('install', surveyId) needs a survey id")
    return Checked((survey_id,))


def check_url(args: list[Any]) -> Checked:
    _at_most("url", args, 1)
    if not args or not isinstance(args[0], str):
        raise ArgumentError("Iterate('url', href) needs a URL")
    return Checked((args[0],))


def check_none(name: str) -> Callable[[list[Any]], Checked]:
    def check(args: list[Any]) -> Checked:
        _at_most(name, args, 0)
        return Checked(())
    return check


def check_segment(args: list[Any]) -> Checked:
    _at_most("segment", args, 1)
    return Checked((args[0] if args else None,))   # segment_plugin checks the event itself


CHECKS: dict[str, Callable[[list[Any]], Checked]] = {
    "identify": check_identify,
    "event": check_event,
    "install": check_install,
    "url": check_url,
    "uninstall": check_none("uninstall"),
    "segment": check_segment,
    "debug": check_none("debug"),
}
assert set(CHECKS) == set(COMMANDS), "every command in the protocol has its check"


def check(name: str, args: list[Any]) -> Checked | None:
    """The checked arguments of a command; None for a callback registration (the loader
    keeps the functions). Raises ArgumentError for an unknown command or bad arguments."""
    if name in CALLBACKS:
        return None
    checker = CHECKS.get(name)
    if checker is None:
        raise ArgumentError(f"unknown command Iterate({name!r})")
    return checker(args)
