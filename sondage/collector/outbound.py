"""The queue's HTTP client: POSTs to webhooks and the vendors' REST APIs over kept-alive
connections (one TCP and TLS handshake per connection, not per delivery), a few idle ones
kept per host.

A connection kept idle may have been closed by the server meanwhile: a request that finds it
so before any reply (the server reset it, or closed it without answering) is sent again once
on a new connection; the receiver de-duplicates on ``X-Sondage-Delivery`` all the same.
"""

from __future__ import annotations

import http.client
import threading
import urllib.parse
from dataclasses import dataclass

IDLE_PER_HOST = 16      # connections kept open per host, between deliveries
REPLY_MAX = 64 * 1024   # the most of a reply read


@dataclass(frozen=True)
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes


class Outbound:
    """Kept-alive HTTP(S) connections, shared by the queue's senders (thread-safe)."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.idle: dict[tuple[str, str], list[http.client.HTTPConnection]] = {}
        self.lock = threading.Lock()

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> Reply:
        """POST ``body`` to ``url``; raises OSError (or ValueError for a URL it cannot send to)."""
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{url}: not an http(s) URL")
        key = (parts.scheme, parts.netloc)
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        for fresh in (False, True):
            connection = None if fresh else self._take(key)
            reused = connection is not None
            if connection is None:
                connection = self._open(parts)
            try:
                connection.request("POST", path, body, headers)
                response = connection.getresponse()
                data = response.read(REPLY_MAX)
                if response.will_close or not response.isclosed():
                    connection.close()           # not kept: it closes, or the reply was not all read
                else:
                    self._keep(key, connection)
                return Reply(response.status, response.headers, data)
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                connection.close()
                if not reused:
                    raise
            except (OSError, http.client.HTTPException) as e:
                connection.close()
                if isinstance(e, OSError):
                    raise
                raise OSError(f"{type(e).__name__}: {e}") from None
        raise OSError("unreachable")   # the loop returns or raises

    def _open(self, parts: urllib.parse.SplitResult) -> http.client.HTTPConnection:
        host, port = parts.hostname or "", parts.port
        if parts.scheme == "https":
            return http.client.HTTPSConnection(host, port, timeout=self.timeout)
        return http.client.HTTPConnection(host, port, timeout=self.timeout)

    def _take(self, key: tuple[str, str]) -> http.client.HTTPConnection | None:
        with self.lock:
            kept = self.idle.get(key)
            return kept.pop() if kept else None

    def _keep(self, key: tuple[str, str], connection: http.client.HTTPConnection) -> None:
        with self.lock:
            kept = self.idle.setdefault(key, [])
            if len(kept) < IDLE_PER_HOST:
                kept.append(connection)
                return
        connection.close()

    def close(self) -> None:
        with self.lock:
            kept, self.idle = self.idle, {}
        for connections in kept.values():
            for connection in connections:
                connection.close()
