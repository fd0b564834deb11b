"""Taking in a shelter report, from the API (`POST /api/v1/shelters/{id}/reports`) or the shelter's
page (a CSRF-protected form): one input serializer, one answer, so the two never disagree."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from kyivguide.api import API_ERROR, invalid_input
from kyivguide.security import client_ip
from shelters.models import ReportKind
from shelters.selectors.catalogue import shelter_get
from shelters.services.reports import (
    FAR_FROM_SHELTER_M,
    ReportInput,
    ReportLimited,
    ReportsUnavailable,
    shelter_report_create,
)


class ReportInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ReportKind.choices)
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    lat = serializers.FloatField(min_value=-90, max_value=90, required=False, help_text="The reporter's position.")
    lon = serializers.FloatField(min_value=-180, max_value=180, required=False, help_text="The reporter's position.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("lat" in attrs) != ("lon" in attrs):
            raise serializers.ValidationError(gettext("Give both lat and lon of your position, or neither."))
        return attrs


class ReportOutput(serializers.Serializer):
    id = serializers.IntegerField()
    shelter = serializers.IntegerField(source="shelter_id")
    kind = serializers.ChoiceField(choices=ReportKind.choices)
    comment = serializers.CharField()
    created_at = serializers.DateTimeField()
    status = serializers.CharField(help_text="pending until staff confirm or reject it.")
    distance_m = serializers.FloatField(allow_null=True, help_text="From the reporter's position to the shelter.")
    far_from_shelter = serializers.BooleanField(help_text=f"Sent from farther than {FAR_FROM_SHELTER_M:g} m.")


RATE_LIMITED = OpenApiResponse(
    API_ERROR,
    description=(
        "Too many reports from this connection (`error`: `rate_limited`): one per shelter per "
        "REPORT_INTERVAL_MINUTES, REPORT_DAILY_LIMIT a day; `Retry-After` says how many seconds to wait."
    ),
)
REPORTS_UNAVAILABLE = OpenApiResponse(
    API_ERROR, description="Reports cannot be taken right now (`error`: `unavailable`)."
)


def shelter_report_submit(
    request: HttpRequest, shelter_id: int, data: Any
) -> tuple[int, dict[str, Any], dict[str, str]]:
    """(status, body, headers) of a report sent to a shelter: shared by the API and the shelter page."""
    shelter = shelter_get(shelter_id=shelter_id)
    if shelter is None or not shelter.is_active:
        return (
            404,
            {"error": "not_found", "message": gettext("No listed shelter with id {id}.").format(id=shelter_id)},
            {},
        )
    params = ReportInputSerializer(data=data)
    if not params.is_valid():
        return 400, invalid_input(params.errors), {}
    values = params.validated_data
    try:
        report = shelter_report_create(
            shelter=shelter,
            report=ReportInput(
                kind=values["kind"], comment=values["comment"], lat=values.get("lat"), lon=values.get("lon")
            ),
            client_address=client_ip(request),
        )
    except ReportLimited as limited:
        return 429, {"error": "rate_limited", "message": str(limited)}, {"Retry-After": str(limited.retry_after)}
    except ReportsUnavailable as error:
        return 503, {"error": "unavailable", "message": str(error)}, {"Retry-After": "60"}
    return 201, dict(ReportOutput(report).data), {}
