"""A local HTTP receiver for the tests (webhooks, the vendors' REST APIs): 127.0.0.1, a free
port, every request kept."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    """A local HTTP receiver that answers 503 to its first ``fail`` requests."""

    def __init__(self, fail: int = 0, status: int = 204, reply: bytes = b"") -> None:
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
                answer = 503 if len(receiver.got) <= receiver.fail else status
                self.send_response(answer)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
