"""Status API: the snapshot for everyone, the status of one region, and "where am I".

`GET /api/v1/status` is the hot path (every open phone polls it): a plain Django view that returns
the stored snapshot's bytes with this moment's freshness spliced in, and answers 304 to a client
that holds the current version. Its ETag carries the freshness state, so a client never keeps an
"all clear" by revalidation once the feeds have gone stale.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils import timezone
from django.utils.http import http_date
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from alerts.api.regions import RegionOut, StatusAlertOut
from alerts.selectors.locate import regions_locate
from alerts.selectors.regions import region_chain_by_uid
from alerts.selectors.status import (
    StatusRead,
    status_for_candidates,
    status_for_region,
    status_freshness,
    status_read,
    status_snapshot_read,
)
from kyivguide import local_cache
from kyivguide.api import NOT_MODIFIED, documented_by, error_responses, get_only
from kyivguide.http import STATUS, not_modified
from kyivguide.local_cache import Versioned

# What a script on another origin may read: the freshness headers and the clocks it ages them by.
STATUS_EXPOSED_HEADERS = "ETag, Last-Modified, Date, Age, X-Status-Freshness, X-Status-Age, X-Status-Checked-At"


def status_headers(read: StatusRead, etag: str | None) -> dict[str, str]:
    age = read.freshness.age_s
    return {
        **({"ETag": etag, "Last-Modified": http_date(read.last_modified.timestamp())} if etag else {}),
        **STATUS.headers,
        # The data's age when this response was made, and its verdict: a client adds the time since
        # it received the response to age the data by itself, skew-free. A cache in front may hand
        # the response out later: X-Status-Checked-At is when it was made, by the server's clock, so
        # the sender's `Date` minus it is the time it spent in caches (nginx sends no `Age`; a CDN's
        # `Age` adds to it). See status_age in kyivguide/edge.py.
        "X-Status-Freshness": read.freshness.state,
        "X-Status-Age": "none" if age is None else f"{age:.1f}",
        "X-Status-Checked-At": http_date(read.now.timestamp()),
        "Access-Control-Allow-Origin": "*",
        "Access-Control-Expose-Headers": STATUS_EXPOSED_HEADERS,
    }


@dataclass(frozen=True)
class _Rendered:
    """One second's answer, shared by every request in that second (freshness moves in whole seconds)."""

    body: bytes
    headers: dict[str, str]
    etag: str
    last_modified: float


_rendered: Versioned[_Rendered] = local_cache.STATUS_RESPONSE


def _render(now: datetime) -> _Rendered:
    snapshot = status_snapshot_read()
    second = int(now.timestamp())

    def build() -> _Rendered:
        moment = datetime.fromtimestamp(second, tz=UTC)
        read = StatusRead(snapshot=snapshot, freshness=status_freshness(feeds=snapshot.feeds, now=moment), now=moment)
        return _Rendered(read.body(), status_headers(read, read.etag), read.etag, read.last_modified.timestamp())

    return _rendered.get((snapshot, second), build)


class StatusSchema(APIView):
    """The schema of `GET /api/v1/status` only: the URL is served by the plain `status_view` (the hot path)."""

    @extend_schema(
        operation_id="status",
        summary="Alert status of every region (the snapshot every open page polls)",
        description=(
            "Active alerts and advisories in force, with this moment's freshness of the feeds: `freshness.state` "
            "is fresh, delayed or unknown, and clear is never to be said from unknown data. Headers: ETag "
            "(it carries the freshness state), Last-Modified, X-Status-Freshness, X-Status-Age (the data's "
            "age in seconds when the answer was made, or `none`) and X-Status-Checked-At (when it was made). "
            "A cache may hand the answer out later: the data's age is X-Status-Age + (Date - X-Status-Checked-At) "
            "+ Age (when a cache sends one) + the time since it arrived."
        ),
        responses={
            200: inline_serializer(
                "Status",
                fields={
                    "alerts": StatusAlertOut(many=True, help_text="active alerts"),
                    "advisories": serializers.ListField(child=serializers.DictField(), help_text="in force now"),
                    "replay": serializers.DictField(allow_null=True, help_text="set during a drill"),
                    "version": serializers.CharField(help_text="changes whenever the data does"),
                    "generated_at": serializers.DateTimeField(),
                    "freshness": serializers.DictField(
                        help_text="state, last_success_at, age_s, fresh_s, unknown_s, reason, checked_at"
                    ),
                    "sources": serializers.ListField(
                        child=serializers.DictField(), help_text="name, enabled, replay, last_success_at"
                    ),
                    "replay_now": serializers.DateTimeField(allow_null=True, help_text="the drill's clock"),
                },
            ),
            304: NOT_MODIFIED,
        },
    )
    def get(self, request: Request) -> Response:
        raise NotImplementedError("documentation only: status_view serves this URL")


@documented_by(StatusSchema)
@get_only
def status_view(request: HttpRequest) -> HttpResponseBase:
    rendered = _render(timezone.now())
    answer = not_modified(request, etag=rendered.etag, last_modified=rendered.last_modified, headers=rendered.headers)
    if answer is not None:
        return answer
    return HttpResponse(rendered.body, content_type="application/json", headers=rendered.headers)


def region_status_response(request: Request, read: StatusRead, payload: dict[str, Any]) -> HttpResponseBase:
    etag = f'W/"{read.snapshot.version}-{payload["region"]["uid"]}-{payload["state"]}-{read.freshness.state}"'
    headers = status_headers(read, etag)
    answer = not_modified(request, etag=etag, last_modified=read.last_modified.timestamp(), headers=headers)
    return answer if answer is not None else Response(payload, headers=headers)


class RegionStatusSerializer(serializers.Serializer[Any]):
    """The schema of a region's status (documentation only: the payload is built by `status_for_region`)."""

    region = serializers.DictField(help_text="uid, name_uk, name_en, kind, parent, chain (itself first)")
    state = serializers.ChoiceField(choices=["alert", "partial", "clear", "unknown"])
    last_known_state = serializers.ChoiceField(
        choices=["alert", "partial", "clear"], help_text="what the data said, even when it is too old to trust"
    )
    alerts = StatusAlertOut(many=True, help_text="the alerts that make the state")
    freshness = serializers.DictField(help_text="state: fresh, delayed or unknown; age_s; reason")
    since = serializers.DateTimeField(allow_null=True)
    replay = serializers.DictField(allow_null=True, help_text="set during a drill (replayed history)")
    advisories = serializers.ListField(child=serializers.DictField())
    version = serializers.CharField()


class RegionStatusView(APIView):
    @extend_schema(
        summary="Alert status of one region",
        description=(
            "`alert` when the region or an ancestor is under alert (an oblast-wide alert covers its raions), "
            "`partial` when only a part of it is, `clear` when nothing is and the feeds are fresh, and "
            "`unknown` when the feeds are stale (whatever the old data said: see `last_known_state`), so "
            "clear is never said from stale data."
        ),
        responses={200: RegionStatusSerializer, 304: NOT_MODIFIED, **error_responses(404)},
    )
    def get(self, request: Request, uid: int) -> HttpResponseBase:
        # While PostgreSQL is away, the chain comes from the copy of the regions in Redis.
        chain = region_chain_by_uid(uid=uid)
        if chain is None:
            raise NotFound(gettext("No region with id {uid}.").format(uid=uid))
        read = status_read()
        return region_status_response(request, read, status_for_region(read=read, chain=chain))


# The largest accuracy radius taken, in metres (a position known only to 50 km says little about
# the region; the page clamps the browser's value to this).
LOCATE_MAX_ACCURACY_M = 50_000


class LocateQuery(serializers.Serializer[Any]):
    lat = serializers.FloatField(min_value=-90, max_value=90, help_text="latitude, WGS84 degrees")
    # DRF's FloatField already refuses NaN and infinities ("A valid number is required.").
    lon = serializers.FloatField(min_value=-180, max_value=180, help_text="longitude, WGS84 degrees")
    accuracy = serializers.FloatField(
        min_value=0,
        max_value=LOCATE_MAX_ACCURACY_M,
        required=False,
        help_text="the position's accuracy radius in metres (the browser's `coords.accuracy`)",
    )


class LocateCandidate(RegionOut):
    """Documentation only: one region the person may be in."""

    chain = RegionOut(many=True, help_text="itself first, then its ancestors")
    distance_m = serializers.FloatField(help_text="0 when the region's polygon contains the point")
    state = serializers.ChoiceField(choices=["alert", "partial", "clear", "unknown"])
    last_known_state = serializers.ChoiceField(choices=["alert", "partial", "clear"])


class LocateView(APIView):
    @extend_schema(
        summary="Where am I: the alert regions a point may be in, and the status to show",
        description=(
            "The boundaries are coarse and a position uncertain: every region within `accuracy` + "
            "LOCATE_EDGE_TOLERANCE_M metres of the point is a candidate (hromadas, and Kyiv city), and a point "
            "in a gap between polygons falls back to the nearest one that close. `regions` is the chain of the "
            "likeliest region (hromada → raion → oblast, or Kyiv city); `status` is the most severe status among "
            "the candidates (its `region` says whose), so it is never clear while any candidate is under alert."
        ),
        parameters=[
            OpenApiParameter("lat", OpenApiTypes.DOUBLE, required=True),
            OpenApiParameter("lon", OpenApiTypes.DOUBLE, required=True),
            OpenApiParameter(
                "accuracy", OpenApiTypes.DOUBLE, required=False, description="metres, 0 to 50,000 (default 0)"
            ),
        ],
        responses={
            200: inline_serializer(
                "Locate",
                fields={
                    "regions": serializers.ListField(
                        child=serializers.DictField(), help_text="the likeliest region's chain, most specific first"
                    ),
                    "candidates": LocateCandidate(
                        many=True, help_text="every region the point may be in, likeliest first"
                    ),
                    "radius_m": serializers.FloatField(help_text="accuracy + the edge tolerance"),
                    "status": RegionStatusSerializer(
                        allow_null=True, help_text="null when no region is near the point (outside Ukraine)"
                    ),
                },
            ),
            **error_responses(400),
        },
    )
    def get(self, request: Request) -> Response:
        query = LocateQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        location = regions_locate(lat=data["lat"], lon=data["lon"], accuracy_m=data.get("accuracy"))
        if not location.candidates:
            return Response(
                {"regions": [], "candidates": [], "radius_m": location.radius_m, "status": None}, headers=STATUS.headers
            )
        read = status_read()
        status, states = status_for_candidates(read=read, chains=[c.chain for c in location.candidates])
        candidates = [
            {**c.chain[0], "chain": c.chain, "distance_m": c.distance_m, **state}
            for c, state in zip(location.candidates, states, strict=True)
        ]
        return Response(
            {"regions": location.chain, "candidates": candidates, "radius_m": location.radius_m, "status": status},
            headers=status_headers(read, None),
        )
