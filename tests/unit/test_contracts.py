"""Contracts once: every shape that crosses into the JavaScript is defined in Python
(runtime/protocol.py, runtime/messages.py); the JavaScript gets the values from the build and
the types from the generated static/contracts.d.ts, and never spells them itself."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from build import typescript
from build.bundle import protocol_js
from runtime import hints, messages, protocol, segment_plugin
from runtime.schema import load
from runtime.survey_format import Survey

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "static"
JAVASCRIPT = sorted(p for pattern in ("*.js", "*.mjs") for p in STATIC.glob(pattern))


def test_contracts_d_ts_is_what_python_writes():
    assert (STATIC / "contracts.d.ts").read_text() == typescript.contracts_dts(), \
        "static/contracts.d.ts is stale: run `python -m build.typescript`"


def test_both_type_checks_read_the_generated_contracts():
    for config in ("tsconfig.json", "tsconfig.worker.json"):
        assert '"contracts.d.ts"' in (STATIC / config).read_text(), config


# -- the JavaScript spells no contract value ------------------------------------------------
STRING = r""""(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|`(?:\\.|[^`\\])*`"""
COMMENT = r"//[^\n]*|/\*.*?\*/"
TOKENS = re.compile(f"({STRING})|{COMMENT}", re.S)


def code_of(source: str) -> str:
    """The source without its comments (strings kept, so a // inside one is not a comment)."""
    return TOKENS.sub(lambda m: m.group(1) or " ", source)


def strings_in(code: str) -> list[str]:
    return [s[1:-1] for s in re.findall(STRING, code)]


def numbers_in(code: str) -> set[int]:
    bare = re.sub(STRING, '""', code)
    return {int(n.replace("_", "")) for n in re.findall(r"(?<![\w.$])\d[\d_]*(?![\w.])", bare)}


# `type: "x"`, `m.type === "x"`, `case "x":`: a message type written out.
MESSAGE_TYPE = re.compile(r"""(?:\btype\s*(?:===|!==|==|!=|:)\s*|\bcase\s+)(["'`])([A-Za-z_-]+)\1""")
LIMITS = {"BATCH_RECORDS": protocol.BATCH_RECORDS, "BATCH_BYTES": protocol.BATCH_BYTES,
          "ACKED_MAX": protocol.ACKED_MAX}
# Words only a decision needs: the font settings (Python chooses the font of a survey shown
# ahead) and Segment's call types other than page (Python maps them to Iterate's commands).
DECIDED = {"inherit", "system", *(t for t in segment_plugin.AS_COMMAND if t not in protocol.all_message_types())}


# The collector's reply fields the loader once read itself ("stored" is also a plain word).
REPLY_FIELDS = ("stored", "duplicates", "rejected", "retry")
assert set(REPLY_FIELDS) <= {*protocol.CollectorReply.__annotations__, *protocol.Refusal.__annotations__}


def contract_values_spelled(source: str) -> list[str]:
    """What in this JavaScript source spells a contract value runtime/protocol.py defines."""
    code = code_of(source)
    found = [f"message type {t!r}" for _, t in MESSAGE_TYPE.findall(code) if t in protocol.all_message_types()]
    for text in strings_in(code):
        if text.startswith("sondage:") or text.rstrip(":") in protocol.STORAGE_NAMES or re.search(
                rf":({'|'.join(protocol.STORAGE_NAMES)})\b", text):
            found.append(f"storage key {text!r}")
        if text in DECIDED:
            found.append(f"a decision Python makes ({text!r})")
    found += [f"limit {name} ({value})" for name, value in LIMITS.items() if value in numbers_in(code)]
    if protocol.EARLY_ID in source or "{8,64}" in source:
        found.append("the early-click id pattern")
    if protocol.OUTBOX_KEY in source or ":outbox" in code:
        found.append("the outbox key pattern")
    # How the collector's reply reads is the delivery plan's (protocol.ReplyReading).
    reading = "|".join(REPLY_FIELDS)
    found += [f"the collector's reply field {f!r}" for f in re.findall(rf"\.({reading})\b", code)]
    found += [f"the collector's reply field {f!r}" for f in strings_in(code) if f in REPLY_FIELDS[1:]]
    return found


@pytest.mark.parametrize("path", JAVASCRIPT, ids=lambda p: p.name)
def test_no_javascript_file_spells_a_contract_value(path):
    spelled = contract_values_spelled(path.read_text())
    assert not spelled, (f"static/{path.name} spells what runtime/protocol.py defines: {spelled}; "
                         "use what the build writes in (__PROTOCOL__, __LOADER_PROTOCOL__)")


@pytest.mark.parametrize(("source", "caught"), [
    ('post({ type: "page", url: u })', "message type 'page'"),
    ("if (m.type === 'hello') go();", "message type 'hello'"),
    ('switch (m.type) { case "mount": break; }', "message type 'mount'"),
    ('localStorage.getItem(prefix + "acked")', "storage key 'acked'"),
    ('store(prefix + "early:" + id, ev)', "storage key 'early:'"),
    ('var p = "sondage:v1:" + site + ":";', "storage key 'sondage:v1:'"),
    ("for (var i = 0; i < records.length && batch.length < 20; i++) {}", "limit BATCH_RECORDS (20)"),
    ("if (size > 60000) break;", "limit BATCH_BYTES (60000)"),
    ("var ACKED_MAX = 500;", "limit ACKED_MAX (500)"),
    ("/^[A-Za-z0-9_-]{8,64}$/.test(id)", "the early-click id pattern"),
    ("/:outbox(:|$)/.test(key)", "the outbox key pattern"),
    ("var ids = [].concat(result.stored || [], result.duplicates || []);", "the collector's reply field 'stored'"),
    ("if (rejected[j].retry === true) continue;", "the collector's reply field 'retry'"),
    ('var refused = reply["rejected"];', "the collector's reply field 'rejected'"),
    ('var font = ahead.font === "inherit" ? page.font : ahead.font;', "a decision Python makes ('inherit')"),
    ('return e.type === "track" ? e.event : null;', "a decision Python makes ('track')"),
])
def test_the_check_catches_each_kind_of_spelled_value(source, caught):
    assert caught in contract_values_spelled(source)


def test_the_check_ignores_comments_and_words_that_are_not_contracts():
    source = '''// type: "page" in a comment, 20 and 500 too
    /* case "mount": */ w.addEventListener("storage", f); mark("ready"); var t = 2000; var s = "a // b";'''
    assert contract_values_spelled(source) == []


# -- what the build writes in --------------------------------------------------------------
def test_the_loader_gets_no_delivery_policy_only_the_keys_it_carries_plans_out_with():
    # Batch limits, the acked record's size and version come with each delivery plan
    # (tests/unit/test_delivery_plan.py), not as constants for the loader to apply.
    loader = protocol.for_javascript(protocol.FOR_LOADER)
    assert not {"limits", "acked_version"} & set(loader)
    assert re.fullmatch(loader["early_id"][1:-1], "a" * 8) and not re.fullmatch(loader["early_id"][1:-1], "a" * 7)
    assert loader["keys"]["early"] + "x1234567" == protocol.storage_key("s", "early:x1234567")[len("sondage:v1:s:"):]
    assert protocol_js(protocol.FOR_LOADER).startswith("{")


def test_storage_prefixes_are_python_s():
    current, legacy = protocol.for_javascript()["storage_prefixes"]
    assert current[0] + "shop" + current[1] == protocol.storage_prefix("shop")
    assert legacy[0] + "shop" + legacy[1] == protocol.storage_prefix("shop", 0)


def test_the_outbox_key_pattern_matches_the_outboxes_python_writes():
    for version in (protocol.STORAGE_VERSION, 0):
        assert re.search(protocol.OUTBOX_KEY, protocol.storage_key("shop", "outbox", version))
        assert re.search(protocol.OUTBOX_KEY, protocol.storage_key("shop", "outbox:tab1", version))
    assert not re.search(protocol.OUTBOX_KEY, protocol.storage_key("shop", "outboxes"))
    assert not re.search(protocol.OUTBOX_KEY, protocol.storage_key("shop", "history"))


def test_the_segment_mapping_the_loader_gets_is_the_one_python_uses():
    js = protocol.for_javascript(protocol.FOR_LOADER)
    assert js["segment_commands"] == segment_plugin.AS_COMMAND
    field = js["segment_event_name"]
    for kind, command in js["segment_commands"].items():
        event = {"type": kind, field: "Bought", "context": {"page": {"url": "https://shop.test/"}}}
        assert segment_plugin.commands(event)[0][0] == command
    assert segment_plugin.commands({"type": "track", field: "Bought"}) == [("event", ["Bought"])]


@pytest.mark.parametrize(("setting", "font", "page_font"), [
    ("inherit", "", True), ("system", "", False), ("Georgia, serif", "Georgia, serif", False)])
def test_the_font_of_a_survey_shown_ahead_is_decided_in_python(setting, font, page_font):
    survey = load(Survey, {"id": "s", "site": "shop", "name": "S", "trigger": {"type": "page_view"},
                           "appearance": {"font": setting},
                           "questions": [{"id": "q", "type": "yes_no", "prompt": "Yes?"}]})
    ahead = hints.shown_ahead(survey)
    assert (ahead["font"], ahead["page_font"]) == (font, page_font)


# -- messages into Python: typed, and a wrong one names its field -----------------------------
PAGE = {"url": "https://shop.test/", "referrer": "", "language": "en", "user_agent": "UA", "touch_points": 0,
        "font": "Arial", "channel": None, "campaign": None}
INIT = {"type": "init", "sondage": 1, "site": "shop", "preview": None, "look": None, "debug": False,
        "data_id": "sites/shop-1.json", "shown_ahead": None, "ahead": None, "ahead_event": None,
        "collector": "https://c.test/collect", "storage": {}, "page": PAGE}


def test_parse_returns_the_message_it_was_given():
    assert messages.parse(INIT) is INIT
    for message in ({"type": "command", "name": "event", "args": ["go"], "active": True},
                    {"type": "scroll", "percent": 50}, {"type": "wake"},
                    {"type": "ui", "action": "answer", "survey_id": "s", "question_id": "q", "value": "7"},
                    {"type": "delivered", "ids": ["a"], "status": 200, "retry_after": None, "body": {"stored": ["a"]}},
                    {"type": "loaded", "names": ["knob"], "failed": [{"name": "knob", "error": "HTTP 404"}]},
                    {"type": "sdk_reply", "name": "braze_id", "value": None}, {"type": "started"}):
        assert messages.parse(message) is message


def test_every_message_into_python_has_its_type():
    assert set(messages.TO_RUNTIME) == set(protocol.TO_RUNTIME)


@pytest.mark.parametrize(("message", "error"), [
    ([], "a message must be an object, got a list"),
    ({"type": "telepathy"}, "unknown message type 'telepathy'"),
    ({"type": "scroll"}, "message 'scroll': field 'percent' is missing"),
    ({"type": "scroll", "percent": "half"},
     "message 'scroll': field 'percent' must be a number, got the string 'half'"),
    ({"type": "scroll", "percent": True}, "field 'percent' must be a number, got true"),
    ({"type": "command", "name": "event", "args": "go"}, "message 'command': field 'args' must be a list"),
    ({**INIT, "page": {**PAGE, "touch_points": "2"}},
     "message 'init': field 'page': field 'touch_points' must be an integer, got the string '2'"),
    ({**INIT, "debug": None}, "message 'init': field 'debug' must be true or false, got null"),
    ({**INIT, "preview": 3}, "message 'init': field 'preview' must be a string or null, got a number"),
    ({**INIT, "sondage": 2}, "message 'init': field 'sondage' must be 1, got 2"),
    ({"type": "delivered", "ids": ["a", 7], "status": 200, "retry_after": None, "body": None},
     "message 'delivered': field 'ids'[1] must be a string, got a number"),
])
def test_a_wrong_message_names_its_field(message, error):
    with pytest.raises(messages.MessageError) as e:
        messages.parse(message)
    assert error in str(e.value)


def test_the_generated_types_name_every_message_and_effect():
    text = typescript.contracts_dts()
    for shape in ("InitMessage", "FrameToHostMessage", "WorkerToFrameMessage", "MountEffect", "Hint", "Ahead",
                  "AckedRecord", "LoaderProtocol"):
        assert re.search(rf"^(interface|type) {shape}\b", text, re.M), shape
    assert 'frame_to_host: { hello: "hello";' in text
