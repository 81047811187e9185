"""Rate limiting of ``POST /collect``: a token bucket per client address (a middleware).

A client may send ``burst`` requests at once, then ``per_second`` a second; beyond that it
is answered 429 with ``Retry-After`` (the page sends its answers again later). The buckets
are the only state the collector keeps between requests, per process.
"""

from __future__ import annotations

import math
import time

from starlette.types import ASGIApp, Receive, Scope, Send

from .replies import error


class RateLimiter:
    """A token bucket per client address."""

    def __init__(self, burst: int, per_second: float) -> None:
        self.burst, self.per_second = burst, per_second
        self.buckets: dict[str, tuple[float, float]] = {}

    def wait(self, client: str, now: float) -> float:
        """0 if the client may send now (a token is taken), else the seconds until it may."""
        if self.per_second <= 0:
            return 0.0
        tokens, last = self.buckets.get(client, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * self.per_second)
        if tokens >= 1:
            self.buckets[client] = (tokens - 1, now)
            return 0.0
        self.buckets[client] = (tokens, now)
        if len(self.buckets) > 100_000:      # bounded memory: forget the oldest clients
            for key in sorted(self.buckets, key=lambda k: self.buckets[k][1])[:50_000]:
                del self.buckets[key]
        return (1 - tokens) / self.per_second


class RateLimit:
    """ASGI middleware: 429 with ``Retry-After`` for a client that sends too fast."""

    def __init__(self, app: ASGIApp, limiter: RateLimiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            client = scope.get("client")
            wait = self.limiter.wait(client[0] if client else "?", time.monotonic())
            if wait > 0:
                reply = error(429, "too many requests; try again later", {"Retry-After": str(max(1, math.ceil(wait)))})
                await reply(scope, receive, send)
                return
        await self.app(scope, receive, send)
