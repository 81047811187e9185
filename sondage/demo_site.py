"""The host origin of the demo (``sondage serve --demo``): a folder of pages served on
another origin than the collector's, with the snippet pasted where a page asks for it.
"""

from __future__ import annotations

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .files import Files
from .snippet import snippet

SNIPPET_MARK = re.compile(r"<!-- sondage:snippet(?: key=([A-Za-z0-9._-]+))? -->")


class SiteHandler(BaseHTTPRequestHandler):
    """The host origin of the demo: a shop page with the snippet pasted in."""

    server: SiteServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)

    def _inject(self, data: bytes) -> bytes:
        """Paste the snippet where a page says ``<!-- sondage:snippet [key=K] -->``."""
        site = self.server
        text = SNIPPET_MARK.sub(lambda m: snippet(m.group(1) or site.api_key, site.runtime_url),
                                data.decode("utf-8"))
        return text.replace("%%RUNTIME_URL%%", site.runtime_url).encode("utf-8")

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        transform = self._inject if path.endswith((".html", "/")) else None
        reply = self.server.files.reply(path, accept_encoding=self.headers.get("Accept-Encoding", ""),
                                        if_none_match=self.headers.get("If-None-Match"), extra={},
                                        cache="no-cache", transform=transform)
        self.send_response(reply.status)
        for k, v in reply.headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)

    def do_HEAD(self) -> None:
        self.do_GET()


class SiteServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], folder: Path, api_key: str, runtime_url: str,
                 verbose: bool) -> None:
        self.files = Files(folder)
        self.api_key = api_key
        self.runtime_url = runtime_url
        self.verbose = verbose
        super().__init__(address, SiteHandler)


def serve_site(folder: Path, api_key: str, runtime_url: str, *, host: str = "127.0.0.1",
               port: int = 8000, verbose: bool = False) -> tuple[SiteServer, str]:
    """Serve a host site (a folder of pages with the snippet pasted in) in a background thread."""
    server = SiteServer((host, port), folder, api_key, runtime_url, verbose)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://{host}:{server.server_address[1]}/"
