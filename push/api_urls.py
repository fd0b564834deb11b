"""REST API routes of push notifications (mounted at /api/v1/)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from push import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("push/subscriptions", api.PushSubscriptionsApi.as_view(), name="push-api-subscriptions"),
    path("push/subscriptions/<str:handle>", api.PushSubscriptionApi.as_view(), name="push-api-subscription"),
]
