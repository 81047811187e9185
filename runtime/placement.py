"""Where the survey's frame sits on the host page, decided here; the loader only applies it.

Every declaration is ``!important`` and set inline on our own iframe, after ``all: initial``
(which takes back every property a host rule could set, clip-path and translate included),
so no host stylesheet (``iframe { width: 100% !important; position: static !important }``,
``* { clip-path: ... !important }``, transforms) can move, hide or resize it, and it sits on
the highest z-index there is (after the body in the page, so above a host overlay on it too).
Corners use ``min(420px, 100vw)`` (a 376 px card and the room its shadow needs, which
static/widget.css gives it by this width): on a narrow screen the widget becomes a
full-width sheet at the bottom (or top) without a media query.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, get_args

from .protocol import Placement
from .survey_format import Position, Survey, Theme

Z = "2147483647"
BASE = {"all": "initial", "border": "0", "margin": "0", "padding": "0", "background": "transparent",
        "color-scheme": "normal", "opacity": "1", "transform": "none", "filter": "none", "visibility": "visible",
        "display": "block",
        "min-width": "0", "min-height": "0", "max-height": "100vh", "box-shadow": "none", "outline": "0",
        "pointer-events": "auto"}
CORNERS = {"bottom-right": ("bottom", "right"), "bottom-left": ("bottom", "left"),
           "top-right": ("top", "right"), "top-left": ("top", "left")}
FILLING = ("modal", "fill", "page", "center")


def frame_css(position: str) -> str:
    """The frame's inline style for a position (the height comes from the card)."""
    rules: dict[str, str] = dict(BASE)
    if position in CORNERS:
        vertical, horizontal = CORNERS[position]
        rules.update({"position": "fixed", vertical: "0", horizontal: "0", "width": "min(420px, 100vw)",
                      "max-width": "100vw", "z-index": Z})
    elif position == "bottom-bar":
        rules.update({"position": "fixed", "bottom": "0", "left": "0", "width": "100vw", "max-width": "100vw",
                      "z-index": Z})
    elif position == "inline":
        # Over the host element (the loader sets top, left and width from it, and keeps the
        # element as tall as the card): an iframe moved in the DOM would reload.
        rules.update({"position": "absolute", "max-width": "100%", "max-height": "none", "z-index": Z})
    else:   # modal, center, fill, page: the whole viewport
        rules.update({"position": "fixed", "top": "0", "left": "0", "width": "100vw", "height": "100vh",
                      "max-width": "100vw", "z-index": Z})
    return ";".join(f"{k}:{v} !important" for k, v in rules.items())


def placement(position: str, inline_target: str = "") -> Placement:
    """What the frame hands the loader with each show: the style, whether the frame fills the
    viewport (its height is then not the card's), and the host element for an inline survey."""
    return {"css": frame_css(position), "fill": position in FILLING,
            "inline": inline_target if position == "inline" else ""}


# -- a previewed survey in another look (``?iterate_preview=<id>&iterate_look=<position>.<theme>``) --
POSITIONS: tuple[str, ...] = get_args(Position)
THEMES: tuple[str, ...] = get_args(Theme)
STAGE_SLOT = "#sondage-stage-slot"    # the gallery's stage element, for position inline


def survey_look(value: Any) -> tuple[tuple[str, str] | None, str | None]:
    """``position.theme`` (either part may be left out) from the page's ``iterate_look``:
    (look, None), or (None, the problem)."""
    if value in (None, ""):
        return None, None
    position, _, theme = str(value)[:60].partition(".")
    if position and position not in POSITIONS:
        return None, f"position {position!r} is not one of {', '.join(POSITIONS)}"
    if theme and theme not in THEMES:
        return None, f"theme {theme!r} is not one of {', '.join(THEMES)}"
    return (position, theme), None


def with_look(survey: Survey, position: str, theme: str) -> Survey:
    """``survey`` shown at ``position`` in ``theme`` (empty: its own); inline goes in its own
    host element, or else the gallery's stage slot."""
    look = survey.appearance
    changes: dict[str, Any] = {}
    if position:
        changes["position"] = position
        if position == "inline" and not look.inline_target:
            changes["inline_target"] = STAGE_SLOT
    if theme:
        changes["theme"] = theme
    return replace(survey, appearance=replace(look, **changes))
