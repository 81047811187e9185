"""A small, safe markdown subset for survey text: **bold**, *italic* and [links](https://…).

The text is escaped first, so nothing the site owner (or an attacker who got into a survey
file) writes can become markup; only the three forms above become elements. Links are
http(s) or mailto only, open in a new tab, with ``rel="noopener noreferrer"``.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

LINK = re.compile(r"\[([^\]\n]{1,200})\]\(((?:https?://|mailto:)[^\s()<>\"']{1,2000})\)")
BOLD = re.compile(r"\*\*([^*\n]{1,500})\*\*")
ITALIC = re.compile(r"(?<![*\w])\*([^*\n]{1,500})\*(?![*\w])")


def render(text: str) -> Markup:
    html = str(escape(text))
    html = LINK.sub(lambda m: f'<a href="{m.group(2)}" target="_blank" rel="noopener noreferrer">{m.group(1)}</a>',
                    html)
    html = BOLD.sub(r"<strong>\1</strong>", html)
    html = ITALIC.sub(r"<em>\1</em>", html)
    return Markup(html)
