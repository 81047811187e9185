"""The browser boundary: the only module that imports ``js`` and ``pyodide``.

It runs inside the runtime's Web Worker. ``worker.mjs`` calls :func:`start` once Pyodide
is up and :func:`receive` with every message (as JSON text). Effects that need the page
(mount, store, callbacks, console) go back to the frame as JSON text; the two that are
about the network and time (``deliver``, ``wake``) are carried out here.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Callable
from typing import Any

import js  # type: ignore[import-not-found]
from pyodide.ffi import create_once_callable, to_js  # type: ignore[import-not-found]

from . import extensions, messages, protocol
from .embed import Runtime
from .protocol import Effect
from .schema import load
from .survey_format import ExtensionRef

EXTENSIONS_DIR = "/tmp/sondage-extensions"

_runtime: Runtime | None = None
_post: Callable[[str], Any] | None = None
_tasks: set[asyncio.Task[Any]] = set()


def start(post: Callable[[str], Any]) -> None:
    """Begin: ``post`` sends a JSON text to the frame."""
    global _runtime, _post
    _post = post
    _runtime = Runtime(clock=time.time)


def receive(text: str) -> None:
    """One message from the frame (JSON text); never raises into JavaScript."""
    try:
        message = json.loads(text)
        messages.parse(message)   # the boundary: a message that is not one names its wrong field
        _run(message)
    except messages.MessageError as e:
        _send({"type": "console", "level": "warn", "message": f"Sondage: {e}; ignored"})
    except Exception as e:  # report, never break the page
        _send({"type": "console", "level": "warn", "message": f"Sondage runtime error: {e!r}"})


def _run(message: dict[str, Any]) -> None:
    assert _runtime is not None
    _carry_out(_runtime.handle(message))


def _carry_out(effects: list[Effect]) -> None:
    for effect in effects:
        if effect["type"] == "deliver":
            task = asyncio.ensure_future(_deliver(effect["url"], effect["records"]))
            _tasks.add(task)
            task.add_done_callback(_tasks.discard)
        elif effect["type"] == "load":
            task = asyncio.ensure_future(_load(effect["extensions"]))
            _tasks.add(task)
            task.add_done_callback(_tasks.discard)
        elif effect["type"] == "wake":
            js.setTimeout(create_once_callable(lambda: receive('{"type": "wake"}')),
                          int(effect["after"] * 1000))
        else:
            _send(effect)


def _send(effect: Effect) -> None:
    if _post is not None:
        _post(json.dumps(effect))


async def _deliver(url: str, records: list[dict[str, Any]]) -> None:
    """POST a batch; report to the runtime what the collector answered (status 0: nothing),
    with its Retry-After and its JSON body. ``keepalive`` lets it finish if the page goes."""
    ids = [r["id"] for r in records]
    status, retry_after, body = 0, None, None
    try:
        options = to_js({"method": "POST", "headers": {"content-type": "application/json"},
                         "body": protocol.batch_body(records), "keepalive": True},
                        dict_converter=js.Object.fromEntries)
        response = await js.fetch(url, options)
        status = int(response.status)
        header = response.headers.get("Retry-After")
        if header:
            try:
                retry_after = float(header)
            except ValueError:
                retry_after = None
        try:
            body = json.loads(await response.text())
        except Exception:   # no JSON body: the status says enough
            body = None
    except Exception:   # offline, DNS, CORS: all mean "no answer"
        status = 0
    receive(json.dumps({"type": "delivered", "ids": ids, "status": status, "retry_after": retry_after,
                        "body": body}))


async def _load(refs: list[dict[str, Any]]) -> None:
    """Fetch each extension's zip from the bundle (its path is relative to the site data),
    import it and register it; then tell the runtime, naming each that failed and why."""
    failed = []
    for data in refs:
        try:
            ref = load(ExtensionRef, data)
            base = js.URL.new(js.URLSearchParams.new(str(js.location.hash)[1:]).get("data") or "",
                              js.location.href).href
            file = ref.zip.rpartition("/")[2]
            response = await js.fetch(js.URL.new(ref.zip, base).href,
                                      to_js({"credentials": "omit"}, dict_converter=js.Object.fromEntries))
            if not response.ok:
                raise OSError(f"{file}: HTTP {response.status}")
            zipped = (await response.arrayBuffer()).to_bytes()
            os.makedirs(EXTENSIONS_DIR, exist_ok=True)
            with open(f"{EXTENSIONS_DIR}/{file}", "wb") as f:
                f.write(zipped)
            extensions.install(ref, f"{EXTENSIONS_DIR}/{file}")
        except Exception as e:   # named to the site owner; the page and the other surveys go on
            failed.append({"name": str(data.get("name")), "error": f"{type(e).__name__}: {e}"})
    receive(json.dumps({"type": "loaded", "names": [r.get("name") for r in refs], "failed": failed}))
