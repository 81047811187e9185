"""Where answers may come from: CORS for ``/collect`` (a middleware), and the per-site check
of each record's origin.

CORS allows the origins of the sites this collector serves (their ``origins`` in
sites.yaml, and ``allow_origins`` of the collector's config) and the bundle's own: its
survey frame and survey pages post from there. A preflight does not say which site it is
for, so while a served site lists no origins, every page may post (its pages may be
anywhere), and the origin is checked per record instead: a record of a site that lists
origins, from an origin that is not one of them, is refused with ``retry`` (a
configuration to fix: the browser keeps the answer and sends it again). One site's
``origins`` never shut out another site's pages.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .config import CollectorConfig


class Origins:
    """The origins ``config`` allows, as this collector serves them (``serves_bundle``: it
    serves the bundle's files itself, so its own origin is the bundle's)."""

    def __init__(self, config: CollectorConfig, serves_bundle: bool) -> None:
        self.config = config
        self.serves_bundle = serves_bundle
        self.allowed = config.origins()
        self.bundle_origins = config.catalogue.bundle_origins() if config.catalogue else set()
        # Sites that name no origins: their pages may be anywhere, so CORS lets every page post.
        self.open_sites = sorted(set(config.catalogue.sites) - set(config.site_origins)) if config.catalogue else []

    def is_bundle_origin(self, origin: str | None, headers: Headers) -> bool:
        """Is ``origin`` the bundle's own? Its pages post answers from there: the survey frame
        (whatever page it is on) and each survey's own page (links and emails). That is this
        collector's own origin when it serves the bundle (as the browser reached it: Host, or
        a proxy's X-Forwarded-Host), and the origin of the URL the bundle was built for
        (``sondage build --base-url``, a CDN)."""
        if not origin or origin == "null":
            return False
        if origin.rstrip("/") in self.bundle_origins:
            return True
        if not self.serves_bundle:
            return False
        hosts = [headers.get("host", ""), *headers.get("x-forwarded-host", "").split(",")]
        return urlsplit(origin).netloc.lower() in {h.strip().lower() for h in hosts if h.strip()}

    def cors_headers(self, headers: Headers) -> dict[str, str]:
        """The CORS headers of a reply to a request with these ``headers``."""
        origin = headers.get("origin")
        # The page reads Retry-After (a 429, a 503) to know when to send again.
        if not self.allowed or self.open_sites:     # a site that names no origins takes answers from any page
            return {"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": "Retry-After"}
        if origin in self.allowed or self.is_bundle_origin(origin, headers):
            return {"Access-Control-Allow-Origin": str(origin), "Vary": "Origin",
                    "Access-Control-Expose-Headers": "Retry-After"}
        return {"Vary": "Origin"}

    def split(self, records: list[dict[str, Any]], headers: Headers) -> tuple[list[dict[str, Any]],
                                                                                list[dict[str, Any]]]:
        """``records`` (checked, in request order) as (those to store, those refused for
        their origin: ``{index, id, retry, reason}``)."""
        origin = headers.get("origin")
        ours = self.is_bundle_origin(origin, headers)
        accepted, refused = [], []
        for i, record in enumerate(records):
            site_origins = self.config.site_origins.get(record["site"])
            if site_origins and not ours and origin not in site_origins and origin not in self.config.allow_origins:
                # Where the answer comes from, not what it is: the page keeps it and sends it
                # again later (`retry`), so answers wait for the site's `origins` to be fixed.
                refused.append({"index": i, "id": record["id"], "retry": True,
                                "reason": f"site {record['site']!r} takes answers from {sorted(site_origins)} "
                                          f"(its origins in sites.yaml) and from the bundle's own pages, not from "
                                          f"{origin!r}"})
            else:
                accepted.append(record)
        return accepted, refused


class Cors:
    """ASGI middleware: every reply carries the CORS headers for the request's origin."""

    def __init__(self, app: ASGIApp, origins: Origins) -> None:
        self.app = app
        self.origins = origins

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self.origins.cors_headers(Headers(scope=scope))

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in extra.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_cors)
