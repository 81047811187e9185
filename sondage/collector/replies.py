"""The collector's replies that are not a route's own: a JSON error, and an HTML page with
the headers every admin page carries."""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

from .pages import PAGE_CSP


def error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """``{"error": message}`` with ``status``."""
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def html_page(page: str, status: int = 200) -> Response:
    """An admin page (dashboard, gallery): never cached, never framed, scripts only its own."""
    return Response(page, status_code=status, media_type="text/html; charset=utf-8", headers={
        "Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "Content-Security-Policy": PAGE_CSP,
        "X-Content-Type-Options": "nosniff"})
