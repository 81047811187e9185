"""What the collector's routes share, set up once by ``app.create_app``: the database, the
configuration, the bundle's files (when it serves them), the origins and the webhook queue.
The app keeps it in ``app.state.collector``; a route reads it with ``collector(request)``."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from ..files import Files
from .config import CollectorConfig
from .cors import Origins
from .database import Store
from .webhooks import WebhookQueue


@dataclass
class Collector:
    store: Store
    config: CollectorConfig
    files: Files | None
    origins: Origins
    queue: WebhookQueue


def collector(request: Request) -> Collector:
    shared: Collector = request.app.state.collector
    return shared
