"""A small declarative schema: dataclasses whose fields carry constraints.

The same class definitions give three things, so the survey format is written once:

* ``load(cls, data)`` validates plain data (from YAML or JSON) and builds the dataclass,
  raising :class:`FormatError` with the path of the first bad field;
* ``dump(obj)`` turns it back into plain JSON-ready data, defaults filled in;
* ``json_schema(cls)`` publishes the format as JSON Schema.

Supported field types: ``str``, ``int``, ``float``, ``bool``, ``Optional[T]``,
``list[T]``, ``dict[str, T]`` with scalar ``T``, ``Literal[...]`` and nested schema
dataclasses. Unknown keys are errors.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from typing import TYPE_CHECKING, Any, Literal, TypeVar, Union, get_args, get_origin

_MISSING = dataclasses.MISSING
if TYPE_CHECKING:
    from _typeshed import DataclassInstance
T = TypeVar("T", bound="DataclassInstance")

# `Optional[X]`/`Union[X, Y]` and `X | Y` (two origins before Python 3.14, one after).
_UNIONS = (Union, types.UnionType)


class FormatError(ValueError):
    """A value does not fit the format. ``path`` names the field, e.g. ``questions[0].type``."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        self.message = message
        super().__init__(f"{path}: {message}" if path else message)


def spec(
    description: str,
    *,
    default: Any = _MISSING,
    default_factory: Any = _MISSING,
    pattern: str | None = None,
    min_len: int | None = None,
    max_len: int | None = None,
    minimum: float | None = None,
    maximum: float | None = None,
    max_items: int | None = None,
) -> Any:
    """A dataclass field with a description and constraints (used by load and json_schema)."""
    meta = {
        "description": description,
        "pattern": pattern,
        "min_len": min_len,
        "max_len": max_len,
        "minimum": minimum,
        "maximum": maximum,
        "max_items": max_items,
    }
    if default_factory is not _MISSING:
        return dataclasses.field(default_factory=default_factory, metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


def join_path(path: str, name: str) -> str:
    """The path of field ``name`` inside ``path`` (``questions[0]`` + ``type``)."""
    return f"{path}.{name}" if path else name


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string",
            list: "a list", dict: "a mapping"}.get(type(value), type(value).__name__)


def load(cls: type[T], data: Any, path: str = "") -> T:
    """Validate ``data`` against schema dataclass ``cls`` and build it."""
    if not isinstance(data, dict):
        raise FormatError(path, f"must be a mapping, got {_type_name(data)}")
    hints = _hints(cls)
    known = {f.name: f for f in dataclasses.fields(cls)}
    for key in data:
        if key not in known:
            raise FormatError(
                join_path(path, str(key)),
                f"unknown field (expected one of: {', '.join(known)})",
            )
    values: dict[str, Any] = {}
    for name, f in known.items():
        here = join_path(path, name)
        if name not in data:
            if f.default is _MISSING and f.default_factory is _MISSING:
                raise FormatError(here, "is required")
            continue
        values[name] = _convert(hints[name], data[name], here, f.metadata)
    obj = cls(**values)
    check = getattr(obj, "validate", None)
    if check is not None:
        check(path)
    return obj


def _convert(tp: Any, value: Any, path: str, meta: Any) -> Any:
    origin = get_origin(tp)
    if origin in _UNIONS:
        args = [a for a in get_args(tp) if a is not type(None)]
        if value is None:
            if len(args) < len(get_args(tp)):
                return None
            raise FormatError(path, "must not be null")
        if len(args) == 1:
            return _convert(args[0], value, path, meta)
        for arg in args:
            try:
                return _convert(arg, value, path, meta)
            except FormatError:
                continue
        raise FormatError(path, f"must be {' or '.join(_describe(a) for a in args)}, "
                                f"got {_type_name(value)}")
    if origin is Literal:
        choices = get_args(tp)
        if value not in choices:
            raise FormatError(path, f"must be one of {', '.join(map(str, choices))}, got {value!r}")
        return value
    if origin is list:
        if not isinstance(value, list):
            raise FormatError(path, f"must be a list, got {_type_name(value)}")
        limit = meta.get("max_items") if meta else None
        if limit is not None and len(value) > limit:
            raise FormatError(path, f"must have at most {limit} items")
        (item,) = get_args(tp)
        return [_convert(item, v, f"{path}[{i}]", _item_meta(meta)) for i, v in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            raise FormatError(path, f"must be a mapping, got {_type_name(value)}")
        _, item = get_args(tp)
        return {str(k): _convert(item, v, join_path(path, str(k)), None) for k, v in value.items()}
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return load(tp, value, path)
    return _scalar(tp, value, path, meta or {})


def _describe(tp: Any) -> str:
    origin = get_origin(tp)
    if origin is list:
        return "a list"
    if origin is dict or dataclasses.is_dataclass(tp):
        return "a mapping"
    return {bool: "a boolean", int: "a whole number", float: "a number", str: "a string"}.get(
        tp, str(tp))


def _item_meta(meta: Any) -> dict[str, Any]:
    """Constraints on list fields apply to each item, except the list-length ones."""
    if not meta:
        return {}
    return {k: v for k, v in meta.items() if k != "max_items"}


def _scalar(tp: Any, value: Any, path: str, meta: Any) -> Any:
    if tp is bool:
        if not isinstance(value, bool):
            raise FormatError(path, f"must be true or false, got {_type_name(value)}")
        return value
    if tp in (int, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise FormatError(path, f"must be a number, got {_type_name(value)}")
        if tp is int and value != int(value):
            raise FormatError(path, f"must be a whole number, got {value!r}")
        value = tp(value)
        lo, hi = meta.get("minimum"), meta.get("maximum")
        if lo is not None and value < lo:
            raise FormatError(path, f"must be at least {lo}, got {value!r}")
        if hi is not None and value > hi:
            raise FormatError(path, f"must be at most {hi}, got {value!r}")
        return value
    if tp is str:
        if not isinstance(value, str):
            raise FormatError(path, f"must be a string, got {_type_name(value)}")
        lo, hi = meta.get("min_len"), meta.get("max_len")
        if lo is not None and len(value) < lo:
            raise FormatError(path, "must not be empty" if lo == 1 else f"must be at least {lo} characters")
        if hi is not None and len(value) > hi:
            raise FormatError(path, f"must be at most {hi} characters, got {len(value)}")
        pattern = meta.get("pattern")
        if pattern is not None and not re.fullmatch(pattern, value):
            raise FormatError(path, f"{value!r} does not match the pattern {pattern}")
        return value
    raise TypeError(f"unsupported schema type {tp!r} at {path}")


def dump(obj: Any) -> Any:
    """A schema dataclass (or a value inside one) as plain JSON-ready data."""
    if dataclasses.is_dataclass(obj):
        return {f.name: dump(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, list):
        return [dump(v) for v in obj]
    if isinstance(obj, dict):
        return {k: dump(v) for k, v in obj.items()}
    return obj


def json_schema(cls: type, *, title: str | None = None, schema_id: str | None = None) -> dict[str, Any]:
    """Publish schema dataclass ``cls`` (and everything it contains) as JSON Schema."""
    defs: dict[str, Any] = {}
    root = _object_schema(cls, defs)
    out: dict[str, Any] = {"$schema": "https://json-schema.org/draft/2020-12/schema"}
    if schema_id:
        out["$id"] = schema_id
    if title:
        out["title"] = title
    out.update(root)
    if defs:
        out["$defs"] = defs
    return out


def _object_schema(cls: type, defs: dict[str, Any]) -> dict[str, Any]:
    hints = _hints(cls)
    props: dict[str, Any] = {}
    required: list[str] = []
    for f in dataclasses.fields(cls):
        sch = _type_schema(hints[f.name], defs, f.metadata)
        desc = f.metadata.get("description") if f.metadata else None
        if desc:
            sch = {"description": desc, **sch}
        if f.default is not _MISSING and f.default is not None:
            sch["default"] = f.default
        elif f.default_factory is not _MISSING:
            sch["default"] = dump(f.default_factory())
        if f.default is _MISSING and f.default_factory is _MISSING:
            required.append(f.name)
        props[f.name] = sch
    out: dict[str, Any] = {"type": "object", "properties": props, "additionalProperties": False}
    if cls.__doc__:
        out = {"description": " ".join(cls.__doc__.split()), **out}
    if required:
        out["required"] = required
    return out


def _type_schema(tp: Any, defs: dict[str, Any], meta: Any) -> dict[str, Any]:
    meta = meta or {}
    origin = get_origin(tp)
    if origin in _UNIONS:
        args = [a for a in get_args(tp) if a is not type(None)]
        options = [_type_schema(a, defs, meta) for a in args]
        if len(args) < len(get_args(tp)):
            options.append({"type": "null"})
        return {"anyOf": options}
    if origin is Literal:
        return {"enum": list(get_args(tp))}
    if origin is list:
        (item,) = get_args(tp)
        out = {"type": "array", "items": _type_schema(item, defs, _item_meta(meta))}
        if meta.get("max_items") is not None:
            out["maxItems"] = meta["max_items"]
        return out
    if origin is dict:
        _, item = get_args(tp)
        return {"type": "object", "additionalProperties": _type_schema(item, defs, None)}
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        name = tp.__name__
        if name not in defs:
            defs[name] = {}
            defs[name] = _object_schema(tp, defs)
        return {"$ref": f"#/$defs/{name}"}
    if tp is bool:
        return {"type": "boolean"}
    if tp in (int, float):
        out = {"type": "integer" if tp is int else "number"}
        if meta.get("minimum") is not None:
            out["minimum"] = meta["minimum"]
        if meta.get("maximum") is not None:
            out["maximum"] = meta["maximum"]
        return out
    if tp is str:
        out = {"type": "string"}
        if meta.get("min_len") is not None:
            out["minLength"] = meta["min_len"]
        if meta.get("max_len") is not None:
            out["maxLength"] = meta["max_len"]
        if meta.get("pattern") is not None:
            out["pattern"] = f"^(?:{meta['pattern']})$"
        return out
    raise TypeError(f"unsupported schema type {tp!r}")
