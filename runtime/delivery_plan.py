"""The delivery plan: how the loader sends an outbox's records when no runtime does.

A page without surveys never starts Python, and a page being left may not give the runtime
the time; the loader then sends what the outboxes hold. It decides nothing about it: every
outbox is stored with this plan (:func:`visitor_state.outbox_to_json`, on every change), and
the loader carries it out. The plan holds the batches already split (each the exact request
body), the earliest time to send (the outbox's backoff), and how to read the collector's
reply, as data (:class:`protocol.DeliveryPlan`, typed for the loader in
``static/contracts.d.ts``). Its reading of a reply is the runtime's own
(:meth:`delivery.Delivery.result`): stored and duplicates are done; a record refused for the
page it comes from is kept and sent again later; one refused for what it is is dropped, with
one warning per reason. Any other reply leaves the records for a later page view or runtime,
not before the wait the collector asked for (its ``Retry-After``: a 503 while its database is
away, a 429), read as the runtime reads it (``RETRY``: :meth:`outbox.Outbox.failed`).
"""

from __future__ import annotations

from . import protocol
from .outbox import RETRY_AFTER_HEADER, RETRY_AFTER_MAX, Outbox

# How a reply reads (its fields are protocol.CollectorReply's and protocol.Refusal's).
READING: protocol.ReplyReading = {
    "done": ["stored", "duplicates"],
    "refused": "rejected",
    "keep": "retry",
    "kept": ["the collector refuses an answer from this page: ",
             "; it is kept in this browser and sent again later"],
    "dropped": ["the collector refused an answer for good: ", "; dropped"],
}

# How the loader reads the wait a reply that is not 2xx asks for (its seconds, bounded).
RETRY: protocol.RetryAfterReading = {"header": RETRY_AFTER_HEADER, "max_ms": RETRY_AFTER_MAX * 1000.0}


def plan(outbox: Outbox) -> protocol.DeliveryPlan:
    """The plan for ``outbox`` as it is now: its records in the batches the runtime would send,
    none before its next try."""
    return {
        "not_before": outbox.next_try * 1000.0,
        "batches": [{"ids": [str(r["id"]) for r in batch], "body": protocol.batch_body(batch)}
                    for batch in outbox.batches()],
        "reply": READING,
        "retry_after": RETRY,
        "acked_version": protocol.ACKED_VERSION,
        "acked_max": protocol.ACKED_MAX,
    }
