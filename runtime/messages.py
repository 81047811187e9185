"""The messages' shapes, both directions, typed once; and :func:`parse`, which turns a dict
that came in into the typed message or says which field is wrong.

:mod:`protocol` names the message types and types the effects; this module types what each
message carries. ``build/typescript.py`` writes these same types into
``static/contracts.d.ts``, which ``tsc`` checks the loader, the frame and the worker against,
so the JavaScript sends what Python reads here.

Every message posted between the host page and the frame carries ``sondage: 1`` (so neither
mistakes another script's message for one of ours). Fields not named here are let through
(a newer loader may send more); a field named here must have its type.
"""

# No `from __future__ import annotations`: TypedDict sees NotRequired only in evaluated annotations.
import types
from functools import cache
from typing import Any, Literal, NotRequired, TypedDict, Union, cast, get_args, get_origin, get_type_hints, is_typeddict

from .protocol import (
    Ahead,
    AnsweredAhead,
    CallbackEffect,
    CarriedOut,
    ConsoleEffect,
    Effect,
    Placement,
    SdkEffect,
    StoreEffect,
)


class MessageError(ValueError):
    pass


# -- into Python: from the loader (through the frame), the frame, or the worker -------------
class PageFacts(TypedDict):
    """What the loader knows of the host page."""
    url: str
    referrer: str
    language: str
    user_agent: str
    touch_points: int
    font: str                 # the host page's font family (for appearance.font: inherit)
    channel: Any              # iterateSettings' channel and campaign, as the site set them
    campaign: Any             # (the runtime checks them)
    identities: NotRequired[Any]   # the vendor's ids its message's merge tags filled (an in-app message)


class InitMessage(TypedDict):
    type: Literal["init"]
    sondage: NotRequired[Literal[1]]
    site: str
    preview: str | None       # iterate_preview: a survey id
    look: str | None          # iterate_look: position.theme
    debug: bool
    data_id: str              # the survey data's file (the visitor's hint is for one)
    shown_ahead: str | None   # the survey the frame shows ahead ...
    ahead: Ahead | None       # ... its first step (the frame mounts it) ...
    ahead_event: str | None   # ... and the event it waits for (None: the page view)
    collector: str | None
    storage: dict[str, Any]   # the site's keys in the host's localStorage, parsed
    page: PageFacts
    site_data: NotRequired[dict[str, Any]]   # the site's surveys: added by the worker
    status: NotRequired[Any]  # the collector's status/<site>.json (protocol.SiteStatus) or null: added by the worker
    # What the frame carried out of the showing's plan before Python started (added by the frame;
    # `storage` is then as the plan left it).
    carried_out: NotRequired[CarriedOut | None]


class CommandMessage(TypedDict):
    type: Literal["command"]
    sondage: NotRequired[Literal[1]]
    name: str
    args: list[Any]
    active: NotRequired[bool]   # made during the visitor's own gesture (navigator.userActivation)


class PageMessage(TypedDict):
    type: Literal["page"]
    sondage: NotRequired[Literal[1]]
    url: str


class ScrollMessage(TypedDict):
    type: Literal["scroll"]
    sondage: NotRequired[Literal[1]]
    percent: float


class ExitIntentMessage(TypedDict):
    type: Literal["exit_intent"]
    sondage: NotRequired[Literal[1]]


class StorageMessage(TypedDict):
    type: Literal["storage"]
    sondage: NotRequired[Literal[1]]
    key: str
    value: Any                # parsed JSON; None: removed


class UiMessage(TypedDict):
    """What the visitor did in the widget (from the frame)."""
    type: Literal["ui"]
    sondage: NotRequired[Literal[1]]
    action: str               # answer, submit, skip, start, close
    survey_id: str | None
    question_id: NotRequired[str | None]
    value: NotRequired[str | None]
    values: NotRequired[list[Any]]
    other: NotRequired[Any]
    early: NotRequired[str]   # made before Python was up: the host stored it under this id ...
    at: NotRequired[float]    # ... at this time (seconds)
    url: NotRequired[str]     # ... on this page (added by the loader)
    carried_out: NotRequired[AnsweredAhead]   # its answer plan was carried out (an in-app message)


class SdkReplyMessage(TypedDict):
    type: Literal["sdk_reply"]
    sondage: NotRequired[Literal[1]]
    name: str
    value: str | float | None


class DeliveredMessage(TypedDict):
    type: Literal["delivered"]
    ids: list[str]
    status: int                   # 0: no answer at all
    retry_after: float | None
    body: Any


class UndeliveredMessage(TypedDict):
    type: Literal["undelivered"]
    ids: list[str]


class WakeMessage(TypedDict):
    type: Literal["wake"]


class OnlineMessage(TypedDict):
    type: Literal["online"]


class StartedMessage(TypedDict):
    type: Literal["started"]


class LoadFailure(TypedDict):
    name: str
    error: str


class LoadedMessage(TypedDict):
    type: Literal["loaded"]
    names: list[Any]
    failed: list[LoadFailure]


HostToFrameMessage = (InitMessage | CommandMessage | PageMessage | ScrollMessage | ExitIntentMessage
                      | StorageMessage | UiMessage | SdkReplyMessage)
ToRuntimeMessage = (HostToFrameMessage | DeliveredMessage | UndeliveredMessage | WakeMessage | OnlineMessage
                    | StartedMessage | LoadedMessage)


# -- out of the worker, and from the frame to the loader -------------------------------------
class ReadyMessage(TypedDict):
    """Python is up; how long its start took (the frame adds frame_ms)."""
    type: Literal["ready"]
    sondage: NotRequired[Literal[1]]
    boot_ms: float
    frame_ms: NotRequired[float]              # since the frame's navigation began
    snapshot_lookup_ms: NotRequired[float]    # the parts of boot_ms
    pyodide_ms: NotRequired[float]
    import_ms: NotRequired[float]
    snapshot: NotRequired[str]                # restored, stored, none stored, did not restore (why)
    wasm_bytes: NotRequired[int | None]


class AliveMessage(TypedDict):
    """The worker's module runs (before Pyodide starts): the frame keeps this worker."""
    type: Literal["alive"]


class FailedMessage(TypedDict):
    type: Literal["failed"]
    sondage: NotRequired[Literal[1]]
    reason: str


class HelloMessage(TypedDict):
    type: Literal["hello"]
    sondage: NotRequired[Literal[1]]


class ShowMessage(TypedDict):
    type: Literal["show"]
    sondage: NotRequired[Literal[1]]
    height: float
    position: str
    placement: Placement
    focus: bool
    announce: str
    language: str


class ResizeMessage(TypedDict):
    type: Literal["resize"]
    sondage: NotRequired[Literal[1]]
    height: float


class HideMessage(TypedDict):
    type: Literal["hide"]
    sondage: NotRequired[Literal[1]]


class EarlyMessage(TypedDict):
    """A click made before Python was up, for the loader to store at once (under early:<id>)."""
    type: Literal["early"]
    sondage: NotRequired[Literal[1]]
    event: UiMessage


WorkerToFrameMessage = AliveMessage | ReadyMessage | FailedMessage | Effect
FrameToHostMessage = (HelloMessage | ReadyMessage | FailedMessage | ShowMessage | ResizeMessage | HideMessage
                      | StoreEffect | CallbackEffect | ConsoleEffect | SdkEffect | EarlyMessage)

# The typed message of each type that goes into Python.
TO_RUNTIME: dict[str, type] = {
    cast(str, get_args(get_type_hints(t)["type"])[0]): t for t in get_args(ToRuntimeMessage)}


def parse(data: Any) -> ToRuntimeMessage:
    """``data`` (a message that came into Python) as its typed message; a :class:`MessageError`
    naming the message and the field if it is not one."""
    if not isinstance(data, dict):
        raise MessageError(f"a message must be an object, got {_kind(data)}")
    kind = data.get("type")
    shape = TO_RUNTIME.get(kind) if isinstance(kind, str) else None
    if shape is None:
        raise MessageError(f"unknown message type {kind!r} (known: {', '.join(TO_RUNTIME)})")
    _check_fields(shape, data, f"message {kind!r}")
    return cast(ToRuntimeMessage, data)


@cache
def _fields(shape: type) -> tuple[dict[str, Any], frozenset[str]]:
    return get_type_hints(shape), cast(frozenset[str], shape.__required_keys__)  # type: ignore[attr-defined]


def _check_fields(shape: type, data: dict[str, Any], where: str) -> None:
    hints, required = _fields(shape)
    for name in sorted(required - set(data)):
        raise MessageError(f"{where}: field {name!r} is missing")
    for name, hint in hints.items():
        if name in data:
            _check(hint, data[name], f"{where}: field {name!r}")


def _check(hint: Any, value: Any, where: str) -> None:
    origin = get_origin(hint)
    if hint is Any:
        return
    if origin is Literal:
        if value not in get_args(hint) or isinstance(value, bool) != isinstance(get_args(hint)[0], bool):
            raise MessageError(f"{where} must be {' or '.join(map(repr, get_args(hint)))}, got {value!r}")
        return
    if origin in (Union, types.UnionType):
        for option in get_args(hint):
            try:
                _check(option, value, where)
                return
            except MessageError:
                continue
        raise MessageError(f"{where} must be {_describe(hint)}, got {_kind(value)}")
    if origin is list:
        if not isinstance(value, list):
            raise MessageError(f"{where} must be a list, got {_kind(value)}")
        for i, item in enumerate(value):
            _check(get_args(hint)[0], item, f"{where}[{i}]")
        return
    if origin is dict:
        if not isinstance(value, dict):
            raise MessageError(f"{where} must be an object, got {_kind(value)}")
        for key, item in value.items():
            _check(get_args(hint)[1], item, f"{where}[{key!r}]")
        return
    if is_typeddict(hint):
        if not isinstance(value, dict):
            raise MessageError(f"{where} must be an object, got {_kind(value)}")
        _check_fields(hint, value, where)
        return
    if not _is(hint, value):
        raise MessageError(f"{where} must be {_describe(hint)}, got {_kind(value)}")


def _is(hint: Any, value: Any) -> bool:
    if hint is type(None):
        return value is None
    if hint is bool:
        return isinstance(value, bool)
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, hint)


def _describe(hint: Any) -> str:
    if get_origin(hint) in (Union, types.UnionType):
        return " or ".join(_describe(a) for a in get_args(hint))
    names = {str: "a string", int: "an integer", float: "a number", bool: "true or false", type(None): "null"}
    return names.get(hint, "an object" if is_typeddict(hint) or get_origin(hint) is dict
                     else "a list" if get_origin(hint) is list else str(hint))


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"the string {value[:40]!r}"
    kinds = {int: "a number", float: "a number", list: "a list", dict: "an object"}
    return kinds.get(type(value), type(value).__name__)
