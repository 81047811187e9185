"""A forwarder: each answer POSTed as JSON to ``options.url`` with ``navigator.sendBeacon``
(it survives the page closing; no CORS preflight). In sites.yaml::

    forwarders:
      - name: webhook
        options: {url: "https://hooks.example/sondage", fields: "survey_id,question_id,response"}
"""

import json

from runtime.extensions import ForwardContext, Forwarder, Registry

DEFAULT_FIELDS = ("id", "survey_id", "question_id", "response", "response_int", "response_string",
                  "response_array", "answered_at", "url")


def forward(ctx: ForwardContext):
    url = ctx.options.get("url")
    if not isinstance(url, str) or not url.startswith("https://") and not url.startswith("http://"):
        raise ValueError("options.url: the webhook's http(s) URL")
    fields = str(ctx.options.get("fields", "")).split(",") if ctx.options.get("fields") else DEFAULT_FIELDS
    body = json.dumps({k: ctx.record.get(k) for k in fields if k in ctx.record}, separators=(",", ":"))
    return [{"vendor": "Webhook", "target": "navigator", "chain": [["sendBeacon", [url, body]]],
             "wait_for": None, "reply": None, "optional": False}]


def register(registry: Registry) -> None:
    registry.forwarder(Forwarder("webhook", forward))
