"""What the collector tells Prometheus (``GET /metrics``, its text format, behind the admin
token or the metrics token): the figures an operator of several collectors watches.

- ``sondage_answers_total{outcome}``: records stored, duplicates, and refused (by this process);
- ``sondage_request_seconds{route,status}``: request latency, a histogram per route and status;
- ``sondage_queue_depth`` and ``sondage_queue_oldest_seconds``: the webhook and relay queue's
  deliveries waiting (pending or being sent) and the age of the oldest, read from the
  database when scraped (the same for every collector on it);
- ``sondage_deliveries_total{outcome}``: deliveries done, failed for good, and to retry (by
  this process).

Each app has its own registry (prometheus_client), so several apps in one process (tests)
never mix their figures.
"""

from __future__ import annotations

import time

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .database import Added
from .state import collector

# Latency buckets, seconds: the collector answers in milliseconds; a database away, in seconds.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """One collector app's figures."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.answers = Counter("sondage_answers", "Records POSTed to /collect, by what became of them",
                               ["outcome"], registry=self.registry)
        self.latency = Histogram("sondage_request_seconds", "Time to answer a request, by route and status",
                                 ["route", "status"], buckets=BUCKETS, registry=self.registry)
        self.depth = Gauge("sondage_queue_depth", "Webhook and relay deliveries waiting (pending or being sent)",
                           registry=self.registry)
        self.oldest = Gauge("sondage_queue_oldest_seconds", "Age of the oldest delivery waiting, seconds",
                            registry=self.registry)
        self.deliveries = Counter("sondage_deliveries", "Webhook and relay deliveries tried, by outcome "
                                  "(done, failed for good, retried later)", ["outcome"], registry=self.registry)
        for outcome in ("stored", "duplicate", "refused"):
            self.answers.labels(outcome)
        for outcome in ("done", "failed", "retried"):
            self.deliveries.labels(outcome)

    def answered(self, added: Added, refused: int) -> None:
        """What one POST /collect did with its records."""
        self.answers.labels("stored").inc(len(added.stored))
        self.answers.labels("duplicate").inc(len(added.duplicates))
        self.answers.labels("refused").inc(refused)

    def delivered(self, outcome: str, _queued_for: float) -> None:
        """One delivery's outcome (the queue's ``observe``)."""
        self.deliveries.labels(outcome).inc()


class Timing:
    """ASGI middleware: each request's latency, by the route that answered it and its status."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            route = getattr(scope.get("route"), "path", None) or "other"
            self.metrics.latency.labels("bundle" if route == "/{path:path}" else route,
                                        str(status)).observe(time.perf_counter() - started)


async def metrics(request: Request) -> Response:
    """``GET /metrics``: Prometheus's text format (the queue read from the database now)."""
    c = collector(request)
    figures: Metrics = request.app.state.metrics
    depth, oldest = await run_in_threadpool(c.queue.depth)
    figures.depth.set(depth)
    figures.oldest.set(oldest)
    return Response(generate_latest(figures.registry), media_type=CONTENT_TYPE_LATEST,
                    headers={"Cache-Control": "no-store"})
