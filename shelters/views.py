"""HTML pages of the shelters app: the map (with the nearest-shelters list) and one shelter.

Public pages: no session, no cookie, cacheable by anyone (the language comes from the URL).
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from kyivguide.http import MAP_PAGE, PRIVATE, SHELTER, cache_policy
from shelters.hours import is_open_at
from shelters.importing.phones import phone_numbers
from shelters.models import ReportKind, ShelterKind
from shelters.report_input import shelter_report_submit
from shelters.selectors.catalogue import shelter_get
from shelters.selectors.reports import shelter_reports_summary, shelters_recent_reports
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
    now = timezone.now()
    recent = shelters_recent_reports(shelter_ids=[shelter.pk], now=now).get(shelter.pk)
    context = {
        "shelter": shelter,
        "phones": phone_numbers(shelter.keys_phone),
        "emergency": SHELTER_EMERGENCY_NUMBERS,
        "open_now": open_now,
        # The 2022 list has no hours: those shown came from the 2024 list (services/hours_join.py).
        "hours_from_2024": shelter.opening_hours != "unknown"
        and (shelter.field_sources.get("opening_hours") or {}).get("source") == HOURS_SOURCE,
        "recent_reports": recent,
        "recent_minutes": recent.minutes_ago(now) if recent else None,
        "reports_summary": shelter_reports_summary(shelter_id=shelter.pk, now=now),
        "report_kinds": ReportKind.choices,
    }
    # A shelter gone from the city's list keeps its page (people saved the link) and says so.
    return render(request, "shelters/detail.html", context, status=200 if shelter.is_active else 410)


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@cache_policy(PRIVATE)
@require_http_methods(["GET", "HEAD", "POST"])
def shelter_report(request: HttpRequest, shelter_id: int) -> HttpResponse:
    """The report form of one shelter (CSRF-protected; works without JavaScript), and where it posts.

    The shelter's own page is public and cacheable, so it carries no CSRF token: its one-tap buttons
    (static/js/shelter-report.js) ask this view for a token (GET with `Accept: application/json`)
    and post here; without JavaScript they open this page with the kind chosen, to send in one more tap.
    """
    shelter = shelter_get(shelter_id=shelter_id)
    if shelter is None or not shelter.is_active:
        if _wants_json(request):
            return JsonResponse(
                {"error": "not_found", "message": gettext("No listed shelter with id {id}.").format(id=shelter_id)},
                status=404,
            )
        raise Http404("no such shelter")
    if request.method == "POST":
        data = {key: value for key, value in request.POST.items() if value != "" and key != "csrfmiddlewaretoken"}
        data.setdefault("comment", "")
        status, body, headers = shelter_report_submit(request, shelter_id, data)
        if _wants_json(request):
            return JsonResponse(body, status=status, headers=headers)
        context = {"shelter": shelter, "report_kinds": ReportKind.choices, "answer": body, "status": status}
        response = render(request, "shelters/report.html", context, status=200 if status == 201 else status)
        for name, value in headers.items():
            response[name] = value
        return response
    if _wants_json(request):
        return JsonResponse({"csrf_token": get_token(request)})
    chosen = request.GET.get("kind", "")
    context = {
        "shelter": shelter,
        "report_kinds": ReportKind.choices,
        "chosen": chosen if chosen in ReportKind.values else "",
    }
    return render(request, "shelters/report.html", context)
