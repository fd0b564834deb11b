"""Regions and alerts API: the region list and tree, and alert history."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.db.models import Max, Q, QuerySet
from django.utils.http import http_date
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from alerts.api.status import not_modified
from alerts.models import Alert, FeedSource, Region
from alerts.selectors.regions import brief, region_chain, region_children, region_get, regions_list
from kyivguide.api import NOT_MODIFIED, error_responses

REGIONS_CACHE = "public, max-age=3600"


class RegionOut(serializers.Serializer[Any]):
    uid = serializers.IntegerField()
    name_uk = serializers.CharField()
    name_en = serializers.CharField()
    kind = serializers.ChoiceField(choices=Region.Kind.choices)
    parent = serializers.IntegerField(allow_null=True)  # type: ignore[assignment]


class RegionsQuery(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=Region.Kind.choices, required=False)
    parent = serializers.IntegerField(required=False, min_value=0)  # type: ignore[assignment]


class RegionListView(APIView):
    @extend_schema(
        summary="Alert regions (oblasts, cities, raions, hromadas); not paginated",
        parameters=[RegionsQuery],
        responses={200: RegionOut(many=True), 304: NOT_MODIFIED, **error_responses(400)},
    )
    def get(self, request: Request) -> Response:
        query = RegionsQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        stamp = Region.objects.aggregate(last=Max("updated_at"))["last"]
        etag = f'W/"regions-{Region.objects.count()}-{stamp.timestamp() if stamp else 0}-{request.GET.urlencode()}"'
        headers = {"ETag": etag, "Cache-Control": REGIONS_CACHE, "Access-Control-Allow-Origin": "*"}
        if not_modified(request, etag=etag, last_modified=stamp.timestamp() if stamp else 0):
            return Response(status=304, headers=headers)
        rows = regions_list(kind=query.validated_data.get("kind"), parent=query.validated_data.get("parent"))
        data = [
            {"uid": r["uid"], "name_uk": r["name_uk"], "name_en": r["name_en"] or r["name_uk"], "kind": r["kind"],
             "parent": r["parent_id"]}
            for r in rows
        ]  # fmt: skip
        headers["Last-Modified"] = http_date(stamp.timestamp() if stamp else 0)
        return Response(data, headers=headers)


class RegionDetailView(APIView):
    @extend_schema(
        summary="One region with its ancestors and children",
        parameters=[OpenApiParameter("geometry", OpenApiTypes.BOOL, description="include the boundary as GeoJSON")],
        responses={
            200: inline_serializer(
                "RegionDetail",
                fields={
                    "uid": serializers.IntegerField(),
                    "name_uk": serializers.CharField(),
                    "name_en": serializers.CharField(),
                    "kind": serializers.CharField(),
                    "parent": serializers.IntegerField(allow_null=True),
                    "chain": RegionOut(many=True),
                    "children": RegionOut(many=True),
                    "has_boundary": serializers.BooleanField(),
                    "shelter_time_s": serializers.IntegerField(allow_null=True),
                    "geometry": serializers.DictField(required=False),
                },
            ),
            **error_responses(400, 404),
        },
    )
    def get(self, request: Request, uid: int) -> Response:
        region = region_get(uid=uid)
        if region is None:
            raise NotFound(f"No region with id {uid}.")
        with_geometry = serializers.BooleanField().to_internal_value(request.query_params.get("geometry", "false"))
        boundary = Region.objects.filter(uid=region.uid).values_list("geometry", flat=True).first()
        data: dict[str, Any] = {
            **brief(region),
            "chain": region_chain(region=region),
            "children": region_children(region=region),
            "has_boundary": boundary is not None,
            "shelter_time_s": region.shelter_time_s,
        }
        if with_geometry and boundary is not None:
            import json

            data["geometry"] = json.loads(boundary.geojson)
        return Response(data, headers={"Cache-Control": REGIONS_CACHE, "Access-Control-Allow-Origin": "*"})


# --- Alerts ---------------------------------------------------------------------------------------------------


class AlertsQuery(serializers.Serializer[Any]):
    region = serializers.IntegerField(required=False, min_value=0, help_text="location id")
    scope = serializers.ChoiceField(
        choices=["own", "covering", "within"],
        default="own",
        help_text="own: the region's alerts; covering: also its ancestors' (what people there lived "
        "through); within: also its raions' and hromadas'",
    )
    active = serializers.BooleanField(required=False, allow_null=True, default=None)
    since = serializers.DateTimeField(required=False, help_text="ISO 8601 with a time zone")
    until = serializers.DateTimeField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        since, until = attrs.get("since"), attrs.get("until")
        if since is not None and until is not None and since >= until:
            raise serializers.ValidationError({"until": "Must be later than since."})
        return attrs


class AlertOut(serializers.ModelSerializer[Alert]):
    region = serializers.SerializerMethodField()
    source = serializers.CharField(source="source.name")  # type: ignore[assignment]
    replay = serializers.SerializerMethodField()
    duration_s = serializers.SerializerMethodField()
    started_at = serializers.DateTimeField(default_timezone=UTC)
    ended_at = serializers.DateTimeField(default_timezone=UTC, allow_null=True)

    class Meta:
        model = Alert
        fields = ["id", "region", "kind", "level", "started_at", "ended_at", "duration_s", "source", "replay"]

    def get_region(self, alert: Alert) -> dict[str, Any]:
        return {"uid": alert.region_id, "name_uk": alert.region.name_uk, "name_en": alert.region.name_en}

    def get_replay(self, alert: Alert) -> bool:
        return alert.source.kind == FeedSource.Kind.REPLAY

    def get_duration_s(self, alert: Alert) -> int | None:
        return None if alert.ended_at is None else int((alert.ended_at - alert.started_at).total_seconds())


def _scope_uids(region: Region, scope: str) -> Q:
    if scope == "covering":
        return Q(region_id__in=[entry["uid"] for entry in region_chain(region=region)])
    if scope == "within":
        return Q(region_id=region.uid) | Q(region__parent_id=region.uid) | Q(region__parent__parent_id=region.uid)
    return Q(region_id=region.uid)


class AlertListView(generics.ListAPIView[Alert]):
    serializer_class = AlertOut

    @extend_schema(
        summary="Alerts: active and history (paginated, newest first)",
        parameters=[AlertsQuery],
        responses={200: AlertOut(many=True), **error_responses(400)},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Alert]:
        query = AlertsQuery(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        alerts = Alert.objects.select_related("region", "source").filter(source__enabled=True)
        if params.get("region") is not None:
            region = region_get(uid=params["region"])
            if region is None:
                raise serializers.ValidationError({"region": f"No region with id {params['region']}."})
            alerts = alerts.filter(_scope_uids(region, params["scope"]))
        if params["active"] is True:
            alerts = alerts.filter(ended_at__isnull=True)
        elif params["active"] is False:
            alerts = alerts.filter(ended_at__isnull=False)
        until: datetime | None = params.get("until")
        since: datetime | None = params.get("since")
        if until is not None:
            alerts = alerts.filter(started_at__lt=until)
        if since is not None:
            alerts = alerts.filter(Q(ended_at__isnull=True) | Q(ended_at__gt=since))
        return alerts.order_by("-started_at", "-pk").defer("region__geometry")
