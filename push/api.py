"""The push API: subscribe a browser to a region chain's alerts, and unsubscribe it."""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import urlsplit

import orjson
from django.conf import settings
from django.http import HttpResponse, HttpResponseBase
from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.views import APIView

from kyivguide.api import API_ERROR, error_responses
from kyivguide.http import PRIVATE
from push.models import PushSubscription
from push.services import push_subscribe, push_unsubscribe_handle, region_known, vapid_configured

ENDPOINT_MAX = 2000  # PushSubscription.endpoint


def _base64url(value: str, length: int, what: str) -> str:
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        raise serializers.ValidationError(gettext("{field} must be base64url.").format(field=what)) from None
    if len(raw) != length:
        raise serializers.ValidationError(
            gettext("{field} must be {length} bytes (it is {count}).").format(field=what, length=length, count=len(raw))
        )
    return value


class KeysInput(serializers.Serializer):
    p256dh = serializers.CharField(max_length=100, help_text="The browser's P-256 public key (65 bytes, base64url).")
    auth = serializers.CharField(max_length=40, help_text="The authentication secret (16 bytes, base64url).")

    def validate_p256dh(self, value: str) -> str:
        _base64url(value, 65, "p256dh")
        if base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))[0] != 4:
            raise serializers.ValidationError(gettext("p256dh must be an uncompressed P-256 point."))
        return value

    def validate_auth(self, value: str) -> str:
        return _base64url(value, 16, "auth")


class SubscriptionObjectInput(serializers.Serializer):
    """The browser's PushSubscription.toJSON()."""

    endpoint = serializers.CharField(max_length=ENDPOINT_MAX)
    expirationTime = serializers.FloatField(required=False, allow_null=True)  # the browser's name
    keys = KeysInput()

    def validate_endpoint(self, value: str) -> str:
        url = urlsplit(value)
        local = settings.PUSH_ALLOW_HTTP_LOCALHOST and url.scheme == "http" and url.hostname == "127.0.0.1"
        if not (url.scheme == "https" and url.hostname) and not local:
            raise serializers.ValidationError(gettext("The endpoint must be an https URL of a push service."))
        return value


class SubscribeInput(serializers.Serializer):
    subscription = SubscriptionObjectInput()
    region = serializers.IntegerField(min_value=1, max_value=2**31 - 1, help_text="The region's uid.")
    language = serializers.ChoiceField(choices=PushSubscription.Language.choices, default="uk")
    drills = serializers.BooleanField(default=False, help_text="Also notify drills (marked DRILL).")

    def validate_region(self, value: int) -> int:
        if not region_known(value):
            raise serializers.ValidationError(gettext("No region with uid {uid}.").format(uid=value))
        return value


SubscriptionOutput = inline_serializer(
    "PushSubscriptionOut",
    {
        "id": serializers.CharField(help_text="Names the subscription to DELETE it; never the endpoint."),
        "region": serializers.IntegerField(),
        "chain": serializers.ListField(child=serializers.IntegerField(), help_text="The regions it covers."),
        "language": serializers.CharField(),
        "drills": serializers.BooleanField(),
    },
)
UNAVAILABLE = OpenApiResponse(API_ERROR, description="Push notifications are not configured (`error`: `unavailable`).")


def _json(body: Any, status: int) -> HttpResponseBase:
    return PRIVATE.apply(HttpResponse(orjson.dumps(body), status=status, content_type="application/json"))


class PushSubscriptionsApi(APIView):
    authentication_classes: list[Any] = []
    permission_classes: list[Any] = []

    @extend_schema(
        operation_id="push_subscribe",
        request=SubscribeInput,
        responses={
            200: OpenApiResponse(SubscriptionOutput, description="The endpoint was subscribed already: updated."),
            201: OpenApiResponse(SubscriptionOutput, description="Subscribed."),
            **error_responses(400),
            503: UNAVAILABLE,
        },
        description=(
            "Subscribe a browser's Web Push subscription to alerts of a region and the regions around it (its raion, "
            "oblast): a notification when an alert starts there and when the last one ends. The endpoint and keys "
            "are stored and never returned."
        ),
    )
    def post(self, request: Request) -> HttpResponseBase:
        if not vapid_configured():
            return _json({"error": "unavailable", "message": gettext("Push notifications are not configured.")}, 503)
        data = SubscribeInput(data=request.data)
        data.is_valid(raise_exception=True)
        value = data.validated_data
        subscription, created = push_subscribe(
            endpoint=value["subscription"]["endpoint"],
            p256dh=value["subscription"]["keys"]["p256dh"],
            auth=value["subscription"]["keys"]["auth"],
            region=value["region"],
            language=value["language"],
            drills=value["drills"],
        )
        body = {
            "id": subscription.handle,
            "region": subscription.region_id,
            "chain": subscription.chain,
            "language": subscription.language,
            "drills": subscription.drills,
        }
        return _json(body, 201 if created else 200)


class PushSubscriptionApi(APIView):
    authentication_classes: list[Any] = []
    permission_classes: list[Any] = []

    @extend_schema(
        operation_id="push_unsubscribe",
        parameters=[OpenApiParameter("handle", str, OpenApiParameter.PATH, description="The `id` the POST gave.")],
        responses={204: OpenApiResponse(description="Unsubscribed."), **error_responses(404)},
    )
    def delete(self, request: Request, handle: str) -> HttpResponseBase:
        if not push_unsubscribe_handle(handle=handle):
            raise NotFound(gettext("No such subscription."))
        return PRIVATE.apply(HttpResponse(status=204))
