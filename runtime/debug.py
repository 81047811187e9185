"""\"Why not shown\": the engine's decisions in words, for ``?iterate_debug=1`` and
``Iterate('debug')`` (printed in the host page's console)."""

from __future__ import annotations

from collections.abc import Sequence

from .survey_format import SiteData, Survey
from .targeting import Context, Decision, History, Occurrence, decide
from .undecided import WINDOW_SECONDS

PREFIX = "Sondage debug"


def _trigger(survey: Survey) -> str:
    t = survey.trigger
    return {"event": f"event {t.event!r}", "seconds": f"{t.seconds} s on a page",
            "scroll": f"scroll to {t.percent}%"}.get(t.type, t.type.replace("_", " "))


def _line(survey: Survey, d: Decision) -> str:
    verdict = {"show": "shows", "wait": "waits", "no": "not shown"}[d.verdict]
    return f"  {survey.id} [{_trigger(survey)}]: {verdict}: {d.reason}"


def header(site: SiteData, device: str, ctx: Context) -> str:
    return (f"{PREFIX}: site {site.site!r}, {len(site.surveys)} survey(s), {device}, "
            f"language {ctx.language or 'unknown'}, page {ctx.url}")


def _own_trigger(survey: Survey) -> Occurrence:
    """The occurrence that would trigger this survey (to ask: would it show if it fired?)."""
    t = survey.trigger
    if t.type == "event":
        return Occurrence("event", name=t.event or "", properties={r.key: r.value for r in
                                                                   (t.properties.rules if t.properties else [])})
    if t.type == "scroll":
        return Occurrence("scroll", percent=t.percent or 100)
    if t.type in ("exit_intent",):
        return Occurrence("exit_intent")
    if t.type == "manual":
        return Occurrence("manual", survey_id=survey.id)
    return Occurrence("page_view")


def report(site: SiteData, ctx: Context, history: History) -> str:
    """Each survey: would it show if its trigger fired now, and if not, the first failing rule."""
    lines = [f"{PREFIX}: if each survey's trigger fired now on {ctx.url}:"]
    for survey in site.surveys:
        lines.append(_line(survey, decide(survey, _own_trigger(survey), ctx, history, site.settings)))
    return "\n".join(lines)


def occurrence(what: Occurrence, decisions: list[tuple[Survey, Decision]], *, again: bool = False,
               awaiting: Sequence[str] = (), identified: bool = True) -> str:
    """The decisions for one occurrence; ``again`` when an identify decided it anew,
    ``awaiting`` the surveys an identify may still decide differently."""
    name = {"event": f"event {what.name!r}", "scroll": f"scroll to {what.percent}%",
            "manual": f"install({what.survey_id!r})", "timer": f"{what.survey_id!r} timer"}.get(
        what.kind, what.kind.replace("_", " "))
    title = f"{PREFIX}: {name} decided again after identify:" if again else f"{PREFIX}: {name}:"
    lines = [title] + [_line(s, d) for s, d in decisions]
    if awaiting:
        who = "the visitor is not identified yet" if not identified else "with the traits known now"
        lines.append(f"  decided while {who}: an identify within {WINDOW_SECONDS:g} s (or queued "
                     f"before the runtime started) decides {', '.join(awaiting)} again")
    return "\n".join(lines)
