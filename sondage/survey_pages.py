"""The page that runs one survey: what a marketer pastes into a vendor's message, and a survey's
own page.

Each vendor with an embed (``runtime/vendors/``: its ``Embed``) says what its message needs;
the page is always the ordinary snippet with ``installOnLoad: false``, a ``channel`` that
tells the runtime where it runs (and the embed's other settings), the embed's style and
body, and ``Iterate('install', surveyId)``: the survey shows at once, each answer goes to
the vendor's SDK and to the collector, and the message closes when the visitor finishes or
dismisses it.
"""

from __future__ import annotations

import json

from runtime import answer_plan, protocol
from runtime.hints import shown_ahead
from runtime.survey_format import FORMAT_VERSION, SiteData, SiteSettings, Survey
from runtime.vendors import registry
from runtime.vendors.base import Embed

from .snippet import SnippetError, _js, loader_url, snippet

HOSTED_PATH = "s/{site}/{survey}/"      # a survey's own page, inside the bundle
# A survey's own page starts the survey (and records the answer its link carries) only once
# a person sees the page: never in a page that stays hidden or is prerendered (a mail
# scanner's browser, a link preview), only when it is visible. (A scanner that runs no
# script records nothing anyway: the page is static.)
_WHEN_SEEN = """(function (d, id) {{
  var done = false;
  function seen() {{
    if (done || d.visibilityState !== "visible" || d.prerendering) return;
    done = true;
    Iterate("install", id);
  }}
  d.addEventListener("visibilitychange", seen);
  d.addEventListener("prerenderingchange", seen);
  seen();
}})(document, {survey});"""

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>html,body{{margin:0;padding:0;background:transparent}}{style}</style>
{snippet}
<script>{install}</script>
</head>
<body>{body}</body>
</html>
"""


# A message shown by a mobile SDK (an ``Embed`` with ``in_app``): the survey's first step is in
# the page itself, styled by the widget's own CSS, and static/inapp.js runs the runtime's
# worker in this page (no frame: a vendor's iOS WebView closes the message when a frame
# navigates). Nothing waits for the network to show the first question.
_IN_APP_PAGE = """<!doctype html>
<html lang="{language}" data-position="{position}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
<title>{title}</title>
<style>{css}
html,body{{margin:0;padding:0;background:transparent}}{style}
[data-position=modal] body{{background:rgba(15,18,30,.45)}}
body{{box-sizing:border-box;padding:env(safe-area-inset-top) env(safe-area-inset-right)
 env(safe-area-inset-bottom) env(safe-area-inset-left)}}</style>
<script>window.iterateSettings = {settings};</script>
<script type="application/json" id="{plans_id}">{plans}</script>
<script async src="{src}"></script>
</head>
<body><div id="root" style="{font}">{first}</div></body>
</html>
"""


def _in_app_html(embed: Embed, api_key: str, base_url: str, survey: Survey, site_settings: SiteSettings) -> str:
    from build import STATIC  # the widget's CSS, as the bundle serves it

    ahead = shown_ahead(survey)
    # What each answer to the first question does, for inapp.js to carry out while Python
    # starts (runtime/answer_plan.py); null: none (a first step that is not single-tap choices).
    site = SiteData(format=FORMAT_VERSION, site=api_key, surveys=[survey], settings=site_settings)
    plans = answer_plan.plans(site, survey.id, embed.channel, embed.identities, ahead["html"])
    settings: dict[str, object] = {"apiKey": api_key, "channel": embed.channel, **embed.settings, "survey": survey.id,
                "base": base_url.rstrip("/") + "/"}
    if embed.identities:
        settings["identities"] = dict(embed.identities)
    font = f"--sondage-font:{ahead['font']}".replace('"', "'").replace("<", "") if ahead["font"] else ""
    return _IN_APP_PAGE.format(
        language=survey.language.replace('"', ""), position=embed.presentation,
        title=survey.name.replace("&", "&amp;").replace("<", "&lt;"),
        css=(STATIC / "widget.css").read_text(encoding="utf-8").replace("</", "<\\/"), style=embed.style,
        settings=_js(settings), plans_id=protocol.ANSWER_PLANS_ELEMENT,
        plans=json.dumps(plans, separators=(",", ":")).replace("<", "\\u003c"),
        src=(base_url.rstrip("/") + "/inapp.js").replace('"', "%22"),
        font=font, first=ahead["html"])


def embed_html(kind: str, api_key: str, base_url: str, survey_id: str, title: str = "Survey",
               survey: Survey | None = None, settings: SiteSettings | None = None) -> str:
    """What the marketer pastes into the vendor's message ``kind``. A message that mobile SDKs
    show (``Embed.in_app``) needs the ``survey`` itself: its first question is in the page,
    with what each answer to it does (decided with the site's ``settings``: sites.yaml's)."""
    embed = registry.embed(kind)
    if embed is None:
        raise ValueError(f"unknown embed {kind!r} (one of {', '.join(registry.embed_channels())})")
    if embed.in_app and survey is not None:
        loader_url(base_url)      # the same check of the bundle's URL
        if not api_key:
            raise SnippetError("--api-key must not be empty")
        return _in_app_html(embed, api_key, base_url, survey, settings or SiteSettings())
    extra: dict[str, object] = {"channel": embed.channel, **embed.settings}
    return _PAGE.format(title=title.replace("&", "&amp;").replace("<", "&lt;"), style=embed.style, body=embed.body,
                        snippet=snippet(api_key, base_url, install_on_load=False, extra=extra),
                        install=f"Iterate(\"install\", {_js(survey_id)});")


def hosted_page(site: str, survey_id: str, title: str) -> str:
    """The survey's own page in the bundle (static: any host or CDN serves it). It reads
    Iterate's link parameters (user_*, response_*, answer=, send=) through the runtime, once
    the page is seen (not while hidden or prerendered)."""
    return _PAGE.format(
        title=title.replace("&", "&amp;").replace("<", "&lt;"), style="html,body{height:100%;background:#f4f5f8}"
        # The page's own font (a survey's `font: inherit` takes it): the system's, not the browser's serif.
        "body{font:16px/1.4 system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif}",
        body="<noscript><p style=\"font:16px sans-serif;margin:2rem\">This survey needs JavaScript.</p></noscript>",
        snippet=snippet(site, "", install_on_load=False, extra={"channel": "hosted"}, loader_src="../../../loader.js"),
        install=_WHEN_SEEN.format(survey=_js(survey_id)))
