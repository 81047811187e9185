"""The embed snippet, in Iterate's form, pointing at our loader."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from urllib.parse import urlsplit


class SnippetError(ValueError):
    pass


def _js(value: object) -> str:
    """A JS literal that is also safe inside an HTML <script> element."""
    return (json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("&", "\\u0026").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def host_csp(html: str, base_url: str) -> str:
    """The Content-Security-Policy directives a host page with a strict policy adds for
    Sondage: each inline script of ``html`` (the snippet as printed) by its hash; the loader,
    the survey frame, the manifest and the collector from the runtime's origin."""
    parts = urlsplit(base_url)
    origin = f"{parts.scheme}://{parts.netloc}"
    hashes = [base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
              for body in re.findall(r"<script[^>]*>(.*?)</script>", html, re.S)]
    scripts = " ".join(f"'sha256-{h}'" for h in hashes)
    return f"script-src {scripts} {origin}; frame-src {origin}; connect-src {origin}"


def loader_url(base_url: str) -> str:
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SnippetError(f"--base-url must be an http(s) URL of the bundle, got {base_url!r}")
    return base_url.rstrip("/") + "/loader.js"


def snippet(api_key: str, base_url: str, *, install_on_load: bool = True,
            extra: dict[str, object] | None = None, loader_src: str | None = None) -> str:
    """Iterate's snippet. ``loader_src``: a URL relative to the page (pages inside the
    bundle), instead of ``<base_url>/loader.js``."""
    if not api_key:
        raise SnippetError("--api-key must not be empty")
    settings: dict[str, object] = {"apiKey": api_key}
    if not install_on_load:
        settings["installOnLoad"] = False
    settings.update(extra or {})
    return f"""<script>
window.iterateSettings = {_js(settings)};
(function(i,t,e,r,a){{if(t.getElementById(r)){{return}}
i.IterateObjectName=a;var z=function(){{z.c(arguments)}};z.q=[];z.c=function(args){{z.q.push(args)}};i[a]=z;
var l=function(){{var js,fjs=t.getElementsByTagName(e)[0];js=t.createElement(e);js.id=r;js.async=1;js.src={_js(loader_src or loader_url(base_url))};fjs.parentNode.insertBefore(js,fjs)}};
if(t.readyState==="complete"){{l()}}else if(i.attachEvent){{i.attachEvent("onload",l)}}else{{i.addEventListener("load",l,false)}}
}}(window,document,"script","iterate-js","Iterate"));
</script>"""


SEGMENT_PLUGIN = """<script>
// Sondage's Segment plugin: hands track, identify and page calls to Sondage, which maps them
// as Segment's "Iterate Web (Actions)" destination does. Put it after the Sondage snippet.
analytics.register((function () {
  function forward(ctx) {
    var e = ctx.event;
    Iterate("segment", {type: e.type, event: e.event, userId: e.userId, anonymousId: e.anonymousId,
                        traits: e.traits, properties: e.properties,
                        context: {page: e.context && e.context.page}});
    return ctx;
  }
  return {name: "Sondage", type: "destination", version: "1.0.0",
          isLoaded: function () { return true; }, load: function () { return Promise.resolve(); },
          track: forward, identify: forward, page: forward};
})());
</script>"""


def segment_plugin_snippet() -> str:
    """Registers Sondage as a Segment (analytics.js / analytics-next) destination plugin."""
    return SEGMENT_PLUGIN
