"""A whole survey session on every question type, played inside Pyodide at build time.

Whatever this imports is what the visitor's browser imports; `sondage build` keeps
exactly those modules (see in_pyodide.py). Keep it in step with what the runtime does.
"""

import asyncio
import json
from dataclasses import fields

from runtime import browser, extensions
from runtime.embed import Runtime
from runtime.schema import load
from runtime.survey_format import ExtensionRef, Forwarding
from runtime.vendors import registry

QUESTIONS = [
    {"id": "nps", "type": "nps", "prompt": "How likely?", "logic": [{"less_than": 3, "goto": "words"}]},
    {"id": "stars", "type": "rating", "prompt": "Rate it", "scale": 5, "style": "stars"},
    {"id": "one", "type": "single_choice", "prompt": "Pick", "choices": ["a", "b"], "shuffle": True},
    {"id": "other", "type": "single_choice", "prompt": "Pick", "choices": ["a", "b"], "other": True},
    {"id": "many", "type": "multiple_choice", "prompt": "Pick some", "choices": ["a", "b"], "max": 2},
    {"id": "csat", "type": "csat", "prompt": "Happy?"},
    {"id": "yn", "type": "yes_no", "prompt": "Yes?"},
    {"id": "drop", "type": "dropdown", "prompt": "Size", "choices": ["S", "M"]},
    {"id": "mail", "type": "email", "prompt": "Email?"},
    {"id": "num", "type": "number", "prompt": "How many?"},
    {"id": "day", "type": "date", "prompt": "When?"},
    {"id": "skipme", "type": "short_text", "prompt": "Anything?", "required": False},
    {"id": "words", "type": "text", "prompt": "Why?"},
]
RULES = {"match": "all", "rules": [
    {"key": "plan", "op": "one_of", "values": ["pro", "team"]},
    {"key": "joined", "op": "greater_than", "value": "2024-01-01"},
    {"key": "email", "op": "is_not_set"}, {"key": "seats", "op": "less_than", "value": 100}]}
PAGES = {"match": "any", "rules": [{"field": "path", "op": "starts_with", "value": "/"},
                                   {"op": "matches", "value": r"example\.test"}]}
ONE = [{"id": "q", "type": "text", "prompt": "Why?"}]
# Every vendor's forwarding on (runtime/vendors/), the traits its profile takes too.
FORWARD = {**{name: True for name in registry.VENDORS},
           **{f.name: ["plan"] for f in fields(Forwarding) if f.name.endswith("_user_properties")}}
LINK_ID = next(v.link.trait for v in registry.link_vendors() if v.link is not None)   # a link's identity
SITE = {"format": 1, "site": "exercise", "settings": {"cooldown_hours": 72, "forward": FORWARD}, "surveys": [
    {"id": "s", "site": "exercise", "name": "S", "intro": "Hi", "pages": PAGES,
     "audience": {"traits": RULES, "sample": 100, "devices": ["desktop"], "languages": ["en"]},
     "trigger": {"type": "event", "event": "go",
                 "properties": {"rules": [{"key": "total", "op": "greater_than", "value": 1}]}},
     "questions": QUESTIONS},
    {"id": "later", "site": "exercise", "name": "L", "trigger": {"type": "seconds", "seconds": 1},
     "audience": {"sample": 50}, "frequency": "every_n_days", "every_days": 1, "questions": ONE},
    {"id": "deep", "site": "exercise", "name": "D", "trigger": {"type": "scroll", "percent": 50},
     "frequency": "until_responded", "questions": ONE},
    {"id": "bye", "site": "exercise", "name": "B", "trigger": {"type": "exit_intent"}, "questions": ONE},
    {"id": "hello", "site": "exercise", "name": "H", "trigger": {"type": "page_view"}, "questions": ONE}]}
ANSWERS = {"nps": ("answer", "9"), "stars": ("answer", "4"), "one": ("answer", "a"),
           "other": ("submit", ["Other"]), "many": ("submit", ["a", "b"]), "csat": ("answer", "5"),
           "yn": ("answer", "Yes"), "drop": ("submit", ["M"]), "mail": ("submit", ["a@b.co"]),
           "num": ("submit", ["2.5"]), "day": ("submit", ["2026-01-31"]), "skipme": ("skip", None),
           "words": ("submit", ["because"])}

clock = iter(range(1_000_000, 2_000_000)).__next__
rt = Runtime(clock=lambda: float(clock()))
effects = rt.handle({"type": "init", "site_data": SITE, "collector": "/collect", "preview": "nope",
                     "debug": True, "page": {"url": "https://example.test/", "language": "en-GB",
                                             "user_agent": "Mozilla/5.0 (X11; Linux)", "touch_points": 0},
                     "storage": {}})
# Segment's order: the event arrives before identify and is decided again after it.
effects += rt.command("event", ["go", {"total": 5}])
effects += rt.command("identify", [{"external_id": "u1", "plan": "pro", "seats": 3,
                                    "joined": {"type": "date", "value": 1750000000}}, {"plan": "pro"}])
effects += rt.handle({"type": "started"})
effects += rt.handle({"type": "sdk_reply", "name": registry.identity_names()[0], "value": "u1"})
effects += rt.command("debug", [])
assert rt.screen.survey is not None and rt.screen.survey.id == "s", "event-then-identify did not show s"
for q in QUESTIONS:
    effects += rt.handle({"type": "ui", "survey_id": "s", "question_id": q["id"],
                          "action": "answer", "value": "not valid"})
    action, value = ANSWERS[q["id"]]
    key = "value" if action == "answer" else "values"
    effects += rt.handle({"type": "ui", "survey_id": "s", "question_id": q["id"],
                          "action": action, key: value, "other": "mine"})
effects += rt.handle({"type": "ui", "survey_id": "s", "action": "close"})
effects += rt.handle({"type": "undelivered"})
effects += rt.handle({"type": "delivered", "ids": ["x"], "status": 429, "retry_after": 3, "body": None})
effects += rt.handle({"type": "delivered", "ids": ["x", "y"], "status": 413, "body": {"error": "big"}})
effects += rt.handle({"type": "delivered", "ids": ["x"], "status": 200,
                      "body": {"stored": [], "rejected": [{"id": "x", "reason": "bad"}]}})
# Page-bound triggers, page changes, another tab, Segment, uninstall.
effects += rt.command("install", [])
effects += rt.handle({"type": "scroll", "percent": 60})
effects += rt.handle({"type": "exit_intent"})
effects += rt.handle({"type": "wake"})
effects += rt.handle({"type": "page", "url": "https://example.test/next"})
effects += rt.handle({"type": "storage", "key": "sondage:v1:exercise:history",
                      "value": {"shown": {"hello": 1.0}, "responded": {}}})
effects += rt.command("segment", [{"type": "track", "event": "go", "properties": {"total": 5}}])
effects += rt.command("uninstall", [])
effects += rt.command("install", [])
# Inside each vendor's message (its embed): its bridge, then the message closes after the thank-you.
for channel in registry.embed_channels():
    inapp = Runtime(clock=lambda: float(clock()))
    effects += inapp.handle({"type": "init", "site_data": SITE, "collector": "/collect",
                             "page": {"url": "https://example.test/", "channel": channel}, "storage": {}})
    effects += inapp.command("event", ["go", {"total": 5}])
    effects += inapp.command("identify", [{"plan": "pro", "seats": 3, "joined": "2025-01-01"}])
    effects += inapp.handle({"type": "wake"})
# A hosted page opened from an email: typed link parameters and the first answer.
hosted = Runtime(clock=lambda: float(clock()))
effects += hosted.handle({"type": "init", "site_data": SITE, "collector": "/collect", "storage": {},
                          "page": {"channel": "hosted", "url": f"https://x.test/s/exercise/s/?user_{LINK_ID}=b"
                                   "&user_number_n=2&user_boolean_b=true&user_date_d=2024-01-01&answer=9"}})
effects += hosted.command("install", ["s"])
# A site with an extension (the build staged it as a folder; a site's ships as a zip): the
# survey that uses it waits for it, is rendered by its compiled template, and each answer
# goes to its forwarder.
KNOB = {"name": "exercise_knob", "version": "1", "zip": "../ext/exercise_knob.zip",
        "register": ["_exercise_knob:register"], "templates": "_exercise_knob_templates", "types": ["knob"],
        "forwarders": ["beacon"]}


def ext_site(ref):
    return {"format": 1, "site": "exercise-ext", "extensions": [ref],
            "settings": {"forwarders": [{"name": "beacon", "options": {"url": "https://hooks.test/"}}]},
            "surveys": [{"id": "k", "site": "exercise-ext", "name": "K", "trigger": {"type": "page_view"},
                         "questions": [{"id": "knob", "type": ref["types"][0], "prompt": "How much?",
                                        "options": {"max": 5}}]}]}


knob = Runtime(clock=lambda: float(clock()))
effects += knob.handle({"type": "init", "site_data": ext_site(KNOB), "collector": "/collect", "storage": {},
                        "page": {"url": "https://example.test/"}})
effects += knob.command("install", [])
assert any(e["type"] == "load" for e in effects), "the extension was not asked for"
extensions.install(load(ExtensionRef, KNOB), "/stage/_exercise_ext")
effects += knob.handle({"type": "loaded", "names": ["exercise_knob"], "failed": []})
assert knob.screen.survey is not None and knob.screen.survey.id == "k", "the extension's survey did not show"
for value in ("9", "3"):
    effects += knob.handle({"type": "ui", "survey_id": "k", "question_id": "knob", "action": "submit",
                            "values": [value]})
assert any(e["type"] == "sdk" and e["calls"][0]["target"] == "navigator" for e in effects), "no forwarder call"
json.dumps(effects)
kinds = {e["type"] for e in effects}
assert {"mount", "unmount", "store", "deliver", "callback", "console", "wake", "sdk", "load"} <= kinds, kinds
assert any(e["type"] == "mount" and e["survey_id"] == "s" for e in effects), "survey s never showed"


# The boundary too: a message in, and an answer delivered through js.fetch (to an address
# that refuses it, so the undelivered path runs as well) on Pyodide's event loop.
posted = []


def init_message(site_data):
    """An init as the loader sends it (runtime/messages.py's InitMessage), with the site data
    the worker adds."""
    return json.dumps({
        "type": "init", "site_data": site_data, "site": site_data["site"], "preview": None, "look": None,
        "debug": False, "data_id": "sites/exercise.json", "shown_ahead": None, "ahead": None,
        "ahead_event": None, "collector": "data:,refused", "storage": {},
        "page": {"url": "https://example.test/", "referrer": "", "language": "en", "user_agent": "",
                 "touch_points": 0, "font": "", "channel": None, "campaign": None}})


browser.start(posted.append)
browser.receive(init_message(SITE))
browser.receive(json.dumps({"type": "command", "name": "event", "args": ["go"]}))
browser.receive(json.dumps({"type": "ui", "survey_id": "s", "question_id": "nps",
                            "action": "answer", "value": "7"}))
# An extension the worker cannot fetch (here: no page to fetch it from): named, not shown.
GONE = {**KNOB, "name": "exercise_gone", "zip": "../ext/gone.zip", "types": ["gone"], "forwarders": []}
browser.start(posted.append)
browser.receive(init_message(ext_site(GONE)))
browser.receive(json.dumps({"type": "command", "name": "install", "args": []}))


async def settle() -> None:
    for _ in range(50):
        if not browser._tasks:
            break
        await asyncio.sleep(0.02)
    else:
        raise AssertionError("the delivery never finished")
    assert any("exercise_gone did not load" in p for p in posted), "an extension that failed to load was not named"
