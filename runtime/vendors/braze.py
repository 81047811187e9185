"""Braze: all Sondage knows of it.

- **Page**: the Web SDK (``braze``): each answer is a custom attribute named by the
  question's label (typed: number, string, string array), the custom event
  ``survey-question-response`` with the record's fields, then a data flush. Its ids
  (``getUserId``, ``getDeviceId``) go with each answer.
- **Embed**: the "Custom Code" of a Braze HTML in-app message. Braze renders it in an iframe
  and gives it ``brazeBridge`` (ready at ``ab.BridgeReady``): the survey shows at once,
  centred, each answer goes to Braze through the bridge, and the message closes when the
  visitor finishes or dismisses it. The same code runs in the apps: Braze's Android and Swift
  SDKs show it in a WebView and inject ``brazeBridge`` there after the load event (Android:
  ``assets/braze-html-bridge.js`` over ``brazeInternalBridge``); the page holds the first
  question and runs without a frame (``Embed.in_app``); ``{{${user_id}}}`` gives the external id.
- **Links and emails**: ``user_braze_id={{${braze_id}}}``, and the send each link came in,
  ``{{campaign.${dispatch_id}}}`` (Braze's id of each send of a campaign).
- **Relay**: ``POST <rest_endpoint>/users/track``, ``Authorization: Bearer <REST API key>``
  (a key with ``users.track``); body ``{"attributes": [{"braze_id", <label>: value}],
  "events": [{"braze_id", "name": "survey-question-response", "time", "properties"}]}``.
  One answer per request: well within Braze's 75 attributes and 75 events a request. In the
  collector's configuration::

      relay:
        shop-key:
          braze:
            rest_endpoint: https://rest.iad-01.braze.com
            api_key_env: BRAZE_REST_API_KEY         # a key with users.track
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

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
    pick,
    record_value,
    secret,
    typed_value,
)

if TYPE_CHECKING:
    from ..extensions import ForwardContext
    from ..survey_format import SiteSettings, Survey

EVENT = "survey-question-response"
IN_APP = "braze-inapp"
BRIDGE, BRIDGE_READY = "brazeBridge", "ab.BridgeReady"


@dataclass(frozen=True)
class BrazeRelay(Relay):
    rest_endpoint: str
    api_key: str

    @property
    def url(self) -> str:
        return self.rest_endpoint.rstrip("/") + "/users/track"

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}

    def body(self, record: dict[str, Any]) -> dict[str, Any]:
        who = {"braze_id": record["identities"]["braze_id"]}
        return {"attributes": [{**who, record["label"]: record_value(record)}],
                "events": [{**who, "name": EVENT, "time": record["answered_at"],
                            "properties": iterate_fields(record)}]}


class Braze(Vendor):
    name = "braze"
    label = "Braze"
    identity_names = ("braze_external_id", "braze_device_id")
    # One message for the web and the apps: Braze's Android and Swift SDKs show it in a WebView
    # (base URL https://iamcache.braze) and inject brazeBridge after its load event; the
    # external id comes from Braze's Liquid, filled in when the message is sent.
    embed = Embed(channel=IN_APP, title="Braze in-app message (custom HTML, web and apps)", presentation="modal",
                  settings={}, style="html,body{height:100%}", in_app=True,
                  identities={"braze_external_id": "{{${user_id}}}"})
    link = LinkTags(trait="braze_id", relay_identity="braze_id", identity="{{${braze_id}}}",
                    send="{{campaign.${dispatch_id}}}")
    relay_settings = (RelaySetting("rest_endpoint", "REST endpoint (your instance's, e.g. https://rest.iad-01.braze.com)"),
                      RelaySetting("api_key", "REST API key (with the users.track permission)", secret=True))

    def enabled(self, settings: SiteSettings, survey: Survey, channel: str) -> bool:
        # An answer given inside a Braze message always goes to Braze.
        return channel == IN_APP or pick(survey.forward.braze, settings.forward.braze)

    def answer_calls(self, ctx: ForwardContext) -> list[SdkCall]:
        record = ctx.record
        target, wait = (BRIDGE, BRIDGE_READY) if ctx.channel == IN_APP else ("braze", None)
        props = iterate_fields(record)
        props["response_properties"] = {k: as_date(v) for k, v in record.get("response_properties", {}).items()}
        return [
            call(self.label, target, [["getUser", []], ["setCustomUserAttribute",
                                                        [record["label"], typed_value(ctx.question, ctx.value)]]],
                 wait_for=wait),
            call(self.label, target, [["logCustomEvent", [EVENT, props]]], wait_for=wait),
            call(self.label, target, [["requestImmediateDataFlush", []]], wait_for=wait),
        ]

    def identity_queries(self) -> list[SdkCall]:
        return [call(self.label, "braze", [["getUser", []], ["getUserId", []]], reply="braze_external_id"),
                call(self.label, "braze", [["getDeviceId", []]], reply="braze_device_id")]

    def close_calls(self, campaign: str, channel: str = "") -> list[SdkCall]:
        return [call(self.label, BRIDGE, [["closeMessage", []]], wait_for=BRIDGE_READY)]

    def relay(self, entry: Any, here: str, env: Mapping[str, str]) -> BrazeRelay:
        if not isinstance(entry, dict) or set(entry) - {"rest_endpoint", "api_key_env"}:
            raise RelayConfigError(f"{here}: {{rest_endpoint, api_key_env}}")
        endpoint = entry.get("rest_endpoint")
        if not http_url(endpoint):
            raise RelayConfigError(f"{here}.rest_endpoint: your Braze REST endpoint, e.g. "
                                   f"https://rest.iad-01.braze.com")
        return BrazeRelay(str(endpoint), secret(entry, "api_key_env", here, env))
