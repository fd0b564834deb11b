"""Template helpers for advisories: their plain text as safe HTML, and the block of current ones."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django import template
from django.db import DatabaseError
from django.utils import timezone
from django.utils.html import urlize
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from alerts.choices import AdvisorySeverity
from alerts.selectors.advisories import advisories_for_regions

register = template.Library()

# Kyiv city has oblast status: its chain is itself. The home page shows Kyiv's advisories until the
# person's own region is known.
KYIV_CITY_CHAIN = (31,)
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
_LINK_TEXT_LIMIT = 60


@register.filter(is_safe=True)
def advisory_text(text: Any) -> SafeString:
    """Plain text as HTML: paragraphs at empty lines, line breaks kept, web addresses as links.

    Everything else is escaped (urlize escapes the text around the links it makes), so markup typed
    into an advisory shows as text and never runs.
    """
    normalised = str(text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    paragraphs = [part.strip() for part in _PARAGRAPH_BREAK.split(normalised) if part.strip()]
    html = [
        "<p>"
        + urlize(part, trim_url_limit=_LINK_TEXT_LIMIT, nofollow=True, autoescape=True).replace("\n", "<br>")
        + "</p>"
        for part in paragraphs
    ]
    return mark_safe("\n".join(html))  # noqa: S308 - every piece was escaped by urlize above


@register.inclusion_tag("alerts/_advisories_block.html")
def advisories_block(
    region_uids: Iterable[int] | None = None, snapshot: Iterable[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The advisories in force for a region chain (default: Kyiv city), most severe first.

    While the database is away, those that `snapshot` holds (the status snapshot's entries that
    apply here, from Redis), shown as their title and severity.
    """
    uids = list(region_uids) if region_uids else list(KYIV_CITY_CHAIN)
    try:
        return {"advisories": advisories_for_regions(region_uids=uids, now=timezone.now())}
    except DatabaseError:
        if snapshot is None:
            raise
    language = "en" if get_language() == "en" else "uk"
    return {
        "advisories": [],
        "summaries": [
            {
                "severity": entry["severity"],
                "severity_label": AdvisorySeverity(entry["severity"]).label,
                "exercise": entry["exercise"],
                "title": entry[f"title_{language}"] or entry["title_uk"],
                "url": entry[f"url_{language}"],
                "source_name": entry["source_name"],
            }
            for entry in snapshot
        ],
    }
