"""The host/runtime message protocol, defined once.

Four parties pass messages: the loader (host page), the frame (runtime origin), the
worker (Pyodide) and Python (:class:`~runtime.embed.Runtime`). Every message is a
JSON object with a ``type``. This module is the only definition of those types, of the
effects Python answers with (typed here; the messages' shapes are in :mod:`messages`), of
the Iterate command and callback names, of the keys and values kept in the visitor's
browser, of the hint the loader reads, of the record and batch limits and of the
early-click id. ``sondage build`` writes :func:`for_javascript` into the bundle's
JavaScript and ``build/typescript.py`` writes these types as ``static/contracts.d.ts``,
which ``tsc`` checks the JavaScript against; a test fails if a JavaScript file spells one
of these values itself.

Flow::

    loader --HOST_TO_RUNTIME--> frame --> worker --> Python
    loader <--RUNTIME_TO_HOST-- frame <--WORKER_TO_FRAME-- worker <--EFFECTS-- Python
"""

from __future__ import annotations

import json
from typing import Any, Literal, TypedDict

from . import segment_plugin

# -- messages -------------------------------------------------------------------------
# Into Python (from the loader through the frame, or from the worker itself).
TO_RUNTIME = (
    "init",          # the start: site, page, storage, what is shown ahead
    "command",       # an Iterate(...) call: name, args, and `active`: made during the visitor's
                     # own gesture (navigator.userActivation.isActive, e.g. a click), a fact Python
                     # decides from (an install(id) the visitor asked for takes the focus)
    "page",          # a single-page app changed URL
    "scroll",        # the page was scrolled to `percent`
    "exit_intent",   # the mouse left through the top of the window
    "storage",       # another tab changed a key of this site
    "ui",            # the visitor did something in the widget
    "delivered",     # the collector stored these record ids
    "undelivered",   # the delivery failed
    "wake",          # a timer asked for earlier is due
    "online",        # the browser is back online (from the frame's window)
    "started",       # the worker has handed over everything queued before start-up
    "sdk_reply",     # what an `sdk` call with a `reply` returned (e.g. a vendor's user id)
    "loaded",        # the extensions a `load` asked for: the names loaded, and why others failed
)
# Effects: what Python asks the JavaScript to do (it decides nothing itself).
EFFECTS = ("mount", "unmount", "store", "deliver", "callback", "console", "wake", "sdk", "load")
# What the loader needs (its bytes are paid by every page view, surveys or not).
FOR_LOADER = ("commands", "callbacks", "storage_prefixes", "keys", "outbox_key", "hint_version",
              "frame_to_host", "host_to_frame", "early_id", "segment_commands", "segment_event_name")
# The worker's own messages to the frame, besides the effects it passes on.
WORKER_TO_FRAME = ("alive", "ready", "failed")
# The frame to the loader.
FRAME_TO_HOST = ("hello", "ready", "failed", "show", "resize", "hide", "store", "callback", "console", "sdk",
                 "early")
# The loader to the frame: what goes into Python, all relayed by the frame.
HOST_TO_FRAME = tuple(t for t in TO_RUNTIME
                      if t not in ("delivered", "undelivered", "wake", "online", "started", "loaded"))

MessageType = Literal["init", "command", "page", "scroll", "exit_intent", "storage", "ui", "delivered",
                      "undelivered", "wake", "online", "started", "sdk_reply", "loaded"]

# -- Iterate's commands and callbacks ------------------------------------------------
COMMANDS = ("identify", "event", "install", "url", "uninstall", "segment", "debug")
CALLBACKS = ("onResponse", "onLoad", "onClose", "onEvent")
# Commands whose arguments decide whether Python loads at all: the loader checks them.
BOOT_COMMANDS = ("event", "install", "debug", "segment")

# -- the visitor's browser storage ----------------------------------------------------
# Keys live in the host page's localStorage (browsers block storage in third-party
# frames): "sondage:v<STORAGE_VERSION>:<site>:<name>". Keys of version 0 (before
# versioning) were "sondage:<site>:<name>"; the runtime migrates them.
STORAGE_VERSION = 1
# outbox:<tab>: a tab's unsent answers; acked: ids the loader delivered itself (the runtime
# drops them from the outboxes); early: clicks on a survey shown before Python was up.
STORAGE_NAMES = ("history", "outbox", "visitor", "hint", "acked", "early")


def storage_prefix(site: str, version: int = STORAGE_VERSION) -> str:
    return f"sondage:{site}:" if version == 0 else f"sondage:v{version}:{site}:"


def storage_key(site: str, name: str, version: int = STORAGE_VERSION) -> str:
    return storage_prefix(site, version) + name


# A tab's outbox is "outbox" or "outbox:<tab>": what matches this (a regular expression) in a
# key of this site, of any storage version, is an outbox.
OUTBOX_KEY = r":outbox(:|$)"
# A click on a survey shown before Python was up is stored at once under "early:<id>".
EARLY_KEY = "early:"

# -- records and batches ----------------------------------------------------------------
# An answer's, a view's and an early click's id (the collector de-duplicates on it).
RECORD_ID = r"[A-Za-z0-9_-]{8,64}"
EARLY_ID = RECORD_ID
# A POST to the collector carries at most this many records ...
BATCH_RECORDS = 20
# ... and its JSON stays under this, so it may go with `keepalive` (browsers cap those at 64 KB).
BATCH_BYTES = 60_000
# The ids the loader delivered itself, kept in `acked` (the newest of them; each delivery plan
# says so).
ACKED_MAX = 500
ACKED_VERSION = 1
# The runtime's worker says "alive" once its module runs (its script and Pyodide's loaded; a
# few kB). A worker silent this long is started again beside it, and the first to speak is
# kept: Chromium, rarely, never starts a frame's worker after a reload (no request is made).
WORKER_SILENT_MS = 5000
# A site with a survey that has a response limit: its survey data names the collector's
# status/<site>.json (beside /collect, cached STATUS_MAX_AGE_S), which the worker reads while
# Python starts; an answer that takes longer than this is not waited for (the surveys then show).
STATUS_WAIT_MS = 3000
STATUS_MAX_AGE_S = 30


class SiteStatus(TypedDict):
    """The collector's ``status/<site>.json``: the surveys of the site whose response limit it
    has reached (survey_format.Limit), as of ``counted_at`` (Unix seconds)."""
    closed: list[str]
    counted_at: float


def status_path(site: str) -> str:
    """Where a site's status is, relative to the collector's /collect."""
    return f"status/{site}.json"


class AckedRecord(TypedDict):
    """The value under ``acked``: ids of records the loader sent itself and the collector took
    (or refused for good); the runtime drops them from its outboxes, then removes the key.
    ``not_before`` (milliseconds since the epoch, 0: none): the loader sends nothing before it,
    the wait a collector asked for with ``Retry-After`` (read by the plan's ``retry_after``)."""
    version: int
    ids: list[str]
    not_before: float


# -- the collector's reply, and the delivery plan the loader carries out ------------------
def batch_body(records: list[dict[str, Any]]) -> str:
    """The body of a ``POST`` to the collector: a batch of records (the runtime's and the loader's)."""
    return json.dumps({"records": records}, separators=(",", ":"))


class Refusal(TypedDict, total=False):
    """A record the collector did not store, in its reply's ``rejected``."""
    index: int
    id: str
    reason: str
    retry: bool       # true: refused for the page it comes from (the site's origins), not for what it is


class CollectorReply(TypedDict):
    """The collector's 2xx answer to a batch: what became of each record."""
    stored: list[str]
    duplicates: list[str]
    rejected: list[Refusal]


class ReplyReading(TypedDict):
    """How the loader reads a collector's 2xx reply, as data it applies without deciding: the
    ids listed under the ``done`` fields are done; each item of the ``refused`` field is kept
    (sent again later) if its ``keep`` field is true, and said with ``kept[0] + reason + kept[1]``;
    else it is done too, said with ``dropped[0] + reason + dropped[1]``. Any other reply (no
    answer, not 2xx, not JSON) leaves everything for a later page view."""
    done: list[str]
    refused: str
    keep: str
    kept: list[str]
    dropped: list[str]


class PlannedBatch(TypedDict):
    """One request of a delivery plan: the exact body to POST, and the ids it carries (it is
    done once all of them are in ``acked``)."""
    ids: list[str]
    body: str


class RetryAfterReading(TypedDict):
    """How the loader reads a collector's wait on a reply that is not 2xx (a 503 while its
    database is away, a 429): the ``header``'s seconds, at most ``max_ms``; the runtime's own
    reading (runtime/outbox.py: Outbox.failed)."""
    header: str
    max_ms: float


class DeliveryPlan(TypedDict):
    """What the loader carries out when no runtime sends an outbox (a page without surveys, a
    page being left); runtime/delivery_plan.py writes it with every outbox. The loader sends
    the batches not yet done, one at a time, none before ``not_before`` (milliseconds since
    the epoch: the backoff Python chose), reads each reply by ``reply``, and adds what is done
    to ``acked`` (``acked_version``; its newest ``acked_max`` ids). A reply that is not 2xx
    leaves everything for a later page view, not before the wait it asks for (``retry_after``,
    kept in ``acked``'s ``not_before``)."""
    not_before: float
    batches: list[PlannedBatch]
    reply: ReplyReading
    retry_after: RetryAfterReading
    acked_version: int
    acked_max: int


class OutboxRecord(TypedDict):
    """The value under ``outbox`` / ``outbox:<tab>``: a tab's records not yet delivered, and the
    plan for the loader to deliver them (outboxes of version 1 and 0 have no ``plan``: the
    loader starts the runtime, which takes them in)."""
    version: int
    items: list[dict[str, Any]]
    attempts: int
    plan: DeliveryPlan


# -- the hint the loader reads ------------------------------------------------------
HINT_VERSION = 3    # 2: a survey shown ahead carries its font decided (font, page_font); 3: windows


class Placement(TypedDict):
    """Where the frame sits on the host page (runtime/placement.py decides it)."""
    css: str          # the frame's style
    fill: bool        # the frame fills the viewport (its height is then not the card's)
    inline: str       # the host element an inline survey sits over (a CSS selector), or ""


class ShowingPlan(TypedDict):
    """What showing a survey ahead changes, decided by Python before the showing
    (runtime/showing_plan.py): the frame carries it out when the visitor never engages and
    Python never starts. It is for the survey ``survey`` of the survey data ``data``, when the
    messages after ``init`` are ``covers`` (their type, name and args; the last of them shows it),
    with maybe those of ``quiet`` (each once, before or after: they decide nothing for this
    visitor), and the host's storage holds exactly ``requires`` (key -> value; null: absent). ``shown`` and
    ``dismissed`` are the effects Python would return (store, callback, sdk, unmount), as
    templates the frame fills (PLAN_TOKENS); ``facts`` (filled the same way) tell the runtime
    that starts later what was carried out (``carried_out`` in init)."""
    survey: str
    data: str
    channel: str | None    # the iterateSettings.channel it is for (None: the site's own pages)
    covers: list[dict[str, Any]]
    quiet: list[dict[str, Any]]
    requires: dict[str, Any]
    shown: list[Any]
    dismissed: list[Any]
    facts: dict[str, Any]


# The templates of a plan: an object with one of these keys as its only key is filled by the
# frame, mechanically: "$now": [k] the time the step is carried out plus k seconds; "$now_ms":
# [k] the same in milliseconds; "$iso": [k] that time plus k seconds in ISO 8601 (UTC, ms);
# "$id": [n, length] the n-th new id of this showing, its first `length` characters; "$page_url":
# [cut, max] init's page URL up to the first of the characters in `cut`, at most `max` long;
# "$concat": [parts] the parts filled and joined; "$json": [value] the value filled, as JSON text.
PLAN_TOKENS = ("$now", "$now_ms", "$iso", "$id", "$page_url", "$concat", "$json")


class CarriedOut(TypedDict):
    """What the frame carried out of a plan before Python started (init's ``carried_out``): the
    survey shown (its showing's response id), and whether the visitor dismissed it."""
    survey: str
    response_id: str
    closed: bool


class AnsweredAhead(TypedDict):
    """What an in-app message carried out of an answer plan before Python was up (the ``ui``
    message's ``carried_out``): the showing's response id and its view record's id, and the
    answer record's id (also the click's ``early`` id). The runtime adopts them: the same
    records, and no second call to the vendor."""
    response_id: str
    view_id: str
    answer_id: str


class AnswerPlan(TypedDict):
    """What the runtime does on one answer to an in-app message's first question, decided at
    embed time by playing it (runtime/answer_plan.py), as templates (PLAN_TOKENS): the vendor's
    bridge calls (``calls``: SdkCall, in order), the ``body`` of the POST to the collector the
    message's manifest names (the batch the runtime would send: the showing's view and the
    answer), and ``facts`` (:class:`AnsweredAhead`)."""
    calls: list[Any]
    body: Any
    facts: Any


class AnswerPlans(TypedDict):
    """The answer plans of an in-app message (in its HTML, in the JSON script element
    ``ANSWER_PLANS_ELEMENT``): for the survey ``survey``'s first question ``question``, by the
    ``data-value`` of each choice. They hold only where none of the globals ``absent`` is
    there (in the page or its parent): the page SDKs the runtime asks who the visitor is
    (a vendor's Web SDK around a message on a web page), whose ids its answers would carry."""
    survey: str
    question: str
    absent: list[str]
    choices: dict[str, AnswerPlan]


# The id of the script element (type application/json) holding an in-app message's AnswerPlans.
ANSWER_PLANS_ELEMENT = "sondage-answer-plans"


class _AheadStep(TypedDict):
    id: str
    html: str
    position: str
    placement: Placement
    font: str          # the font family the widget uses ("": the system's) ...
    page_font: bool    # ... unless this is true: then the host page's own (appearance.font: inherit)


# (total=False for `plan` alone: this module's annotations are strings, which TypedDict
# cannot read NotRequired from.)
class Ahead(_AheadStep, total=False):
    """A survey's first step, rendered by Python for the frame to show before Python is up."""
    plan: ShowingPlan  # the site's plan for a new visitor (the visitor's own: Hint.plans)
    announce: str      # what the host page's live region says when it appears (Screen.announcement) ...
    language: str      # ... and in which language


class Hint(TypedDict, total=False):
    """What the loader may know without running Python (runtime/hints.py): which occurrences
    could show anything, and what is shown ahead. The site's is in the manifest; the visitor's
    own is stored under ``hint`` with ``version`` and ``data`` (the survey data it is for)."""
    version: int
    data: str
    events: list[str] | None          # None: any event
    page_view: bool
    scroll: list[int]
    exit_intent: bool
    not_before: float
    event_windows: dict[str, list[float]]   # event name -> [opens, closes]: the only time it could show
    page_view_window: list[float] | None    # the same for page views (Unix seconds; 0: no bound)
    page_view_survey: Ahead | None
    event_surveys: dict[str, str]     # event name -> the survey it surely shows (in the "ahead" file)
    plans: dict[str, ShowingPlan]     # survey id -> this visitor's plan for showing it ahead (theirs only)


HINT_KEYS = tuple(Hint.__annotations__)


# -- effects, typed ---------------------------------------------------------------------
class MountEffect(TypedDict):
    type: Literal["mount"]
    html: str
    survey_id: str
    position: str
    placement: Placement          # placement.placement(): the frame's style on the host page
    font: str                     # the font family the widget uses ("": the system's)
    focus: bool                   # this step takes the keyboard focus (the visitor opened it or acts in it)
    announce: str                 # said in the host page's live region ("": nothing), for a survey
                                  # that appears on its own and so does not take the focus
    language: str                 # the language of `announce`


class UnmountEffect(TypedDict):
    type: Literal["unmount"]


class StoreEffect(TypedDict):
    type: Literal["store"]
    key: str
    value: Any            # JSON-ready; None removes the key


class DeliverEffect(TypedDict):
    type: Literal["deliver"]
    url: str
    records: list[dict[str, Any]]


class CallbackEffect(TypedDict):
    type: Literal["callback"]
    name: str
    args: list[Any]


class ConsoleEffect(TypedDict):
    type: Literal["console"]
    level: Literal["info", "warn", "error"]
    message: str


class WakeEffect(TypedDict):
    type: Literal["wake"]
    after: float


class SdkEffect(TypedDict):
    type: Literal["sdk"]
    calls: list[Any]      # forwarding.SdkCall, carried out in order by the loader


class LoadEffect(TypedDict):
    type: Literal["load"]
    extensions: list[dict[str, Any]]   # survey_format.ExtensionRef, as in the site data (the worker loads them)


Effect = (MountEffect | UnmountEffect | StoreEffect | DeliverEffect | CallbackEffect | ConsoleEffect | WakeEffect
          | SdkEffect | LoadEffect)
Effects = list[Effect]


def mount(html: str, survey_id: str, position: str, placement: Placement,
          font: str = "", *, focus: bool = False, announce: str = "", language: str = "") -> MountEffect:
    return {"type": "mount", "html": html, "survey_id": survey_id, "position": position,
            "placement": placement, "font": font, "focus": focus, "announce": announce,
            "language": language}


def unmount() -> UnmountEffect:
    return {"type": "unmount"}


def store(key: str, value: Any) -> StoreEffect:
    return {"type": "store", "key": key, "value": value}


def deliver(url: str, records: list[dict[str, Any]]) -> DeliverEffect:
    return {"type": "deliver", "url": url, "records": records}


def callback(name: str, *args: Any) -> CallbackEffect:
    assert name in CALLBACKS, name
    return {"type": "callback", "name": name, "args": list(args)}


def console(level: Literal["info", "warn", "error"], message: str) -> ConsoleEffect:
    return {"type": "console", "level": level, "message": message}


def wake(after: float) -> WakeEffect:
    return {"type": "wake", "after": after}


def sdk(calls: list[Any]) -> SdkEffect:
    return {"type": "sdk", "calls": calls}


def load(extensions: list[dict[str, Any]]) -> LoadEffect:
    return {"type": "load", "extensions": extensions}


def _names(names: tuple[str, ...]) -> dict[str, str]:
    """Message types for the JavaScript as ``{name: name}``: it writes ``TO_HOST.show``, never
    the string itself."""
    return {n: n for n in names}


def for_javascript(only: tuple[str, ...] = ()) -> dict[str, Any]:
    """What the bundle's JavaScript needs from this definition (written in by the build);
    ``only`` these keys, for the loader, whose bytes every page view pays."""
    split = "\0"
    everything = {
        "commands": list(COMMANDS), "callbacks": list(CALLBACKS), "boot_commands": list(BOOT_COMMANDS),
        # A site's key prefix is prefix[0] + site + prefix[1]: this version's, then version 0's.
        "storage_prefixes": [storage_prefix(split, v).split(split) for v in (STORAGE_VERSION, 0)],
        "keys": {"hint": "hint", "acked": "acked", "early": EARLY_KEY}, "outbox_key": OUTBOX_KEY,
        "hint_version": HINT_VERSION,
        "limits": {"batch_records": BATCH_RECORDS, "batch_bytes": BATCH_BYTES, "acked_max": ACKED_MAX},
        "acked_version": ACKED_VERSION, "early_id": f"^{EARLY_ID}$", "worker_silent_ms": WORKER_SILENT_MS,
        "status_wait_ms": STATUS_WAIT_MS, "plan_tokens": list(PLAN_TOKENS),
        "answer_plans_element": ANSWER_PLANS_ELEMENT,
        "segment_commands": dict(segment_plugin.AS_COMMAND), "segment_event_name": segment_plugin.EVENT_NAME,
        "to_runtime": _names(TO_RUNTIME), "effects": _names(EFFECTS), "worker_to_frame": _names(WORKER_TO_FRAME),
        "frame_to_host": _names(FRAME_TO_HOST), "host_to_frame": _names(HOST_TO_FRAME),
    }
    unknown = set(only) - set(everything)
    assert not unknown, f"for_javascript: no such key {sorted(unknown)}"
    return {k: v for k, v in everything.items() if k in only} if only else everything


def all_message_types() -> set[str]:
    return {*TO_RUNTIME, *EFFECTS, *WORKER_TO_FRAME, *FRAME_TO_HOST, *HOST_TO_FRAME}
