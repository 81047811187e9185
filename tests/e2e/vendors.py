"""The vendors' real SDKs from npm, served to the test browser by routing their URLs, and
every request they send captured for the tests to read."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
BRAZE_SDK = ROOT / "node_modules" / "@braze" / "web-sdk"
CLEVERTAP_SDK = ROOT / "node_modules" / "clevertap-web-sdk"
BRAZE_SDK_URL = "https://braze-sdk.test/"
BRAZE_ENDPOINT = "sdk.braze.test"


@dataclass
class Captured:
    requests: list[dict[str, Any]] = field(default_factory=list)

    def bodies(self, path_part: str) -> list[Any]:
        return [r["body"] for r in self.requests if path_part in r["url"] and r["body"] is not None]


def _js(route, path: Path) -> None:
    if not path.is_file():
        route.fulfill(status=404, body="not found")
        return
    route.fulfill(status=200, body=path.read_bytes(), content_type="text/javascript",
                  headers={"Access-Control-Allow-Origin": "*"})


def route_braze(context) -> Captured:
    """Braze's Web SDK (ES modules from npm) and its REST endpoint, answering {} and keeping
    every request body."""
    captured = Captured()
    context.route(f"{BRAZE_SDK_URL}**", lambda r: _js(r, BRAZE_SDK / urlsplit(r.request.url).path.lstrip("/")))

    def endpoint(route) -> None:
        body = route.request.post_data
        try:
            parsed = json.loads(body) if body else None
        except ValueError:
            parsed = body
        captured.requests.append({"url": route.request.url, "body": parsed})
        route.fulfill(status=200, body="{}", content_type="application/json",
                      headers={"Access-Control-Allow-Origin": "*"})

    context.route(f"https://{BRAZE_ENDPOINT}/**", endpoint)
    return captured


BRAZE_PAGE = f"""<script type="module">
import * as braze from "{BRAZE_SDK_URL}src/index.js";
window.braze = braze;
braze.initialize("braze-test-api-key", {{baseUrl: "{BRAZE_ENDPOINT}", allowUserSuppliedJavascript: true}});
braze.changeUser("user-42");
braze.openSession();
window.brazeReady = true;
</script>"""
