"""GET /api/v1/advisories, /advisories/{id} and /advisories/{id}/cap (CAP 1.2 XML).

Public and anonymous: drafts answer 404 like unknown ids, responses carry an ETag and
`Cache-Control: public`, and nothing touches the session.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson
from django.http import HttpRequest, HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.views import APIView

from alerts.cap import CAP_CONTENT_TYPE, cap_document
from alerts.choices import AdvisorySeverity
from alerts.selectors.advisories import (
    advisories_api_list,
    advisory_cap_path,
    advisory_earlier_versions,
    advisory_page_path,
    advisory_public_get,
    translated,
)
from alerts.selectors.regions import region_chain_uids, region_exists
from kyivguide.api import API_ERROR, NOT_MODIFIED, BoundedPagination, FirstRendererNegotiation, error_responses
from kyivguide.http import ADVISORIES, public_bytes

if TYPE_CHECKING:
    from alerts.models import Advisory

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


# --- Serializers -------------------------------------------------------------------------------------------


class _SeverityList(serializers.Field):
    """`severity=danger,extreme`: one or more severities, comma-separated."""

    def to_internal_value(self, data: Any) -> list[str]:
        values = [part.strip() for part in str(data).split(",") if part.strip()]
        allowed = set(AdvisorySeverity.values)
        unknown = [value for value in values if value not in allowed]
        if unknown or not values:
            raise serializers.ValidationError(
                gettext("unknown severity {values}; use {allowed}").format(
                    values=", ".join(unknown) or gettext("(empty)"), allowed=", ".join(AdvisorySeverity.values)
                )
            )
        return values

    def to_representation(self, value: Any) -> Any:
        return value


class AdvisoryListInput(serializers.Serializer):
    region = serializers.IntegerField(required=False, min_value=0)
    active = serializers.BooleanField(required=False, allow_null=False)
    severity = _SeverityList(required=False)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=MAX_PAGE_SIZE)
    offset = serializers.IntegerField(required=False, min_value=0)

    def validate_region(self, value: int) -> int:
        if not region_exists(uid=value):
            raise serializers.ValidationError(gettext("no region has the id {uid}").format(uid=value))
        return value


class _RegionOutput(serializers.Serializer):
    uid = serializers.IntegerField(source="pk")
    name_uk = serializers.CharField()
    name_en = serializers.SerializerMethodField()
    kind = serializers.CharField()

    # drf-spectacular reads the getters' hints at run time, where the models are not imported: hence Any.
    def get_name_en(self, region: Any) -> str:
        return translated(region, "name", "en") or translated(region, "name", "uk")


class AdvisoryOutput(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    state = serializers.SerializerMethodField(
        help_text="upcoming, in_force, expired, superseded or withdrawn, at the time of the response"
    )
    severity = serializers.CharField()
    response = serializers.CharField(help_text="what people should do (CAP responseType)")
    exercise = serializers.BooleanField(source="is_exercise")
    title_uk = serializers.CharField()
    title_en = serializers.CharField()
    body_uk = serializers.CharField(help_text="plain text: never HTML; paragraphs are separated by an empty line")
    body_en = serializers.CharField()
    regions = _RegionOutput(many=True, help_text="empty: applies everywhere")
    effective_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(allow_null=True)
    published_at = serializers.DateTimeField()
    withdrawn_at = serializers.DateTimeField(allow_null=True)
    withdrawal_reason = serializers.CharField()
    source_name = serializers.CharField()
    source_url = serializers.CharField()
    supersedes = serializers.IntegerField(source="supersedes_id", allow_null=True)
    url_uk = serializers.SerializerMethodField()
    url_en = serializers.SerializerMethodField()
    cap_url = serializers.SerializerMethodField()

    # drf-spectacular reads the getters' hints at run time, where the models are not imported: hence Any.
    def get_state(self, advisory: Any) -> str:
        return advisory.state_at(self.context["now"])

    def _absolute(self, path: str) -> str:
        request: HttpRequest = self.context["request"]
        return request.build_absolute_uri(path)

    def get_url_uk(self, advisory: Any) -> str:
        return self._absolute(advisory_page_path(advisory_id=advisory.pk, language="uk"))

    def get_url_en(self, advisory: Any) -> str:
        return self._absolute(advisory_page_path(advisory_id=advisory.pk, language="en"))

    def get_cap_url(self, advisory: Any) -> str:
        return self._absolute(advisory_cap_path(advisory_id=advisory.pk))


class AdvisoryPageOutput(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = AdvisoryOutput(many=True)


# --- Views -------------------------------------------------------------------------------------------------


class _Pagination(BoundedPagination):
    default_limit = PAGE_SIZE
    max_limit = MAX_PAGE_SIZE


def _json(request: HttpRequest, data: Any) -> HttpResponseBase:
    return public_bytes(request, orjson.dumps(data), content_type="application/json", policy=ADVISORIES)


def _get_public(advisory_id: int) -> Advisory:
    advisory = advisory_public_get(advisory_id=advisory_id)
    if advisory is None:
        raise NotFound(gettext("No published advisory has the id {id}.").format(id=advisory_id))
    return advisory


_NOT_PUBLISHED = OpenApiResponse(API_ERROR, description="Unknown id, or a draft (`error`: `not_found`).")


class AdvisoryListApi(APIView):
    @extend_schema(
        operation_id="advisories_list",
        summary="Advisories",
        description=(
            "Official advisories, newest first; with `active=true` only those in force now, most severe "
            "first. `region` keeps those that apply there: naming the region or one of its ancestors, or "
            "no region at all (those apply everywhere). Versions replaced by an update are left out."
        ),
        parameters=[
            OpenApiParameter("region", int, description="an alert region id (e.g. 31 Kyiv city)"),
            OpenApiParameter("active", bool, description="true: in force now; false: not in force now"),
            OpenApiParameter("severity", str, description="info, warning, danger, extreme; comma-separated"),
            OpenApiParameter("limit", int, description=f"page size, 1-{MAX_PAGE_SIZE} (default {PAGE_SIZE})"),
            OpenApiParameter("offset", int),
        ],
        responses={200: AdvisoryPageOutput, 304: NOT_MODIFIED, **error_responses(400)},
    )
    def get(self, request: Request) -> HttpResponseBase:
        params = AdvisoryListInput(data=request.query_params.dict())
        params.is_valid(raise_exception=True)
        filters = params.validated_data
        now = timezone.now()
        chain = region_chain_uids(uid=filters["region"]) if "region" in filters else None
        queryset = advisories_api_list(
            now=now, region_chain_uids=chain, active=filters.get("active"), severities=filters.get("severity", [])
        )
        paginator = _Pagination()
        page = paginator.paginate_queryset(queryset, request, view=self) or []
        context = {"request": request, "now": now}
        data = {
            "count": paginator.count,
            "next": paginator.get_next_link(),
            "previous": paginator.get_previous_link(),
            "results": AdvisoryOutput(page, many=True, context=context).data,
        }
        return _json(request._request, data)


class AdvisoryDetailApi(APIView):
    @extend_schema(
        operation_id="advisories_retrieve",
        summary="One advisory",
        description="A published, replaced (see the update that `supersedes` it) or withdrawn advisory.",
        responses={200: AdvisoryOutput, 304: NOT_MODIFIED, 404: _NOT_PUBLISHED},
    )
    def get(self, request: Request, advisory_id: int) -> HttpResponseBase:
        advisory = _get_public(advisory_id)
        data = AdvisoryOutput(advisory, context={"request": request, "now": timezone.now()}).data
        return _json(request._request, data)


class AdvisoryCapApi(APIView):
    content_negotiation_class = FirstRendererNegotiation

    @extend_schema(
        operation_id="advisories_cap",
        summary="One advisory as CAP 1.2",
        description=(
            "The advisory's current CAP 1.2 message: Alert, Update (with `references`) or, once withdrawn, "
            "Cancel. One `info` per language (uk-UA, en-US); areas carry the region's location id as a "
            "geocode and its outline as polygons when known."
        ),
        responses={
            (200, CAP_CONTENT_TYPE): OpenApiResponse(OpenApiTypes.STR, description="CAP 1.2 XML"),
            304: NOT_MODIFIED,
            404: _NOT_PUBLISHED,
        },
    )
    def get(self, request: Request, advisory_id: int) -> HttpResponseBase:
        advisory = _get_public(advisory_id)
        page_urls = {
            language: request.build_absolute_uri(advisory_page_path(advisory_id=advisory.pk, language=language))
            for language in ("uk", "en")
        }
        body = cap_document(
            advisory=advisory, earlier=advisory_earlier_versions(advisory=advisory), page_urls=page_urls
        )
        return public_bytes(request._request, body, content_type=CAP_CONTENT_TYPE, policy=ADVISORIES)
