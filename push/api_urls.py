"""REST API routes of push notifications (mounted at /api/v1/)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from kyivguide.http import PRIVATE, cache_policy
from push import api

urlpatterns: list[URLPattern | URLResolver] = [
    # Subscriptions are secrets: every answer, errors included, is private.
    path(
        "push/subscriptions", cache_policy(PRIVATE)(api.PushSubscriptionsApi.as_view()), name="push-api-subscriptions"
    ),
    path(
        "push/subscriptions/<str:handle>",
        cache_policy(PRIVATE)(api.PushSubscriptionApi.as_view()),
        name="push-api-subscription",
    ),
]
