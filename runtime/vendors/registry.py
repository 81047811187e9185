"""The registry of vendors: the rest of Sondage (the page, the embeds, the links, the
collector's relay) asks it and names none of them. Segment (``runtime/segment_plugin.py``)
comes first, then Braze and CleverTap; whoever adds a vendor calls :func:`register`."""

from __future__ import annotations

from ..extensions import REGISTRY, Forwarder
from ..segment_plugin import Segment
from .base import Embed, Vendor
from .braze import Braze
from .clevertap import CleverTap

VENDORS: dict[str, Vendor] = {}      # by name, in the order their calls are made


def register(vendor: Vendor) -> None:
    """Add a vendor: its answers' SDK calls come after those of the vendors before it."""
    if vendor.name in VENDORS:
        raise ValueError(f"vendor {vendor.name!r} is already registered")
    REGISTRY.forwarder(Forwarder(vendor.name, vendor.forward))
    VENDORS[vendor.name] = vendor


def identity_names() -> tuple[str, ...]:
    """The ids the page's SDKs give, each vendor's, which an answer record carries."""
    return tuple(name for vendor in VENDORS.values() for name in vendor.identity_names)


def message_identity_names() -> tuple[str, ...]:
    """The ids a vendor's message carries, filled in by its merge tags when it is sent."""
    return tuple(name for e in embeds() for name in e.identities)


def by_channel(channel: str) -> Vendor | None:
    """The vendor whose message the survey runs in (its embed's channel)."""
    return next((v for v in VENDORS.values() if any(e.channel == channel for e in v.embeds)), None)


def embed(channel: str) -> Embed | None:
    """The message (a vendor's embed) of this channel."""
    return next((e for v in VENDORS.values() for e in v.embeds if e.channel == channel), None)


def embeds() -> tuple[Embed, ...]:
    return tuple(e for v in VENDORS.values() for e in v.embeds)


def embed_channels() -> tuple[str, ...]:
    return tuple(e.channel for e in embeds())


def link_vendors() -> tuple[Vendor, ...]:
    """The vendors that are email services: their merge tags identify a link's recipient."""
    return tuple(v for v in VENDORS.values() if v.link is not None)


for _vendor in (Segment(), Braze(), CleverTap()):
    register(_vendor)
