"""What the collector's routes share, set up once by ``app.create_app``: the database, the
configuration, the bundle's files (when it serves them), the origins, the webhook queue and the
response limits' counter.
The app keeps it in ``app.state.collector``; a route reads it with ``collector(request)``."""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.requests import Request

from ..files import Files
from .config import CollectorConfig
from .cors import Origins
from .database import Store
from .status import LimitCounter
from .webhooks import WebhookQueue


@dataclass
class Collector:
    store: Store
    config: CollectorConfig
    files: Files | None
    origins: Origins
    queue: WebhookQueue
    limits: LimitCounter = field(init=False)

    def __post_init__(self) -> None:
        self.limits = LimitCounter(self.store)


def collector(request: Request) -> Collector:
    shared: Collector = request.app.state.collector
    return shared
