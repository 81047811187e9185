"""A whole survey session on every question type, played inside Pyodide at build time.

Whatever this imports is what the visitor's browser imports; `sondage build` keeps
exactly those modules (see in_pyodide.py). Keep it in step with what the runtime does.
"""

import asyncio
import json

from sondage.runtime import browser
from sondage.runtime.embed import Runtime
from sondage.runtime.survey_format import SiteData, dump, load_site_data  # noqa: F401

QUESTIONS = [
    {"id": "nps", "type": "nps", "prompt": "How likely?"},
    {"id": "stars", "type": "rating", "prompt": "Rate it", "scale": 5},
    {"id": "one", "type": "single_choice", "prompt": "Pick", "choices": ["a", "b"]},
    {"id": "many", "type": "multiple_choice", "prompt": "Pick some", "choices": ["a", "b"]},
    {"id": "words", "type": "text", "prompt": "Why?"},
]
SITE = {"format": 1, "site": "exercise", "surveys": [
    {"id": "s", "site": "exercise", "name": "S", "intro": "Hi",
     "trigger": {"type": "event", "event": "go"}, "questions": QUESTIONS}]}
ANSWERS = {"nps": ("answer", "9"), "stars": ("answer", "4"), "one": ("answer", "a"),
           "many": ("submit", ["a", "b"]), "words": ("submit", ["because"])}

clock = iter(range(1_000_000, 2_000_000)).__next__
rt = Runtime(clock=lambda: float(clock()))
effects = rt.handle({"type": "init", "site_data": SITE, "collector": "/collect", "preview": "nope",
                     "page": {"url": "https://example.test/"}, "storage": {}})
effects += rt.command("identify", [{"external_id": "u1"}, {"plan": "pro"}])
effects += rt.command("event", ["go"])
for q in QUESTIONS:
    effects += rt.handle({"type": "ui", "survey_id": "s", "question_id": q["id"],
                          "action": "answer", "value": "not valid"})
    action, value = ANSWERS[q["id"]]
    key = "value" if action == "answer" else "values"
    effects += rt.handle({"type": "ui", "survey_id": "s", "question_id": q["id"],
                          "action": action, key: value})
effects += rt.handle({"type": "ui", "survey_id": "s", "action": "close"})
effects += rt.handle({"type": "undelivered"})
effects += rt.handle({"type": "delivered", "ids": ["x"]})
json.dumps(effects)
kinds = {e["type"] for e in effects}
assert {"mount", "unmount", "store", "deliver", "callback", "console"} <= kinds, kinds


# The boundary too: a message in, and an answer delivered through js.fetch (to an address
# that refuses it, so the undelivered path runs as well) on Pyodide's event loop.
posted = []
browser.start(posted.append)
browser.receive(json.dumps({"type": "init", "site_data": SITE, "collector": "data:,refused",
                            "page": {"url": "https://example.test/"}, "storage": {}}))
browser.receive(json.dumps({"type": "command", "name": "event", "args": ["go"]}))
browser.receive(json.dumps({"type": "ui", "survey_id": "s", "question_id": "nps",
                            "action": "answer", "value": "7"}))


async def settle() -> None:
    for _ in range(50):
        if not browser._tasks:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the delivery never finished")
