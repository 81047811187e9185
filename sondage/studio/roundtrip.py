"""Writing a survey back into its YAML file the way a person would: only what changed.

The file is read with ruamel.yaml's round-trip loader (comments, key order, quoting, flow or
block style kept) and the new content is merged into it: a value that did not change keeps
its node exactly as written; a changed mapping is merged key by key; a list of the same length
item by item; a key the file did not have is added only when its value is not the format's
default (a new question does not bring fifteen default fields with it).
"""

from __future__ import annotations

import datetime as _dt
import io
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

Schema = dict[str, Any]


def plain(value: Any) -> Any:
    """ruamel's nodes as plain data, as `sondage build` reads them (dates as ISO text)."""
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value


def guess_indent(text: str) -> tuple[int, int]:
    """How the file indents (ruamel.yaml keeps no per-file layout): a nested mapping's keys
    (2 unless the file says otherwise) and where a list's dash sits under its key (``- x``
    at the key's column, or indented ``  - x``)."""
    mapping, offset = None, None
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    for before, line in zip(lines, lines[1:], strict=False):
        spaces = len(line) - len(line.lstrip(" "))
        if before.startswith(" ") or not before.rstrip().endswith(":"):
            continue            # only what sits under a top-level key says how the file indents
        if line.lstrip().startswith("- "):
            offset = spaces if offset is None else offset
        elif spaces:
            mapping = spaces if mapping is None else mapping
    return mapping or 2, offset if offset is not None else 0


class Document:
    """A YAML file's text, loaded for a round trip."""

    def __init__(self, text: str) -> None:
        self.yaml = YAML()          # round-trip, YAML 1.2 (yes/no are text, as survey files are read)
        self.yaml.preserve_quotes = True
        self.yaml.width = 4096      # never fold a long line the person wrote on one
        if text.strip():
            mapping, offset = guess_indent(text)
            self.yaml.indent(mapping=mapping, sequence=offset + 2, offset=offset)
            self.data: Any = self.yaml.load(text)
        else:
            self.data = CommentedMap()

    def dump(self) -> str:
        out = io.StringIO()
        self.yaml.dump(self.data, out)
        return out.getvalue()


def resolve(schema: Schema, defs: dict[str, Schema]) -> Schema:
    while "$ref" in schema:
        schema = defs[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def object_schema(schema: Schema, defs: dict[str, Schema]) -> Schema | None:
    """The object schema a value of ``schema`` has when it is a mapping with known fields."""
    schema = resolve(schema, defs)
    for option in schema.get("anyOf", []):
        found = object_schema(option, defs)
        if found is not None:
            return found
    return schema if "properties" in schema else None


def item_schema(schema: Schema, defs: dict[str, Schema]) -> Schema | None:
    schema = resolve(schema, defs)
    for option in schema.get("anyOf", []):
        found = item_schema(option, defs)
        if found is not None:
            return found
    if schema.get("type") == "array":
        return object_schema(schema["items"], defs)
    return None


def values_schema(schema: Schema, defs: dict[str, Schema]) -> Schema | None:
    """For a mapping of objects keyed by name (translations), the objects' schema."""
    schema = resolve(schema, defs)
    extra = schema.get("additionalProperties")
    if schema.get("type") == "object" and "properties" not in schema and isinstance(extra, dict):
        return object_schema(extra, defs)
    return None


def is_default(value: Any, prop: Schema, required: bool) -> bool:
    if required:
        return False
    if "default" in prop:
        return bool(value == prop["default"])
    return value is None


def pruned(value: Any, schema: Schema | None, defs: dict[str, Schema]) -> Any:
    """``value`` without the fields that only repeat the format's defaults."""
    obj = object_schema(schema, defs) if schema is not None else None
    if isinstance(value, dict) and obj is not None:
        required = set(obj.get("required", []))
        out = {}
        for key, v in value.items():
            prop = obj["properties"].get(key, {})
            if key in obj["properties"] and is_default(v, prop, key in required):
                continue
            out[key] = pruned(v, prop, defs)
        return out
    if isinstance(value, dict) and schema is not None and values_schema(schema, defs) is not None:
        return {k: pruned(v, values_schema(schema, defs), defs) for k, v in value.items()}
    if isinstance(value, list) and schema is not None and item_schema(schema, defs) is not None:
        return [pruned(v, item_schema(schema, defs), defs) for v in value]
    return value


def merge(node: Any, new: Any, schema: Schema | None, defs: dict[str, Schema]) -> Any:
    """``new`` written over ``node`` (what the file holds there), keeping every part of the
    node whose content is the same."""
    if plain(node) == new:
        return node
    obj = object_schema(schema, defs) if schema is not None else None
    if isinstance(node, CommentedMap) and isinstance(new, dict):
        props = obj["properties"] if obj is not None else {}
        required = set(obj.get("required", [])) if obj is not None else set()
        keyed = values_schema(schema, defs) if schema is not None and obj is None else None
        for key in [k for k in node if str(k) not in new]:
            del node[key]
        for key, value in new.items():
            prop = props.get(key) if obj is not None else keyed
            if key in node:
                node[key] = merge(node[key], value, prop, defs)
            elif obj is None or key not in props or not is_default(value, props[key], key in required):
                node[key] = pruned(value, prop, defs)
        return node
    if isinstance(node, CommentedSeq) and isinstance(new, list):
        items = item_schema(schema, defs) if schema is not None else None
        for i, value in enumerate(new[:len(node)]):       # in place: a flow list stays one
            node[i] = merge(node[i], value, items, defs)
        del node[len(new):]
        for value in new[len(node):]:
            node.append(pruned(value, items, defs))
        return node
    return pruned(new, schema, defs)


def write_over(text: str, new: dict[str, Any], schema: Schema) -> str:
    """The file ``text`` with ``new`` as its content (see the module's docstring)."""
    doc = Document(text)
    if not isinstance(doc.data, CommentedMap):
        doc.data = CommentedMap()
    doc.data = merge(doc.data, new, schema, schema.get("$defs", {}))
    return doc.dump()
