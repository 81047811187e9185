"""``static/contracts.d.ts``: the contracts of runtime/protocol.py and runtime/messages.py as
TypeScript declarations, for ``tsc`` to check the bundle's JavaScript against (``make lint``).

Python is the one definition: the messages, effects, stored values and the hint are its
TypedDicts; what ``sondage build`` writes into the JavaScript (``__PROTOCOL__`` for the frame
and the worker, ``__LOADER_PROTOCOL__`` for the loader) is typed from the very values
:func:`protocol.for_javascript` gives. The file is committed; tests/unit/test_contracts.py
fails if it is not what this module writes. Write it anew with::

    python -m build.typescript
"""

from __future__ import annotations

import json
import types
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints, is_typeddict

from build import STATIC
from runtime import messages, protocol

OUT = STATIC / "contracts.d.ts"

# In the order they are written: each TypedDict and each union of them.
CONTRACTS: tuple[tuple[str, Any], ...] = (
    ("Placement", protocol.Placement), ("ShowingPlan", protocol.ShowingPlan), ("CarriedOut", protocol.CarriedOut),
    ("AnsweredAhead", protocol.AnsweredAhead), ("AnswerPlan", protocol.AnswerPlan),
    ("AnswerPlans", protocol.AnswerPlans),
    ("Ahead", protocol.Ahead), ("Hint", protocol.Hint),
    ("AckedRecord", protocol.AckedRecord),
    *((name, getattr(protocol, name)) for name in (
        "Refusal", "CollectorReply", "ReplyReading", "RetryAfterReading", "PlannedBatch", "DeliveryPlan",
        "OutboxRecord")),
    *((name, getattr(protocol, name)) for name in (
        "MountEffect", "UnmountEffect", "StoreEffect", "DeliverEffect", "CallbackEffect", "ConsoleEffect",
        "WakeEffect", "SdkEffect", "LoadEffect", "Effect")),
    *((name, getattr(messages, name)) for name in (
        "PageFacts", "InitMessage", "CommandMessage", "PageMessage", "ScrollMessage", "ExitIntentMessage",
        "StorageMessage", "UiMessage", "SdkReplyMessage", "DeliveredMessage", "UndeliveredMessage",
        "WakeMessage", "OnlineMessage", "StartedMessage", "LoadFailure", "LoadedMessage", "HostToFrameMessage",
        "ToRuntimeMessage", "AliveMessage", "ReadyMessage", "FailedMessage", "HelloMessage", "ShowMessage",
        "ResizeMessage", "HideMessage", "EarlyMessage", "WorkerToFrameMessage", "FrameToHostMessage")),
)


def ts_type(hint: Any, names: dict[Any, str]) -> str:
    """A Python type hint as TypeScript; TypedDicts and unions by their name in ``names``."""
    if hint in names.keys() and (is_typeddict(hint) or isinstance(hint, types.UnionType)):
        return names[hint]
    origin = get_origin(hint)
    if hint is Any:
        return "any"
    if origin is Literal:
        return " | ".join(json.dumps(v) for v in get_args(hint))
    if origin in (Union, types.UnionType):
        return " | ".join(ts_type(a, names) for a in get_args(hint))
    if origin is list:
        item = ts_type(get_args(hint)[0], names)
        return f"({item})[]" if "|" in item else f"{item}[]"
    if origin is dict:
        return f"Record<string, {ts_type(get_args(hint)[1], names)}>"
    simple = {str: "string", int: "number", float: "number", bool: "boolean", type(None): "null"}
    if hint in simple:
        return simple[hint]
    raise TypeError(f"build/typescript.py: no TypeScript for {hint!r}")


def interface(name: str, shape: Any, names: dict[Any, str]) -> str:
    hints = get_type_hints(shape)
    required = shape.__required_keys__
    lines = [f"interface {name} {{"]
    lines += [f"  {key}{'' if key in required else '?'}: {ts_type(hint, names)};" for key, hint in hints.items()]
    return "\n".join(lines) + "\n}"


def value_type(value: Any, top: bool = True) -> str:
    """The type of a value for_javascript() gives: names and maps of names as their literal
    strings (so a message type written ``TO_HOST.show`` is the type "show")."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string" if top else json.dumps(value)
    if isinstance(value, list):
        items = sorted({value_type(v) for v in value})
        return f"{items[0]}[]" if len(items) == 1 else f"({' | '.join(items)})[]" if items else "never[]"
    assert isinstance(value, dict), value
    return "{ " + " ".join(f"{k}: {value_type(v, top=False)};" for k, v in value.items()) + " }"


def contracts_dts() -> str:
    names = {shape: name for name, shape in CONTRACTS}
    parts = ["// Written by build/typescript.py from runtime/protocol.py and runtime/messages.py: do not edit.",
             "// `python -m build.typescript` writes it anew (a unit test checks it is current)."]
    for name, shape in CONTRACTS:
        if is_typeddict(shape):
            doc = (shape.__doc__ or "").strip()
            if doc:
                parts.append("/** " + " ".join(doc.split()) + " */")
            parts.append(interface(name, shape, names))
        else:
            alternatives = " | ".join(names[a] for a in get_args(shape))
            parts.append(f"type {name} = {alternatives};")
    everything = protocol.for_javascript()
    parts.append("/** runtime/protocol.py's for_javascript(): written into the frame and the worker. */")
    parts.append("interface SondageProtocol {\n" + "".join(
        f"  {key}: {value_type(value)};\n" for key, value in everything.items()) + "}")
    parts.append("/** The part of it the loader gets (protocol.FOR_LOADER): every page view pays its bytes. */")
    parts.append("type LoaderProtocol = Pick<SondageProtocol, " + " | ".join(
        json.dumps(k) for k in protocol.FOR_LOADER) + ">;")
    parts.append("declare const __PROTOCOL__: SondageProtocol;")
    parts.append("declare const __LOADER_PROTOCOL__: LoaderProtocol;")
    return "\n".join(parts) + "\n"


def main() -> None:
    OUT.write_text(contracts_dts())
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
