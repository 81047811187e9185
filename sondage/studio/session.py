"""Signing in to the studio with the admin token, and what guards every studio route.

A session is a signed cookie (no server-side store, so several collector processes share it):
``<issued>.<nonce>.<mac>``, its MAC keyed by the admin token (changing the token ends every
session). The cookie is HttpOnly, SameSite=Strict, limited to ``/studio`` and ``Secure`` when
the browser reached the server over HTTPS (directly, or through a proxy's X-Forwarded-Proto).
It also opens the pages that read answers (dashboard, gallery) to GET, so that the studio, the
results and the gallery are one app; those pages change nothing.

Every change is a POST that carries the session's CSRF token (a MAC of the session's nonce)
in a form field or the ``X-CSRF-Token`` header, and comes from the studio's own origin
(``Origin``, else ``Sec-Fetch-Site``): a cross-site form post is refused (403) even if a
browser sent the cookie. No studio reply carries CORS headers.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from starlette.datastructures import Headers

COOKIE = "sondage_studio"
LIFETIME_S = 12 * 3600
PATH = "/"      # the studio, and the results and gallery pages it links to (GET only: auth.AdminToken)


@dataclass(frozen=True)
class Session:
    nonce: str
    issued: int

    @property
    def age(self) -> float:
        return time.time() - self.issued


def _key(admin_token: str) -> bytes:
    return hmac.new(admin_token.encode(), b"sondage studio session 1", hashlib.sha256).digest()


def _mac(admin_token: str, text: str) -> str:
    return hmac.new(_key(admin_token), text.encode(), hashlib.sha256).hexdigest()


class Attempts:
    """Wrong tokens per client: after ``limit`` in ``window`` seconds, signing in waits
    (guessing the admin token at network speed is not an option)."""

    def __init__(self, limit: int = 10, window: float = 60.0) -> None:
        self.limit = limit
        self.window = window
        self._failed: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def wait(self, client: str, now: float | None = None) -> float:
        """Seconds before ``client`` may try again (0: now)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            recent = [t for t in self._failed.get(client, []) if now - t < self.window]
            self._failed[client] = recent
            return self.window - (now - recent[0]) if len(recent) >= self.limit else 0.0

    def failed(self, client: str, now: float | None = None) -> None:
        with self._lock:
            self._failed.setdefault(client, []).append(time.monotonic() if now is None else now)
            if len(self._failed) > 10_000:          # bounded: the oldest clients are forgotten
                for key in list(self._failed)[:5_000]:
                    del self._failed[key]


def token_matches(admin_token: str | None, given: str) -> bool:
    return bool(admin_token) and hmac.compare_digest(given.strip().encode(), str(admin_token).encode())


def new_cookie(admin_token: str, now: float | None = None) -> str:
    body = f"{int(now if now is not None else time.time())}.{secrets.token_urlsafe(16)}"
    return f"{body}.{_mac(admin_token, body)}"


def read_cookie(admin_token: str | None, value: str, now: float | None = None) -> Session | None:
    """The session of a cookie's value, or None when it is forged, from another token, or old."""
    if not admin_token or value.count(".") != 2:
        return None
    issued, nonce, mac = value.split(".")
    if not hmac.compare_digest(mac.encode(), _mac(admin_token, f"{issued}.{nonce}").encode()):
        return None
    if not issued.isdigit() or (now if now is not None else time.time()) - int(issued) > LIFETIME_S:
        return None
    return Session(nonce, int(issued))


def csrf_token(admin_token: str, session: Session) -> str:
    return _mac(admin_token, f"csrf.{session.nonce}")


def csrf_ok(admin_token: str, session: Session, given: str) -> bool:
    return bool(given) and hmac.compare_digest(given.encode(), csrf_token(admin_token, session).encode())


def is_https(headers: Headers, scheme: str) -> bool:
    return scheme == "https" or headers.get("x-forwarded-proto", "").split(",")[0].strip() == "https"


def cookie_header(value: str, *, secure: bool, max_age: int = LIFETIME_S) -> str:
    parts = [f"{COOKIE}={value}", f"Path={PATH}", f"Max-Age={max_age}", "HttpOnly", "SameSite=Strict"]
    if secure:
        parts.append("Secure")
    return "; ".join(parts)


def same_origin(headers: Headers, own_host: str) -> str | None:
    """Why a POST is refused as cross-site, or None when it comes from the studio's own pages:
    its Origin is this server's (as the browser reached it), or, with no Origin, the browser
    says Sec-Fetch-Site: same-origin (or none: typed by the person)."""
    origin = headers.get("origin")
    if origin and origin != "null":
        hosts = {own_host.lower(), *(h.strip().lower() for h in headers.get("x-forwarded-host", "").split(",")
                                     if h.strip())}
        if urlsplit(origin).netloc.lower() in hosts:
            return None
        return f"the request comes from {origin}, not from the studio's own pages"
    site = headers.get("sec-fetch-site")
    if origin == "null":        # a page with no-referrer sends that; its browser says where it is
        return None if site == "same-origin" else "the request comes from an opaque origin"
    if site in (None, "same-origin", "none"):
        return None
    return f"the request is {site} (Sec-Fetch-Site), not from the studio's own pages"
