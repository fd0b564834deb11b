"""REST API of the shelters app: nearest shelters, the city's GeoJSON, one shelter.

The two hot paths (nearest, GeoJSON) validate their input with a DRF serializer and write their
output with orjson straight from selector rows: DRF's field-by-field output serializers would cost
more than the database query. The output serializers below document the shapes (OpenAPI) and are
used for the detail, which is not hot.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
from typing import Any

import orjson
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.views import APIView

from kyivguide.api import (
    NOT_MODIFIED,
    FirstRendererNegotiation,
    documented_by,
    error_responses,
    get_only,
    invalid_input,
)
from kyivguide.http import GEOJSON, NEAREST, PRIVATE, SHELTER, CachePolicy, not_modified
from kyivguide.throttling import throttle
from shelters.geo import EARTH_RADIUS_M
from shelters.hours import DETOUR_FACTOR, WALKING_SPEED_M_PER_MIN, hours_label
from shelters.importing.phones import phone_numbers
from shelters.models import District, Shelter, ShelterKind
from shelters.report_input import (
    RATE_LIMITED,
    REPORTS_UNAVAILABLE,
    ReportInputSerializer,
    ReportOutput,
    shelter_report_submit,
)
from shelters.selectors.catalogue import (
    FeatureFilters,
    shelter_get,
    shelters_catalogue_version,
    shelters_feature_collection,
)
from shelters.selectors.nearest import shelters_nearest

logger = logging.getLogger(__name__)

MAX_NEAREST = 50
GEOJSON_CACHE_SECONDS = 24 * 3600
WALKING_MODEL = {
    "speed_m_per_min": WALKING_SPEED_M_PER_MIN,
    "detour_factor": DETOUR_FACTOR,
    "earth_radius_m": EARTH_RADIUS_M,
}


def _json(data: Any, *, policy: CachePolicy, status: int = 200, headers: dict[str, str] | None = None) -> HttpResponse:
    return HttpResponse(
        orjson.dumps(data),
        status=status,
        content_type="application/json",
        headers={**policy.headers, **(headers or {})},
    )


class KindListField(serializers.CharField):
    """A comma-separated list of kinds of place ("metro,underpass"); each must be known."""

    def to_internal_value(self, data: Any) -> list[str]:  # type: ignore[override]
        text = super().to_internal_value(data)
        kinds = [part.strip() for part in text.split(",") if part.strip()]
        unknown = [kind for kind in kinds if kind not in ShelterKind.values]
        if unknown:
            raise serializers.ValidationError(
                gettext("Unknown kind {values}; use one or more of {allowed}.").format(
                    values=", ".join(unknown), allowed=", ".join(ShelterKind.values)
                )
            )
        return kinds


# --- nearest ----------------------------------------------------------------------------------------------


class NearestInput(serializers.Serializer):
    lat = serializers.FloatField(min_value=-90, max_value=90)
    lon = serializers.FloatField(min_value=-180, max_value=180)
    limit = serializers.IntegerField(min_value=1, max_value=MAX_NEAREST, default=5)
    accessible = serializers.BooleanField(default=False)
    open_now = serializers.BooleanField(default=False)
    open_at = serializers.DateTimeField(required=False, help_text="An instant; without an offset, Kyiv time.")
    kind = KindListField(required=False, max_length=200, help_text="Kinds of place, comma-separated: metro,underpass.")
    pupils = serializers.BooleanField(default=False, help_text="Include school shelters open to pupils only.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("open_now") and attrs.get("open_at"):
            raise serializers.ValidationError(gettext("Give open_now or open_at, not both."))
        return attrs


# One instance serves every request. A serializer builds its fields per instance (a deep copy of each
# declared field: ~30 % of this hot path's CPU); run_validation() then only reads them and keeps no
# state of a request, unlike is_valid(), which stores its result on the instance (the same call validates
# a nested serializer). The one thing kept is the text of a bound's message ("less than or equal to 90"),
# formatted once in the language of its first use: always English, as every API request runs in English
# (kyivguide/middleware.py).
NEAREST_INPUT = NearestInput()


class RecentReportsOutput(serializers.Serializer):
    count = serializers.IntegerField(help_text="Unconfirmed locked/closed reports in the recent window.")
    kind = serializers.CharField(help_text="The newest one's: locked or closed.")
    newest_at = serializers.DateTimeField()
    minutes_ago = serializers.IntegerField()


class NearestShelterOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(help_text="Ukrainian; empty for most shelters.")
    name_en = serializers.CharField()
    address = serializers.CharField(help_text="Ukrainian.")
    address_en = serializers.CharField(help_text="Official transliteration, street types as on Kyiv's signs.")
    kind = serializers.ChoiceField(choices=ShelterKind.choices)
    protection = serializers.CharField()
    district = serializers.CharField()
    wheelchair_accessible = serializers.BooleanField(allow_null=True)
    hours = serializers.CharField(help_text='"always", "school", "unknown" or "HH:MM-HH:MM" (Kyiv time).')
    status = serializers.CharField()
    reported = RecentReportsOutput(
        allow_null=True,
        help_text="Recent reports of this shelter as locked or closed that staff have not confirmed yet; null if none.",
    )
    lat = serializers.FloatField()
    lon = serializers.FloatField()
    distance_m = serializers.FloatField(help_text="Great-circle distance, metres, to 0.1 m.")
    walk_minutes = serializers.IntegerField()


class NearestOutput(serializers.Serializer):
    count = serializers.IntegerField()
    results = NearestShelterOutput(many=True)
    walking = inline_serializer(
        "WalkingModel",
        {
            "speed_m_per_min": serializers.FloatField(),
            "detour_factor": serializers.FloatField(),
            "earth_radius_m": serializers.FloatField(),
        },
    )


class SheltersNearestSchema(APIView):
    """The schema of `GET shelters/nearest` only: the plain `shelters_nearest_view` serves the URL (a hot path,
    where DRF's request handling would cost as much as the search)."""

    @extend_schema(
        operation_id="shelters_nearest",
        parameters=[NearestInput],
        responses={200: NearestOutput, **error_responses(400)},
        description=(
            "The nearest listed shelters, nearest first, with the straight-line distance and walking minutes "
            f"({WALKING_SPEED_M_PER_MIN:g} m/min × detour {DETOUR_FACTOR:g}). Closed shelters are never listed; "
            "school shelters for pupils only are left out unless pupils=1."
        ),
    )
    def get(self, request: Request) -> HttpResponse:
        raise NotImplementedError("documentation only: shelters_nearest_view serves this URL")


@documented_by(SheltersNearestSchema)
@get_only
@throttle
def shelters_nearest_view(request: HttpRequest) -> HttpResponse:
    try:
        data = NEAREST_INPUT.run_validation(request.GET)
    except serializers.ValidationError as error:
        return HttpResponse(orjson.dumps(invalid_input(error.detail)), status=400, content_type="application/json")
    results = shelters_nearest(
        point=(data["lon"], data["lat"]),
        limit=data["limit"],
        accessible=data["accessible"],
        open_at=timezone.now() if data["open_now"] else data.get("open_at"),
        kinds=data.get("kind"),
        pupils=data["pupils"],
    )
    for result in results:
        result["distance_m"] = round(result["distance_m"], 1)
    return _json({"count": len(results), "results": results, "walking": WALKING_MODEL}, policy=NEAREST)


# --- the city's GeoJSON -------------------------------------------------------------------------------------


class FeaturesInput(serializers.Serializer):
    bbox = serializers.CharField(required=False, help_text="west,south,east,north in degrees (RFC 7946 order).")
    kind = KindListField(required=False, max_length=200)
    accessible = serializers.BooleanField(default=False)
    district = serializers.ChoiceField(choices=[d for d in District.values if d], required=False)
    q = serializers.CharField(required=False, min_length=2, max_length=100, help_text="Part of the address.")

    def validate_bbox(self, value: str) -> tuple[float, float, float, float]:
        parts = value.split(",")
        try:
            west, south, east, north = (float(part) for part in parts)
        except ValueError:
            raise serializers.ValidationError(gettext("bbox must be four numbers: west,south,east,north.")) from None
        if not all(-180 <= x <= 180 for x in (west, east)) or not all(-90 <= y <= 90 for y in (south, north)):
            raise serializers.ValidationError(gettext("bbox is out of range (longitudes ±180, latitudes ±90)."))
        if west >= east or south >= north:
            raise serializers.ValidationError(
                gettext("bbox is inverted or empty: west < east and south < north are required.")
            )
        return west, south, east, north


def _gzip(body: bytes) -> bytes:
    return gzip.compress(body, compresslevel=6, mtime=0)


def _city_bodies(tag: str) -> tuple[bytes, bytes]:
    """(plain, gzip) bytes of the unfiltered city, built once per catalogue version."""
    key = f"shelters:geojson:{tag}"
    try:
        cached = cache.get(key)
    except Exception:  # a cache outage must not take the map down: rebuild instead
        logger.warning("cache unavailable, building the shelters GeoJSON without it", exc_info=True)
        cached = None
    if cached is not None:
        return cached
    body = shelters_feature_collection(filters=FeatureFilters())
    bodies = (body, _gzip(body))
    try:
        cache.set(key, bodies, GEOJSON_CACHE_SECONDS)
    except Exception:  # the body is still served, only not cached
        logger.warning("cache unavailable, the shelters GeoJSON is not cached", exc_info=True)
    return bodies


class SheltersGeoJsonApi(APIView):
    authentication_classes: list[Any] = []
    permission_classes: list[Any] = []
    content_negotiation_class = FirstRendererNegotiation

    @extend_schema(
        operation_id="shelters_geojson",
        parameters=[FeaturesInput],
        responses={
            (200, "application/geo+json"): OpenApiResponse(
                description=(
                    "RFC 7946 FeatureCollection, [lon, lat]. Feature id = shelter id; properties: a address (uk), "
                    "e address (en), n/ne name (uk/en, when named), k kind, p protection, d district, "
                    "w wheelchair access (1/0/null), h hours (always, school, unknown or HH:MM-HH:MM Kyiv time), "
                    "s status."
                )
            ),
            304: NOT_MODIFIED,
            **error_responses(400),
        },
    )
    def get(self, request: Request) -> HttpResponseBase:
        params = FeaturesInput(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        filters = FeatureFilters(
            bbox=data.get("bbox"),
            kinds=tuple(data.get("kind") or ()),
            accessible=data["accessible"],
            district=data.get("district"),
            q=data.get("q"),
        )
        version = shelters_catalogue_version()
        selection = "all" if filters.empty else hashlib.sha256(filters.key().encode()).hexdigest()[:16]
        # Weak: the gzip and plain bodies are the same representation for caches' purposes.
        etag = f'W/"shelters-{version.tag}-{selection}"'
        django_request: HttpRequest = request._request
        headers = {"ETag": etag, **GEOJSON.headers}
        answer = not_modified(django_request, etag=etag, headers=headers)
        if answer is not None:
            response: HttpResponseBase = answer
        else:
            wants_gzip = "gzip" in django_request.headers.get("Accept-Encoding", "")
            if filters.empty:
                plain, zipped = _city_bodies(version.tag)
                body = zipped if wants_gzip else plain
            else:
                plain = shelters_feature_collection(filters=filters)
                body = _gzip(plain) if wants_gzip else plain
            response = HttpResponse(body, content_type="application/geo+json", headers=headers)
            if wants_gzip:
                response["Content-Encoding"] = "gzip"
        patch_vary_headers(response, ("Accept-Encoding",))
        return response


# --- one shelter --------------------------------------------------------------------------------------------


class ShelterDetailOutput(serializers.ModelSerializer[Shelter]):
    name = serializers.CharField(source="name_uk", allow_null=True)
    name_en = serializers.CharField(allow_null=True)
    address = serializers.CharField(source="address_uk")
    address_en = serializers.CharField(allow_null=True)
    lat = serializers.FloatField()
    lon = serializers.FloatField()
    hours = serializers.SerializerMethodField()
    keys_phone_numbers = serializers.SerializerMethodField(help_text="Dialable numbers found in keys_phone (E.164).")

    class Meta:
        model = Shelter
        fields = [
            "id",
            "source",
            "source_id",
            "name",
            "name_en",
            "address",
            "address_en",
            "lat",
            "lon",
            "kind",
            "protection",
            "district",
            "capacity",
            "wheelchair_accessible",
            "opening_hours",
            "opens_at",
            "closes_at",
            "hours",
            "access_notes",
            "keys_phone",
            "keys_phone_numbers",
            "owner",
            "ownership",
            "building_type",
            "status",
            "verified_at",
            "is_active",
            "updated_at",
        ]

    def get_hours(self, shelter: Shelter) -> str:
        return hours_label(shelter.opening_hours, shelter.opens_at, shelter.closes_at)

    def get_keys_phone_numbers(self, shelter: Shelter) -> list[str]:
        return phone_numbers(shelter.keys_phone)


class ShelterDetailApi(APIView):
    authentication_classes: list[Any] = []
    permission_classes: list[Any] = []

    @extend_schema(
        operation_id="shelters_detail",
        parameters=[OpenApiParameter("shelter_id", int, OpenApiParameter.PATH)],
        responses={200: ShelterDetailOutput, **error_responses(404)},
        description="Everything known about one shelter; a shelter no longer in the city's list has is_active false.",
    )
    def get(self, request: Request, shelter_id: int) -> HttpResponse:
        shelter = shelter_get(shelter_id=shelter_id)
        if shelter is None:
            raise NotFound(gettext("No shelter with id {id}.").format(id=shelter_id))
        return _json(ShelterDetailOutput(shelter).data, policy=SHELTER)


# --- reports ----------------------------------------------------------------------------------------------


class ShelterReportsApi(APIView):
    authentication_classes: list[Any] = []
    permission_classes: list[Any] = []

    @extend_schema(
        operation_id="shelters_report",
        parameters=[
            OpenApiParameter("shelter_id", int, OpenApiParameter.PATH),
            OpenApiParameter(
                "Retry-After", int, OpenApiParameter.HEADER, response=[429], description="Seconds to wait."
            ),
        ],
        request=ReportInputSerializer,
        responses={201: ReportOutput, **error_responses(400, 404), 429: RATE_LIMITED, 503: REPORTS_UNAVAILABLE},
        description=(
            "Report a listed shelter's state, anonymously. The report goes to the staff's moderation queue and "
            "changes nothing by itself; recent unconfirmed locked/closed reports show as `reported` in the nearest "
            "results. Of the reporter only a salted hash of the address is kept, rotated daily."
        ),
    )
    def post(self, request: Request, shelter_id: int) -> HttpResponseBase:
        status, body, headers = shelter_report_submit(request._request, shelter_id, request.data)
        return PRIVATE.apply(_json(body, policy=PRIVATE, status=status, headers=headers))
