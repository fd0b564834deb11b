"""Advisory pages, the preparedness guide and the Atom feed.

Public pages: cacheable, no session, no cookie (they never read request.user).
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone, translation

from alerts import atom
from alerts.models import Advisory
from alerts.selectors.advisories import (
    advisories_current,
    advisories_for_feed,
    advisories_past,
    advisories_upcoming,
    advisory_cap_path,
    advisory_latest_version,
    advisory_public_get,
)
from kyivguide.http import ADVISORY_PAGES, FEED, GUIDE, cache_policy, public_bytes

GUIDE_LANGUAGES = ("uk", "en")


@cache_policy(ADVISORY_PAGES)
def advisory_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    context = {
        "current": list(advisories_current(now=now)),
        "upcoming": list(advisories_upcoming(now=now)),
        "past": advisories_past(now=now),
        "now": now,
    }
    return render(request, "alerts/advisory_list.html", context)


@cache_policy(ADVISORY_PAGES)
def advisory_detail(request: HttpRequest, advisory_id: int) -> HttpResponseBase:
    advisory = advisory_public_get(advisory_id=advisory_id)
    if advisory is None:
        raise Http404("no such advisory")
    if advisory.status == Advisory.Status.SUPERSEDED:
        # An old link (shared in a chat, kept on a phone) leads to what is current.
        latest = advisory_latest_version(advisory=advisory)
        if latest.pk != advisory.pk:
            return redirect("alerts:advisory_detail", advisory_id=latest.pk)
    now = timezone.now()
    context = {
        "advisory": advisory,
        "state": advisory.state_at(now),
        "cap_url": advisory_cap_path(advisory_id=advisory.pk),
    }
    return render(request, "alerts/advisory_detail.html", context)


@cache_policy(GUIDE)
def guide(request: HttpRequest) -> HttpResponse:
    # The guide is long prose: one content template per language rather than hundreds of msgids.
    language = translation.get_language()
    content = f"alerts/guide/guide_{language if language in GUIDE_LANGUAGES else GUIDE_LANGUAGES[0]}.html"
    return render(request, "alerts/guide.html", {"content_template": content})


def advisories_atom(request: HttpRequest) -> HttpResponseBase:
    now = timezone.now()
    body = atom.advisories_atom(
        advisories=advisories_for_feed(now=now),
        feed_url=request.build_absolute_uri(),
        absolute=request.build_absolute_uri,
    )
    return public_bytes(request, body, content_type=atom.ATOM_CONTENT_TYPE, policy=FEED)
