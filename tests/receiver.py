"""A local HTTP receiver for the tests (webhooks, the vendors' REST APIs): 127.0.0.1, a free
port, every request kept."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    """A local HTTP receiver that answers ``fail_status`` (503) to its first ``fail`` requests,
    with ``fail_headers`` (a Retry-After, say)."""

    def __init__(self, fail: int = 0, status: int = 204, reply: bytes = b"", fail_status: int = 503,
                 fail_headers: dict[str, str] | None = None) -> None:
        self.fail = fail
        self.got: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.got.append({"headers": {k.lower(): v for k, v in self.headers.items()}, "body": body,
                                     "path": self.path})
                failing = len(receiver.got) <= receiver.fail
                self.send_response(fail_status if failing else status)
                for name, value in (fail_headers or {}).items():
                    if failing:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
