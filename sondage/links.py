"""Links to a survey's own page, and its first question in an email, for email services.

The link carries the service's merge tags, which the service fills for each recipient
before sending: the recipient's identity (``?user_<trait>=<tag>``, as the vendor's module in
``runtime/vendors/`` says), plus the user and response properties the marketer maps
(``--user-property plan=TAG``). A tag written as the vendor's editor shows it becomes the
form its service fills (the vendor's ``merge_tag``). Tags are written as they are, not
URL-encoded, so the service can fill them.

The link also says which send it came in (``send=``), so that the page records one answer
per recipient, survey, question and send (runtime/link_params.py): the vendor's own send tag
by default (left empty by the service, it is ignored). A service without one: ``--send TAG``
gives one (a campaign name, say); without it, a recipient's answer to the survey is one
whatever the send.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import jinja2
from markupsafe import Markup

from runtime.answers import NO, YES, scale_range
from runtime.survey_format import Survey
from runtime.vendors import registry
from runtime.vendors.base import Vendor

from .snippet import SnippetError, loader_url
from .survey_pages import HOSTED_PATH

NONE = "none"          # no email service: no identity tag
NAME = re.compile(r"(?:(?:number|boolean|date)_)?[A-Za-z][A-Za-z0-9_]{0,63}")
_SEND = re.compile(r"[A-Za-z0-9._-]{1,100}")

_EMAIL = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).resolve().parent / "templates"),
                            autoescape=True, trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)


def esps() -> tuple[str, ...]:
    """What ``--esp`` takes: each vendor that is an email service, or none."""
    return (*(vendor.name for vendor in registry.link_vendors()), NONE)


def _tag(esp: Vendor | None, tag: str, what: str) -> str:
    if esp is not None:
        tag = esp.merge_tag(tag)
    if any(c in tag for c in '"<>\n'):
        raise SnippetError(f"{what}: a merge tag cannot hold quotes, < or > ({tag!r})")
    return tag


def _properties(esp: Vendor | None, given: list[str], prefix: str, option: str) -> list[str]:
    out = []
    for item in given:
        name, sep, tag = item.partition("=")
        if not sep or not NAME.fullmatch(name) or not tag.strip():
            raise SnippetError(f"{option} {item!r}: write NAME=TAG, NAME in letters, digits and _ (a type "
                               f"prefix number_, boolean_ or date_ may start it)")
        out.append(f"{prefix}{name}={_tag(esp, tag, option)}")
    return out


def survey_link(base_url: str, survey: Survey, esp: str, user_properties: list[str] | None = None,
                response_properties: list[str] | None = None, send: str | None = None) -> str:
    """The survey page's link with the service's merge tags (not URL-encoded: the service fills them).
    ``send``: what names the email send (a merge tag or a literal); None: the service's own
    (the vendor's send tag), "": none."""
    if esp not in esps():
        raise SnippetError(f"--esp: one of {', '.join(esps())}, got {esp!r}")
    vendor = registry.VENDORS.get(esp)
    tags = vendor.link if vendor is not None else None
    page = loader_url(base_url).removesuffix("loader.js") + HOSTED_PATH.format(site=survey.site, survey=survey.id)
    params = []
    if tags is not None:
        params.append(f"user_{tags.trait}={tags.identity}")
    send = (tags.send if tags is not None else "") if send is None else send.strip()
    if send:
        if not _SEND.fullmatch(send) and not (send.startswith("{{") or send.startswith("@")):
            raise SnippetError(f"--send {send!r}: a merge tag, or a name in letters, digits, '.', '-' and '_'")
        params.append(f"send={_tag(vendor, send, '--send')}")
    params += _properties(vendor, user_properties or [], "user_", "--user-property")
    params += _properties(vendor, response_properties or [], "response_", "--response-property")
    return page + ("?" + "&".join(params) if params else "")


def email_html(base_url: str, survey: Survey, esp: str, user_properties: list[str] | None = None,
               response_properties: list[str] | None = None, send: str | None = None) -> str:
    """The first question as static, email-safe HTML; each answer links to the survey page."""
    link = survey_link(base_url, survey, esp, user_properties, response_properties, send)
    q = survey.questions[0]
    joiner = "&" if "?" in link else "?"
    if q.type in ("nps", "rating", "csat"):
        low, high = scale_range(q)
        values: list[str] = [str(n) for n in range(low, high + 1)]
    elif q.type in ("single_choice", "dropdown"):
        values = list(q.choices)
    elif q.type == "yes_no":
        values = [YES, NO]
    else:
        values = []
    links = [Markup((link + joiner + "answer=" + quote(v, safe="")).replace("&", "&amp;")) for v in values] \
        or [Markup(link.replace("&", "&amp;"))]
    return _EMAIL.get_template("email.html").render(survey=survey, q=q, values=values, links=links)
