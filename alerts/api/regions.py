"""Regions and alerts API: the region list and tree, and alert history."""

from __future__ import annotations

from datetime import UTC
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import http_date
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from alerts.choices import AlertKind, AlertLevel, FeedKind, RegionKind, ThreatType
from alerts.selectors.alerts import alerts_list
from alerts.selectors.history import MAX_BUCKETS, bucket_starts, default_window, region_history_buckets
from alerts.selectors.map import regions_map_layer
from alerts.selectors.regions import (
    brief,
    region_boundary,
    region_chain,
    region_children,
    region_get,
    regions_list,
    regions_stamp,
)
from kyivguide.api import NOT_MODIFIED, error_responses
from kyivguide.http import REGIONS, STATUS, not_modified

if TYPE_CHECKING:
    from alerts.models import Alert

KYIV = ZoneInfo("Europe/Kyiv")
_REGIONS_HEADERS = {**REGIONS.headers, "Access-Control-Allow-Origin": "*"}


class RegionOut(serializers.Serializer[Any]):
    uid = serializers.IntegerField()
    name_uk = serializers.CharField()
    name_en = serializers.CharField()
    kind = serializers.ChoiceField(choices=RegionKind.choices)
    parent = serializers.IntegerField(allow_null=True)  # type: ignore[assignment]


class RegionsQuery(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=RegionKind.choices, required=False)
    parent = serializers.IntegerField(required=False, min_value=0)  # type: ignore[assignment]


class RegionListView(APIView):
    @extend_schema(
        summary="Alert regions (oblasts, cities, raions, hromadas); not paginated",
        parameters=[RegionsQuery],
        responses={200: RegionOut(many=True), 304: NOT_MODIFIED, **error_responses(400)},
    )
    def get(self, request: Request) -> HttpResponseBase:
        query = RegionsQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        count, stamp = regions_stamp()
        etag = f'W/"regions-{count}-{stamp.timestamp() if stamp else 0}-{request.GET.urlencode()}"'
        headers = {"ETag": etag, **_REGIONS_HEADERS}
        answer = not_modified(request, etag=etag, last_modified=stamp.timestamp() if stamp else None, headers=headers)
        if answer is not None:
            return answer
        rows = regions_list(kind=query.validated_data.get("kind"), parent=query.validated_data.get("parent"))
        data = [
            {"uid": r["uid"], "name_uk": r["name_uk"], "name_en": r["name_en"] or r["name_uk"], "kind": r["kind"],
             "parent": r["parent_id"]}
            for r in rows
        ]  # fmt: skip
        headers["Last-Modified"] = http_date(stamp.timestamp() if stamp else 0)
        return Response(data, headers=headers)


class RegionMapView(APIView):
    authentication_classes: list[Any] = []
    permission_classes: list[Any] = []

    @extend_schema(
        operation_id="regions_map",
        summary="The country map's boundary layer (simplified SVG paths of the finest regions)",
        description=(
            "`view_box` [x, y, width, height] and `regions`: one entry per hromada (and Kyiv city, Sevastopol, "
            "Crimea) with its `uid`, `chain` (itself, then its ancestors) and `d`, an SVG path (relative moves, "
            "1 unit = 0.01° of latitude, longitude scaled by cos 48.5°). Colour it from `GET status` with the "
            "region-state rule. Changes only with an import: ETag, gzip when accepted."
        ),
        responses={200: OpenApiResponse(description="the layer as JSON"), 304: NOT_MODIFIED},
    )
    def get(self, request: Request) -> HttpResponseBase:
        layer = regions_map_layer()
        django_request: HttpRequest = request._request
        headers = {"ETag": layer.etag, **_REGIONS_HEADERS}
        response: HttpResponseBase | None = not_modified(django_request, etag=layer.etag, headers=headers)
        if response is None:
            wants_gzip = "gzip" in django_request.headers.get("Accept-Encoding", "")
            response = HttpResponse(
                layer.gzipped if wants_gzip else layer.plain, content_type="application/json", headers=headers
            )
            if wants_gzip:
                response["Content-Encoding"] = "gzip"
        patch_vary_headers(response, ("Accept-Encoding",))
        return response


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
            raise NotFound(gettext("No region with id {uid}.").format(uid=uid))
        with_geometry = serializers.BooleanField().to_internal_value(request.query_params.get("geometry", "false"))
        boundary = region_boundary(uid=region.uid)
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
        return Response(data, headers=_REGIONS_HEADERS)


# --- Alerts ---------------------------------------------------------------------------------------------------


class HistoryQuery(serializers.Serializer[Any]):
    period = serializers.ChoiceField(
        choices=["day", "week"], default="day", help_text="Kyiv days, or weeks from Monday"
    )
    since = serializers.DateField(
        required=False, help_text="first day (Kyiv); default: 29 days (11 weeks) before until"
    )
    until = serializers.DateField(required=False, help_text="last day (Kyiv); default: today")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        until = attrs.get("until") or timezone.localdate(timezone.now(), KYIV)
        since = attrs.get("since") or default_window(period=attrs["period"], until=until)[0]
        if since > until:
            raise serializers.ValidationError({"until": gettext("Must not be before since.")})
        if len(bucket_starts(since=since, until=until, period=attrs["period"])) > MAX_BUCKETS:
            raise serializers.ValidationError(
                {
                    "since": ngettext(
                        "At most {count} day or week at once.", "At most {count} days or weeks at once.", MAX_BUCKETS
                    ).format(count=MAX_BUCKETS)
                }
            )
        return {**attrs, "since": since, "until": until}


class HistoryBucketOut(serializers.Serializer[Any]):
    start = serializers.DateField(help_text="the day, or the Monday of the week (Kyiv)")
    alerts = serializers.IntegerField(help_text="periods under alert that began in it")
    hours_under_alert = serializers.FloatField(help_text="how much of it was under alert, in hours")


class RegionHistoryView(APIView):
    @extend_schema(
        summary="A region's alert history in numbers, per day or week",
        description=(
            "The region's own alerts and its ancestors' (enabled sources), merged where they overlap (two "
            "sources, an oblast's and a raion's alert together): `alerts` counts the merged periods under alert "
            "that began in each day or week, `hours_under_alert` how much of it they cover (an active alert up "
            "to now). Days and weeks are Europe/Kyiv's; at most 366 at once."
        ),
        parameters=[HistoryQuery],
        responses={
            200: inline_serializer(
                "RegionHistory",
                fields={
                    "region": RegionOut(),
                    "period": serializers.ChoiceField(choices=["day", "week"]),
                    "since": serializers.DateField(),
                    "until": serializers.DateField(),
                    "time_zone": serializers.CharField(),
                    "buckets": HistoryBucketOut(many=True),
                    "total_alerts": serializers.IntegerField(),
                    "total_hours_under_alert": serializers.FloatField(),
                },
            ),
            **error_responses(400, 404),
        },
    )
    def get(self, request: Request, uid: int) -> Response:
        region = region_get(uid=uid)
        if region is None:
            raise NotFound(gettext("No region with id {uid}.").format(uid=uid))
        query = HistoryQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        chain = region_chain(region=region)
        buckets = region_history_buckets(
            chain=[entry["uid"] for entry in chain],
            since=params["since"],
            until=params["until"],
            period=params["period"],
            now=timezone.now(),
        )
        seconds = sum(b.seconds_under_alert for b in buckets)
        body = {
            "region": brief(region),
            "period": params["period"],
            "since": params["since"].isoformat(),
            "until": params["until"].isoformat(),
            "time_zone": "Europe/Kyiv",
            "buckets": [
                {"start": b.start.isoformat(), "alerts": b.alerts, "hours_under_alert": b.hours_under_alert}
                for b in buckets
            ],
            "total_alerts": sum(b.alerts for b in buckets),
            "total_hours_under_alert": round(seconds / 3600, 2),
        }
        return Response(body, headers=STATUS.headers)


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
            raise serializers.ValidationError({"until": gettext("Must be later than since.")})
        return attrs


class AlertOut(serializers.Serializer[Any]):
    # The fields a ModelSerializer of Alert would derive, written out: the API does not import the models.
    id = serializers.IntegerField(read_only=True, label="ID")
    region = serializers.SerializerMethodField()
    kind = serializers.ChoiceField(choices=AlertKind.choices, label=capfirst(_("kind")))
    level = serializers.ChoiceField(
        choices=AlertLevel.choices, allow_blank=True, allow_null=True, required=False, label=capfirst(_("level"))
    )
    threats = serializers.ListField(
        child=serializers.ChoiceField(choices=ThreatType.choices),
        help_text="what is coming, most urgent first; `unspecified` for a type this API does not know; "
        "empty when the upstream said nothing",
    )
    started_at = serializers.DateTimeField(default_timezone=UTC)
    ended_at = serializers.DateTimeField(default_timezone=UTC, allow_null=True)
    duration_s = serializers.SerializerMethodField()
    source = serializers.CharField(source="source.name")  # type: ignore[assignment]
    replay = serializers.SerializerMethodField()

    # drf-spectacular reads these hints at run time, where Alert is not imported: hence Any.
    def get_region(self, alert: Any) -> dict[str, Any]:
        return {"uid": alert.region_id, "name_uk": alert.region.name_uk, "name_en": alert.region.name_en}

    def get_replay(self, alert: Any) -> bool:
        return alert.source.kind == FeedKind.REPLAY

    def get_duration_s(self, alert: Any) -> int | None:
        return None if alert.ended_at is None else int((alert.ended_at - alert.started_at).total_seconds())


class StatusAlertOut(serializers.Serializer[Any]):
    """Documentation only: one active alert as the status snapshot holds it (sources merged)."""

    region = serializers.IntegerField(help_text="the region's uid")
    name_uk = serializers.CharField()
    name_en = serializers.CharField()
    region_kind = serializers.ChoiceField(choices=RegionKind.choices)
    kind = serializers.ChoiceField(choices=AlertKind.choices)
    level = serializers.ChoiceField(
        choices=AlertLevel.choices, allow_null=True, help_text="red: missile threat, yellow: drone threat"
    )
    threats = serializers.ListField(
        child=serializers.ChoiceField(choices=ThreatType.choices),
        help_text="every type any source reports, most urgent first; `unspecified` for an unknown one",
    )
    started_at = serializers.DateTimeField()
    sources = serializers.ListField(child=serializers.CharField())
    replay = serializers.BooleanField()
    chain = serializers.ListField(child=serializers.IntegerField(), help_text="the region's uid, then its ancestors'")


class AlertListView(generics.ListAPIView["Alert"]):
    serializer_class = AlertOut

    @extend_schema(
        summary="Alerts: active and history (paginated, newest first)",
        parameters=[AlertsQuery],
        responses={200: AlertOut(many=True), **error_responses(400)},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # Active alerts are the status in another shape: cached as briefly.
        response = super().get(request, *args, **kwargs)
        STATUS.apply(response)
        return response

    def get_queryset(self) -> QuerySet[Alert]:
        query = AlertsQuery(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        region = None
        if params.get("region") is not None:
            region = region_get(uid=params["region"])
            if region is None:
                raise serializers.ValidationError(
                    {"region": gettext("No region with id {uid}.").format(uid=params["region"])}
                )
        return alerts_list(
            region=region,
            scope=params["scope"],
            active=params["active"],
            since=params.get("since"),
            until=params.get("until"),
        )
