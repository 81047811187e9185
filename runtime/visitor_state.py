"""The visitor's state in their browser: versioned keys and values, and their migrations.

Keys are ``sondage:v<N>:<site>:<name>`` (:mod:`protocol`); every JSON value carries its own
``version``. Version 0 is what Sondage stored before versioning: keys
``sondage:<site>:<name>`` and unversioned values of the same shape. A runtime reads every
version it knows, writes only the current one and removes what it migrated, so a visitor
who already answered a once-survey is not asked again after an upgrade.

Values are only ever extended with new fields within a version, so a value written by a
newer runtime (another tab after a deploy) is read by its known fields.
"""

from __future__ import annotations

from typing import Any

from . import delivery_plan, protocol
from .outbox import Outbox
from .protocol import Effects
from .targeting import History

HISTORY_VERSION = 1
OUTBOX_VERSION = 2    # 2: with the loader's delivery plan (1 and 0: without; read alike)
KNOWN_KEY_VERSIONS = (protocol.STORAGE_VERSION, 0)


def _version(data: dict[str, Any]) -> int:
    v = data.get("version", 0)
    return v if isinstance(v, int) and not isinstance(v, bool) else -1


def _times(value: Any) -> dict[str, float]:
    if not isinstance(value, dict):
        return {}
    return {str(k): float(v) for k, v in value.items()
            if isinstance(v, (int, float)) and not isinstance(v, bool)}


def history_from_json(data: Any) -> History | None:
    """The history in ``data`` (any known version); None if it cannot be read."""
    if not isinstance(data, dict) or _version(data) < 0:
        return None
    # v0 -> v1: the same fields, now with a version.
    return History(shown=_times(data.get("shown")), responded=_times(data.get("responded")))


def history_to_json(history: History) -> dict[str, Any]:
    return {"version": HISTORY_VERSION, "shown": dict(history.shown), "responded": dict(history.responded)}


def outbox_from_json(data: Any) -> Outbox:
    if not isinstance(data, dict) or not isinstance(data.get("items"), list) or _version(data) < 0:
        return Outbox()
    items = [r for r in data["items"] if isinstance(r, dict) and isinstance(r.get("id"), str)]
    attempts = data.get("attempts")
    attempts = attempts if isinstance(attempts, int) and not isinstance(attempts, bool) else 0
    # A reload is a good moment to try again: keep the count, not the wait.
    return Outbox(items=items, attempts=attempts, next_try=0.0)


def outbox_to_json(outbox: Outbox) -> protocol.OutboxRecord:
    """The outbox as stored, with the plan the loader carries out when no runtime sends it."""
    return {"version": OUTBOX_VERSION, "items": list(outbox.items), "attempts": outbox.attempts,
            "plan": delivery_plan.plan(outbox)}


def outboxes(site: str, storage: dict[str, Any]) -> list[tuple[str, Any]]:
    """Every outbox of the site in ``storage`` (this version's and older ones), by key."""
    found = []
    for version in KNOWN_KEY_VERSIONS:
        base = protocol.storage_key(site, "outbox", version)
        found += [(k, storage[k]) for k in sorted(storage) if k == base or k.startswith(base + ":")]
    return found


def read(site: str, name: str, storage: dict[str, Any]) -> tuple[Any, Effects]:
    """The value stored under ``name`` (None if absent), and the effects that migrate an
    older key's value to the current key."""
    current = protocol.storage_key(site, name)
    if current in storage:
        return storage[current], []
    for version in KNOWN_KEY_VERSIONS[1:]:
        old = protocol.storage_key(site, name, version)
        if old in storage:
            return storage[old], [protocol.store(old, None)]
    return None, []


def read_acked(site: str, storage: dict[str, Any]) -> tuple[set[str], Effects]:
    """Record ids the loader delivered itself; read once, then forgotten."""
    key = protocol.storage_key(site, "acked")
    value = storage.get(key)
    if value is None:
        return set(), []
    ids = value.get("ids") if isinstance(value, dict) else None
    return {str(i) for i in ids} if isinstance(ids, list) else set(), [protocol.store(key, None)]


def early_key(site: str, early_id: str) -> str:
    return protocol.storage_key(site, f"early:{early_id}")


def read_early(site: str, storage: dict[str, Any]) -> tuple[list[dict[str, Any]], Effects]:
    """Clicks on a survey shown before Python was up, each stored at once by the loader under
    ``early:<id>``, in the order they were made; read once, then forgotten."""
    prefix = protocol.storage_key(site, "early:")
    keys = [k for k in storage if k.startswith(prefix)]
    events = [storage[k] for k in keys if isinstance(storage[k], dict)]
    events.sort(key=lambda e: e.get("at") if isinstance(e.get("at"), (int, float)) else 0)
    return events, [protocol.store(k, None) for k in sorted(keys)]


def read_history(site: str, storage: dict[str, Any]) -> tuple[History, Effects]:
    data, effects = read(site, "history", storage)
    history = history_from_json(data) if data is not None else History()
    if history is None:
        return History(), [*effects, protocol.console(
            "warn", "Sondage: the visitor's stored survey history could not be read; starting anew")]
    if effects:   # migrated: write it under the current key at once
        effects.append(protocol.store(protocol.storage_key(site, "history"), history_to_json(history)))
    return history, effects


def read_visitor(site: str, storage: dict[str, Any]) -> tuple[str | None, Effects]:
    data, effects = read(site, "visitor", storage)
    visitor = data if isinstance(data, str) and 8 <= len(data) <= 64 else None
    if visitor is not None and effects:
        effects.append(protocol.store(protocol.storage_key(site, "visitor"), visitor))
    return visitor, effects


def forget_old_hint(site: str, storage: dict[str, Any]) -> Effects:
    """An older version's hint is never read again (a new one is written at start)."""
    return [protocol.store(k, None) for k in (protocol.storage_key(site, "hint", v) for v in KNOWN_KEY_VERSIONS[1:])
            if k in storage]
