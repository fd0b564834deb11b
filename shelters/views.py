"""HTML pages of the shelters app: the map (with the nearest-shelters list) and one shelter.

Public pages: no session, no cookie, cacheable by anyone (the language comes from the URL).
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from kyivguide.http import MAP_PAGE, SHELTER, cache_policy
from shelters.hours import is_open_at
from shelters.importing.phones import phone_numbers
from shelters.models import ShelterKind
from shelters.selectors.catalogue import shelter_get
from shelters.services.hours_join import HOURS_SOURCE

# Ukraine's rescue service and police: the shelter page names the two a person at a locked or
# flooded shelter needs (the footer lists all emergency numbers).
SHELTER_EMERGENCY_NUMBERS = ("101", "102")


@cache_policy(MAP_PAGE)
def shelter_map(request: HttpRequest) -> HttpResponse:
    return render(request, "shelters/map.html", {"kinds": ShelterKind.choices})


@cache_policy(SHELTER)
def shelter_detail(request: HttpRequest, shelter_id: int) -> HttpResponse:
    shelter = shelter_get(shelter_id=shelter_id)
    if shelter is None:
        raise Http404("no such shelter")
    open_now = is_open_at(
        opening_hours=shelter.opening_hours,
        opens_at=shelter.opens_at,
        closes_at=shelter.closes_at,
        at=timezone.now(),
    )
    context = {
        "shelter": shelter,
        "phones": phone_numbers(shelter.keys_phone),
        "emergency": SHELTER_EMERGENCY_NUMBERS,
        "open_now": open_now,
        # The 2022 list has no hours: those shown came from the 2024 list (services/hours_join.py).
        "hours_from_2024": shelter.opening_hours != "unknown"
        and (shelter.field_sources.get("opening_hours") or {}).get("source") == HOURS_SOURCE,
    }
    # A shelter gone from the city's list keeps its page (people saved the link) and says so.
    return render(request, "shelters/detail.html", context, status=200 if shelter.is_active else 410)
