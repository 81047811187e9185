"""The editor's fields, generated from the survey format's JSON Schema (one definition: a
field added to ``runtime/survey_format.py`` appears here with no change to the studio).

``fields(schema, data)`` turns a schema and a survey's data into a tree of :class:`Field` to
draw; ``read(schema, form)`` turns the posted form back into data, guided by the same schema.
Form names are dotted paths with list indices (``questions.0.prompt``); a mapping of objects
by name (``translations``) is a list of entries whose name is a field of its own (``__key``).
``op`` applies what a button asked (add, remove, move up an item; switch an optional part on
or off). ``place_error`` puts a format error (``questions[0].prompt: must not be empty``) on
its field, or on the nearest one that holds it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData

from .roundtrip import Schema, resolve

BOOL_WORDS = {"true": True, "false": False}
LANGUAGES = ("fr", "de", "es", "it", "nl", "pt", "ja", "zh", "new")   # offered first for a new translation


@dataclass
class Field:
    kind: str           # text, textarea, number, select, checkbox, tristate, scalar, lines, choices,
    #                     pairs, object, optional, list, keyed
    name: str           # the form name: questions.0.prompt
    path: str           # the format's path: questions[0].prompt
    label: str
    help: str = ""
    value: Any = None
    options: list[str] = field(default_factory=list)
    children: list[Field] = field(default_factory=list)
    on: bool = True     # an optional part: switched on
    key: str = ""       # an entry of a keyed mapping: its name
    error: str = ""
    step: str = "1"
    required: bool = False

    def all(self) -> list[Field]:
        return [self, *(f for c in self.children for f in c.all())]


def label_of(name: str) -> str:
    return name.replace("_", " ").capitalize()


def _singular(label: str) -> str:
    word = label.rstrip()
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


def classify(schema: Schema, defs: dict[str, Schema]) -> tuple[str, Schema]:
    """What kind of field a property of ``schema`` is drawn as, and the schema it edits."""
    schema = resolve(schema, defs)
    if "anyOf" in schema:
        options = [resolve(o, defs) for o in schema["anyOf"] if o.get("type") != "null"]
        nullable = len(options) < len(schema["anyOf"])
        if len(options) == 1:
            inner = options[0]
            if "properties" in inner:
                return ("optional" if nullable else "object"), inner
            kind, _ = classify(inner, defs)
            if kind == "checkbox" and nullable:
                return "tristate", inner
            return kind, inner
        return "scalar", schema
    if "enum" in schema:
        return "select", schema
    kind = str(schema.get("type", ""))
    if kind == "boolean":
        return "checkbox", schema
    if kind in ("integer", "number"):
        return "number", schema
    if kind == "string":
        return ("textarea" if schema.get("maxLength", 0) >= 500 else "text"), schema
    if kind == "array":
        items = resolve(schema["items"], defs)
        if "properties" in items:
            return "list", schema
        return ("choices" if "enum" in items else "lines"), schema
    if kind == "object":
        if "properties" in schema:
            return "object", schema
        extra = resolve(schema.get("additionalProperties") or {}, defs)
        return ("keyed" if "properties" in extra else "pairs"), schema
    return "scalar", schema


def _index_path(path: str, part: str | int) -> str:
    if isinstance(part, int):
        return f"{path}[{part}]"
    return f"{path}.{part}" if path else part


def _scalar_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def fields(schema: Schema, data: Any, defs: dict[str, Schema] | None = None, name: str = "", path: str = "",
           label: str = "") -> Field:
    """The field tree of ``data`` (the survey as plain data) under ``schema``."""
    defs = defs if defs is not None else schema.get("$defs", {})
    kind, inner = classify(schema, defs)
    here = Field(kind, name, path, label, help=str(schema.get("description") or inner.get("description") or ""))
    if kind in ("object", "optional"):
        here.on = data is not None or kind == "object"
        values = data if isinstance(data, dict) else {}
        required = set(inner.get("required", []))
        for key, prop in inner["properties"].items():
            child = fields(prop, values.get(key, _default(prop, defs)), defs, f"{name}.{key}" if name else key,
                           _index_path(path, key), label_of(key))
            child.required = key in required
            here.children.append(child)
    elif kind == "list":
        items = data if isinstance(data, list) else []
        singular = _singular(label) or "Item"
        for i, item in enumerate(items):
            child = fields(inner["items"], item, defs, f"{name}.{i}", _index_path(path, i), f"{singular} {i + 1}")
            here.children.append(child)
    elif kind == "keyed":
        entries = data if isinstance(data, dict) else {}
        for i, (key, item) in enumerate(entries.items()):
            child = fields(inner["additionalProperties"], item, defs, f"{name}.{i}", _index_path(path, str(key)),
                           f"{key}")
            child.key = str(key)
            here.children.append(child)
    elif kind == "select":
        here.options = [str(o) for o in inner["enum"]]
        here.value = _scalar_text(data)
    elif kind == "choices":
        here.options = [str(o) for o in resolve(inner["items"], defs)["enum"]]
        here.value = [str(v) for v in data] if isinstance(data, list) else []
    elif kind == "lines":
        here.value = "\n".join(_scalar_text(v) for v in data) if isinstance(data, list) else ""
    elif kind == "pairs":
        here.value = "\n".join(f"{k}: {_scalar_text(v)}" for k, v in data.items()) if isinstance(data, dict) else ""
    elif kind == "checkbox":
        here.value = bool(data)
    elif kind == "number":
        here.value = _scalar_text(data)
        here.step = "1" if inner.get("type") == "integer" else "any"
    else:
        here.value = _scalar_text(data)
    return here


def _default(prop: Schema, defs: dict[str, Schema]) -> Any:
    return prop.get("default")


def _scalar(text: str) -> Any:
    """A value typed where the format takes text, a number or true/false."""
    text = text.strip()
    if text in BOOL_WORDS:
        return BOOL_WORDS[text]
    if re.fullmatch(r"-?\d{1,15}", text):
        return int(text)
    if re.fullmatch(r"-?\d+\.\d*|-?\.\d+", text):
        return float(text)
    return text


def _number(text: str) -> Any:
    text = text.strip()
    try:
        return int(text) if re.fullmatch(r"-?\d+", text) else float(text)
    except ValueError:
        return text         # the format says what is wrong: "must be a number, got a string"


def _last(form: FormData, name: str) -> str | None:
    values = form.getlist(name)
    return str(values[-1]) if values else None


class Absent:
    """A field the form does not have (a part just switched on): the format's default applies."""


ABSENT = Absent()


def read(schema: Schema, form: FormData, defs: dict[str, Schema] | None = None, name: str = "") -> Any:
    """The data the form says, for ``schema`` at ``name`` (ABSENT when the form has none)."""
    defs = defs if defs is not None else schema.get("$defs", {})
    kind, inner = classify(schema, defs)
    if kind in ("object", "optional"):
        if kind == "optional" and _last(form, f"{name}.__on") != "true":
            return None if f"{name}.__on" in form else ABSENT
        out = {}
        for key, prop in inner["properties"].items():
            value = read(prop, form, defs, f"{name}.{key}" if name else key)
            if not isinstance(value, Absent):
                out[key] = value
        return out
    if kind in ("list", "keyed"):
        count = _last(form, f"{name}.__n")
        if count is None or not count.isdigit():
            return ABSENT
        item_schema = inner["items"] if kind == "list" else inner["additionalProperties"]
        items = [read(item_schema, form, defs, f"{name}.{i}") for i in range(int(count))]
        items = [{} if isinstance(v, Absent) else v for v in items]
        if kind == "list":
            return items
        return {(_last(form, f"{name}.{i}.__key") or "").strip(): v for i, v in enumerate(items)}
    if kind == "choices":
        if f"{name}.__n" not in form:
            return ABSENT
        return [str(v) for v in form.getlist(name)]
    raw = _last(form, name)
    if raw is None:
        return ABSENT
    if kind == "checkbox":
        return raw == "true"
    if kind == "tristate":
        return BOOL_WORDS.get(raw)
    nullable = "anyOf" in resolve(schema, defs)
    if kind == "number":
        return None if not raw.strip() and nullable else _number(raw)
    if kind == "lines":
        typed = resolve(inner["items"], defs).get("type") != "string"
        return [_scalar(line) if typed else line.strip() for line in raw.splitlines() if line.strip()]
    if kind == "pairs":
        pairs: dict[str, Any] = {}
        for line in raw.splitlines():
            if line.strip():
                key, _, value = line.partition(":")
                pairs[key.strip()] = _scalar(value)
        return pairs
    if kind == "scalar":
        return None if not raw.strip() else _scalar(raw)
    if not raw and nullable:
        return None
    return raw


def new_item(schema: Schema, defs: dict[str, Schema], siblings: list[Any]) -> dict[str, Any]:
    """A new item of a list of objects: its required fields filled as simply as valid (an id
    not yet taken, an enum's first choice, an empty text for the person to write)."""
    obj = resolve(schema, defs)
    out: dict[str, Any] = {}
    for key in obj.get("required", []):
        kind, inner = classify(obj["properties"][key], defs)
        if key == "id":
            taken = {s.get("id") for s in siblings if isinstance(s, dict)}
            out[key] = next(f"q{n}" for n in range(len(siblings) + 1, 999) if f"q{n}" not in taken)
        elif kind == "select":
            out[key] = inner["enum"][0]
        elif kind in ("list", "lines", "choices"):
            out[key] = []
        elif kind in ("keyed", "pairs", "object"):
            out[key] = {}
        elif kind == "number":
            out[key] = inner.get("minimum", 0)
        else:
            out[key] = ""
    return out


def _walk(data: Any, parts: list[str]) -> tuple[Any, str]:
    """The container holding the item named by ``parts`` (form names' parts) and its last key."""
    for part in parts[:-1]:
        if isinstance(data, list):
            data = data[int(part)]
        elif isinstance(data, dict):
            if part not in data:        # an index into a keyed mapping's entries
                data = data[list(data)[int(part)]] if part.isdigit() else data.setdefault(part, {})
            else:
                data = data[part]
    return data, parts[-1]


def _schema_at(schema: Schema, defs: dict[str, Schema], parts: list[str]) -> Schema:
    for part in parts:
        kind, inner = classify(schema, defs)
        if kind in ("object", "optional"):
            schema = inner["properties"][part]
        elif kind == "list":
            schema = inner["items"]
        elif kind == "keyed":
            schema = inner["additionalProperties"]
    return schema


def op(schema: Schema, data: dict[str, Any], what: str) -> None:
    """Apply a button's ``what`` (``add:questions``, ``remove:questions.1``, ``up:questions.1``)."""
    defs = schema.get("$defs", {})
    verb, _, name = what.partition(":")
    parts = [p for p in name.split(".") if p]
    if not parts:
        return
    if verb == "add":
        holder, key = _walk(data, parts)
        target = _schema_at(schema, defs, parts)
        kind, inner = classify(target, defs)
        if kind == "list":
            items = holder.setdefault(key, []) if isinstance(holder, dict) else holder[int(key)]
            if items is None:
                items = holder[key] = []
            items.append(new_item(inner["items"], defs, items))
        elif kind == "keyed":
            entries = holder.get(key) or {}
            holder[key] = entries
            questions = [q for q in data.get("questions") or [] if isinstance(q, dict) and q.get("id")]
            if key == "translations":      # a new language starts from the survey's own words, to overwrite
                entries[next(k for k in LANGUAGES if k not in entries)] = {"questions": {
                    str(q["id"]): {"prompt": q.get("prompt") or "", **({"choices": q["choices"]} if q.get("choices")
                                                                        else {})} for q in questions}}
            else:
                ids = [str(q["id"]) for q in questions] if key == "questions" else []
                name_of = next((k for k in [*ids, *LANGUAGES, "new"] if k not in entries), "new")
                entries[name_of] = new_item(inner["additionalProperties"], defs, [])
    elif verb in ("remove", "up"):
        holder, key = _walk(data, parts)
        if isinstance(holder, list) and key.isdigit() and int(key) < len(holder):
            i = int(key)
            if verb == "remove":
                del holder[i]
            elif i > 0:
                holder[i - 1], holder[i] = holder[i], holder[i - 1]
        elif isinstance(holder, dict) and key.isdigit() and int(key) < len(holder):
            name_of = list(holder)[int(key)]
            if verb == "remove":
                del holder[name_of]
    elif verb == "on":
        holder, key = _walk(data, parts)
        target = _schema_at(schema, defs, parts)
        if isinstance(holder, dict) and not holder.get(key):
            holder[key] = new_item(classify(target, defs)[1], defs, [])
    elif verb == "off":
        holder, key = _walk(data, parts)
        if isinstance(holder, dict):
            holder[key] = None


def error_path(path: str) -> str:
    """``questions[0].prompt`` as the tree's paths are written (the same)."""
    return path


def place_error(tree: Field, path: str, message: str) -> Field:
    """Put ``message`` on the field at ``path``, else on the nearest field that holds it."""
    by_path = {f.path: f for f in tree.all()}
    probe = path
    while probe:
        if probe in by_path:
            target = by_path[probe]
            target.error = message if probe == path else f"{path[len(probe):].lstrip('.')}: {message}"
            return target
        probe = re.sub(r"(\[[^\]]*\]|\.?[^.\[]+)$", "", probe)
    tree.error = f"{path}: {message}" if path else message
    return tree
