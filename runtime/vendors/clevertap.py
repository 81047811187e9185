"""CleverTap: all Sondage knows of it.

- **Page**: the Web SDK (``clevertap``): each answer is an event (flat: no arrays or objects,
  so a multiple-choice answer is joined with ", "; the response properties on it) and a
  profile update (the answer under its label, string arrays as multi-value properties, and
  the traits the site names as user properties). Its id (``getCleverTapID``) goes with each
  answer.
- **Embed**: the custom HTML of a CleverTap Web Pop-up. CleverTap renders it in an iframe on
  the page and sizes it to ``#contentDiv``, which the survey fills; answers reach the page's
  ``clevertap``, and the pop-up closes by its campaign (``##campaignId##``, CleverTap's own
  placeholder) through ``$WZRK_WR.closeIframe``.
- **Mobile in-app**: the custom HTML of a CleverTap in-app message in the Android or iOS
  app. The SDK loads it into a WebView with no base URL (``about:blank``, an opaque origin;
  no DOM storage on Android). Android gives the interface ``window.CleverTap``
  (``CTWebInterface``: ``pushEvent(name, propsJson)``, ``pushProfile(json)``,
  ``dismissInAppNotification()``; JSON as strings); iOS the script message handler
  ``clevertap`` (``CleverTapJSInterface``: ``{action: "recordEventWithProps", event,
  properties}``, ``{action: "profilePush", properties}``, ``{action:
  "dismissInAppNotification"}``). The iOS WebView hides the message on any navigation to a
  URL other than ``about:blank``, in any frame: the survey runs without a frame there.
  Neither bridge gives the CleverTap ID; the message's HTML carries the Identity tag
  (``{{ Profile.Identity | default: 'null' }}``, CleverTap's Liquid, which in-app messages
  take), and each answer carries what CleverTap filled in as ``clevertap_identity``.
- **Links and emails**: ``user_email={{ Profile.Identity | default: 'null' }}``; a tag written
  as the CleverTap editor shows it (``@Profile - User Type``) becomes its Liquid form. Its
  Liquid has no id for an email's send. ``null`` and an ``@Profile`` tag left as it is are
  unfilled.
- **Relay**: ``POST https://<region>.api.clevertap.com/1/upload`` with
  ``X-CleverTap-Account-Id`` and ``X-CleverTap-Passcode``; body ``{"d": [{"type": "event",
  "identity", "ts", "evtName", "evtData"}, {"type": "profile", "identity", "ts",
  "profileData"}]}``: the event flat, the answer and the user properties on the profile. A
  2xx reply can still refuse (``"status": "fail"``, or ``unprocessed`` records). In the
  collector's configuration::

      relay:
        shop-key:
          clevertap:
            account_id: TEST-123-ABC
            passcode_env: CLEVERTAP_PASSCODE
            region: eu1                             # eu1 | in1 | sg1 | us1 | aps3 | mec1
            event: survey_question_response         # or survey-question-response
            user_properties: [plan]                 # link user properties put on the profile
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..survey_format import parse_date
from .base import (
    Embed,
    LinkTags,
    Relay,
    RelayConfigError,
    RelaySetting,
    SdkCall,
    Vendor,
    as_date,
    call,
    http_url,
    iterate_fields,
    json_refusal,
    pick,
    record_value,
    secret,
    typed_value,
)

if TYPE_CHECKING:
    from ..extensions import ForwardContext
    from ..survey_format import SiteSettings, Survey

POPUP = "clevertap-popup"
IN_APP = "clevertap-inapp"
ANDROID = "CleverTap"                        # Android: the JavaScript interface (CTWebInterface)
IOS = "webkit"                               # iOS: webkit.messageHandlers.clevertap (CleverTapJSInterface)
IOS_HANDLER = [["messageHandlers", None], ["clevertap", None]]
EVENTS = ("survey_question_response", "survey-question-response")    # the CleverTap document uses both
HOSTS = {"eu1": "api.clevertap.com", "in1": "in1.api.clevertap.com", "sg1": "sg1.api.clevertap.com",
         "us1": "us1.api.clevertap.com", "aps3": "aps3.api.clevertap.com", "mec1": "mec1.api.clevertap.com"}
EDITOR_TAG = re.compile(r"@Profile\s*-\s*(.+)")
# The recipient's Identity, as CleverTap's Liquid fills it when it sends an email or an in-app
# message ('null' where the profile has none).
IDENTITY_TAG = "{{ Profile.Identity | default: 'null' }}"


def event_data(record: dict[str, Any]) -> dict[str, Any]:
    """The event's properties: flat (a multiple-choice answer joined with ", "), and the
    response properties on the event."""
    event: dict[str, Any] = {k: v for k, v in iterate_fields(record).items()
                             if k not in ("response_array", "response_properties")}
    if record.get("response_array") is not None:
        event["response_array"] = ", ".join(record["response_array"])
    for key, prop in record.get("response_properties", {}).items():
        event.setdefault(key, as_date(prop))
    return event


def profile(record: dict[str, Any], value: Any, user_properties: list[str], traits: dict[str, Any]) -> dict[str, Any]:
    """The profile update: the answer under its label, and the user properties."""
    out: dict[str, Any] = {record["label"]: value}
    for key in user_properties:
        if key in traits:
            out.setdefault(key, as_date(traits[key]))
    return out


def _flat(value: Any) -> Any:
    """A date (the browser's {"$date": s}) as the upload API writes one: "$D_<s>"."""
    if isinstance(value, dict) and "$date" in value:
        return f"$D_{int(value['$date'])}"
    return value


@dataclass(frozen=True)
class CleverTapRelay(Relay):
    account_id: str
    passcode: str
    region: str = "eu1"
    endpoint: str = ""                     # instead of the region's host (a proxy, the tests)
    event: str = EVENTS[0]
    user_properties: tuple[str, ...] = field(default_factory=tuple)

    @property
    def url(self) -> str:
        base = self.endpoint.rstrip("/") if self.endpoint else f"https://{HOSTS[self.region]}"
        return base + "/1/upload"

    def headers(self) -> dict[str, str]:
        return {"X-CleverTap-Account-Id": self.account_id, "X-CleverTap-Passcode": self.passcode}

    def body(self, record: dict[str, Any]) -> dict[str, Any]:
        identity = record["identities"]["clevertap_identity"]
        seconds = parse_date(record["answered_at"])
        if seconds is None:
            raise ValueError(f"answered_at: not an ISO date-time: {record['answered_at']!r}")
        when = int(seconds)
        event = {k: _flat(v) for k, v in event_data(record).items()}
        update = profile(record, record_value(record), list(self.user_properties), record.get("user") or {})
        return {"d": [{"type": "event", "identity": identity, "ts": when, "evtName": self.event, "evtData": event},
                      {"type": "profile", "identity": identity, "ts": when,
                       "profileData": {k: _flat(v) for k, v in update.items()}}]}

    def refusal(self, reply: bytes) -> str | None:
        return json_refusal(reply)


class CleverTap(Vendor):
    name = "clevertap"
    label = "CleverTap"
    identity_names = ("clevertap_id",)
    embed = Embed(channel=POPUP, title="CleverTap web pop-up (custom HTML)", presentation="fill",
                  settings={"campaign": "##campaignId##"}, style="#contentDiv{height:300px}",
                  body='<div id="contentDiv"></div>')
    more_embeds = (Embed(channel=IN_APP, title="CleverTap mobile in-app message (custom HTML)", presentation="fill",
                         settings={}, style="html,body{height:100%}", in_app=True,
                         identities={"clevertap_identity": IDENTITY_TAG}),)
    link = LinkTags(trait="email", relay_identity="clevertap_identity", identity=IDENTITY_TAG)
    relay_settings = (RelaySetting("account_id", "Project id (Settings, Project)"),
                      RelaySetting("region", f"Region ({', '.join(HOSTS)})"),
                      RelaySetting("passcode", "Passcode", secret=True),
                      RelaySetting("endpoint", "API address instead of the region's (a proxy; usually empty)"))

    def enabled(self, settings: SiteSettings, survey: Survey, channel: str) -> bool:
        # An answer given inside a CleverTap message always goes to CleverTap.
        return channel in (POPUP, IN_APP) or pick(survey.forward.clevertap, settings.forward.clevertap)

    def answer_calls(self, ctx: ForwardContext) -> list[SdkCall]:
        forward = ctx.settings.forward
        update = profile(ctx.record, typed_value(ctx.question, ctx.value), forward.clevertap_user_properties,
                         ctx.traits)
        if ctx.channel == IN_APP:
            return self._bridge_calls(forward.clevertap_event, event_data(ctx.record), update)
        return [
            call(self.label, "clevertap", [["event", None], ["push", [forward.clevertap_event,
                                                                      event_data(ctx.record)]]]),
            call(self.label, "clevertap", [["profile", None], ["push", [{"Site": update}]]]),
        ]

    def identity_queries(self) -> list[SdkCall]:
        return [call(self.label, "clevertap", [["getCleverTapID", []]], reply="clevertap_id")]

    def _bridge_calls(self, event: str, data: dict[str, Any], update: dict[str, Any]) -> list[SdkCall]:
        """The app's bridge: Android's interface takes JSON as strings (JSON.stringify, here
        json.dumps); iOS's handler takes objects, each with its action. A date goes as the
        upload API writes one ("$D_<seconds>"): neither bridge makes a Date of JSON."""
        data, update = {k: _flat(v) for k, v in data.items()}, {k: _flat(v) for k, v in update.items()}
        return [
            call(self.label, ANDROID, [["pushEvent", [event, json.dumps(data)]]], otherwise=(
                IOS, [*IOS_HANDLER, ["postMessage", [{"action": "recordEventWithProps", "event": event,
                                                      "properties": data}]]])),
            call(self.label, ANDROID, [["pushProfile", [json.dumps(update)]]], otherwise=(
                IOS, [*IOS_HANDLER, ["postMessage", [{"action": "profilePush", "properties": update}]]])),
        ]

    def close_calls(self, campaign: str, channel: str = "") -> list[SdkCall]:
        if channel == IN_APP:
            return [call(self.label, ANDROID, [["dismissInAppNotification", []]], otherwise=(
                IOS, [*IOS_HANDLER, ["postMessage", [{"action": "dismissInAppNotification"}]]]))]
        return [call(self.label, "$WZRK_WR", [["closeIframe", [campaign or "-1", ""]]])]

    def merge_tag(self, tag: str) -> str:
        match = EDITOR_TAG.fullmatch(tag.strip())
        return "{{ Profile." + match.group(1).strip() + " | default: 'null' }}" if match else tag

    def unfilled(self, value: str) -> bool:
        return value.strip().startswith("@Profile")

    def relay(self, entry: Any, here: str, env: Mapping[str, str]) -> CleverTapRelay:
        known = {"account_id", "passcode_env", "region", "endpoint", "event", "user_properties"}
        if not isinstance(entry, dict) or set(entry) - known:
            raise RelayConfigError(f"{here}: {{{', '.join(sorted(known))}}}")
        account = entry.get("account_id")
        if not isinstance(account, str) or not account:
            raise RelayConfigError(f"{here}.account_id: the CleverTap project id")
        region = entry.get("region", "eu1")
        if region not in HOSTS:
            raise RelayConfigError(f"{here}.region: one of {', '.join(HOSTS)}")
        endpoint = entry.get("endpoint", "")
        if endpoint and not http_url(endpoint):
            raise RelayConfigError(f"{here}.endpoint: an http(s) URL")
        event = entry.get("event", EVENTS[0])
        if event not in EVENTS:
            raise RelayConfigError(f"{here}.event: {' or '.join(EVENTS)}")
        props = entry.get("user_properties") or []
        if not isinstance(props, list) or not all(isinstance(p, str) for p in props):
            raise RelayConfigError(f"{here}.user_properties: a list of names")
        return CleverTapRelay(account, secret(entry, "passcode_env", here, env), region, endpoint, event,
                              tuple(props))
