"""The vendors' real SDKs from npm, served to the test browser by routing their URLs, and
every request they send captured for the tests to read."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

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


# -- CleverTap ------------------------------------------------------------------------
CLEVERTAP_SNIPPET_URL = "https://d2r1yp2w7bby2u.cloudfront.net/js/clevertap.min.js"
CLEVERTAP_NPM_URL = "https://clevertap-npm.test/clevertap.js"
CLEVERTAP_ACCOUNT = "TEST-RKW-ZZ1"
CLEVERTAP_GUID = "a1b2c3d4e5f60718293a4b5c6d7e8f90"

# CleverTap's documented snippet integration (README "Manually add the script").
CLEVERTAP_SNIPPET = f"""<script>
var clevertap = {{event:[], profile:[], account:[], onUserLogin:[], notifications:[], privacy:[]}};
clevertap.account.push({{"id": "{CLEVERTAP_ACCOUNT}"}});
clevertap.privacy.push({{optOut: false}});
clevertap.privacy.push({{useIP: false}});
(function () {{
  var wzrk = document.createElement('script'); wzrk.type = 'text/javascript'; wzrk.async = true;
  wzrk.src = '{CLEVERTAP_SNIPPET_URL}';
  var s = document.getElementsByTagName('script')[0]; s.parentNode.insertBefore(wzrk, s);
}})();
</script>"""
# The npm package's integration: its own build, then clevertap.init(accountId, region).
CLEVERTAP_NPM = f"""<script src="{CLEVERTAP_NPM_URL}"></script>
<script>clevertap.privacy.push({{optOut: false}}); clevertap.init("{CLEVERTAP_ACCOUNT}", "eu1");</script>"""


def lz_decompress_base64(text: str) -> str:
    """CleverTap's request payload `d`: lz-string 1.3's compressToBase64 (16-bit chunks as
    bytes, then base64), decoded."""
    import base64

    raw = base64.b64decode(text + "=" * (-len(text) % 4))
    chars = [raw[i] << 8 | raw[i + 1] for i in range(0, len(raw) - 1, 2)]
    return _lz_decompress(chars)


def _lz_decompress(data: list[int]) -> str:
    reset = 32768
    state = {"val": data[0] if data else 0, "position": reset, "index": 1}

    def bits(n: int) -> int:
        out, power = 0, 1
        for _ in range(n):
            bit = state["val"] & state["position"]
            state["position"] >>= 1
            if state["position"] == 0:
                state["position"] = reset
                state["val"] = data[state["index"]] if state["index"] < len(data) else 0
                state["index"] += 1
            out |= power if bit else 0
            power <<= 1
        return out

    dictionary: dict[int, str] = {0: "0", 1: "1", 2: "2"}
    dict_size, num_bits, enlarge_in = 4, 3, 4
    first = bits(2)
    if first == 2:
        return ""
    w = chr(bits(8 if first == 0 else 16))
    dictionary[3] = w
    result = [w]
    while True:
        if state["index"] > len(data):
            return ""
        code = bits(num_bits)
        if code in (0, 1):
            dictionary[dict_size] = chr(bits(8 if code == 0 else 16))
            code = dict_size
            dict_size += 1
            enlarge_in -= 1
        elif code == 2:
            return "".join(result)
        if enlarge_in == 0:
            enlarge_in = 2 ** num_bits
            num_bits += 1
        if code in dictionary:
            entry = dictionary[code]
        elif code == dict_size:
            entry = w + w[0]
        else:
            raise ValueError(f"bad lz-string code {code}")
        result.append(entry)
        dictionary[dict_size] = w + entry[0]
        dict_size += 1
        enlarge_in -= 1
        w = entry
        if enlarge_in == 0:
            enlarge_in = 2 ** num_bits
            num_bits += 1


def route_clevertap(context) -> Captured:
    """CleverTap's SDK (both builds from npm) and its JSONP endpoint; each request's `d`
    payload decoded into JSON."""
    captured = Captured()
    context.route(CLEVERTAP_SNIPPET_URL, lambda r: _js(r, CLEVERTAP_SDK / "clevertap.min.js"))
    context.route(CLEVERTAP_NPM_URL, lambda r: _js(r, CLEVERTAP_SDK / "clevertap.js"))

    def endpoint(route) -> None:
        query = parse_qs(urlsplit(route.request.url).query)
        body: Any = None
        if "d" in query:
            text = lz_decompress_base64(query["d"][0])
            try:
                body = json.loads(text)
            except ValueError:
                body = text
        captured.requests.append({"url": route.request.url, "body": body, "type": query.get("type", [""])[0]})
        # As CleverTap's servers answer: the device's guid and session, which release the
        # events the SDK holds until it has them (rn: the request's number).
        rn = query.get("rn", ["0"])[0]
        script = f"window.$WZRK_WR && $WZRK_WR.s('{CLEVERTAP_GUID}', 1, true, {int(rn) if rn.isdigit() else 0});"
        route.fulfill(status=200, body=script, content_type="text/javascript")

    context.route("https://*.clevertap-prod.com/**", endpoint)
    return captured


def answer_vendor_survey(survey, score: str, choices: list[str]) -> None:
    """A visitor answers the e2e vendor survey: a score, then some choices, then submit."""
    from playwright.sync_api import expect

    survey.locator(f"button[data-value='{score}']").click(timeout=30000)
    for choice in choices:
        survey.locator("label", has_text=choice).click()
    survey.locator("button[type=submit]").click()
    expect(survey.locator(".sondage-thanks")).to_be_visible()
