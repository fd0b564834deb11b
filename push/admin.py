"""Read-only admin views: subscriptions per region (never their endpoint or keys), deliveries per event."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy

from push.models import PushDelivery, PushEvent, PushSubscription


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PushSubscription)
class PushSubscriptionAdmin(ReadOnly):
    # The endpoint and keys are secrets: not listed, not shown on the form, not searchable.
    fields = ("region", "chain", "language", "drills", "created_at", "updated_at")
    list_display = ("pk", "region", "language", "drills", "created_at")
    list_filter = ("language", "drills", "region__kind")
    list_select_related = ("region",)
    search_fields = ("region__name_uk", "region__name_en")


@admin.register(PushEvent)
class PushEventAdmin(ReadOnly):
    list_display = ("created_at", "kind", "region", "drill", "fanned_out_at", "suppressed", "sent", "failed", "removed")
    list_filter = ("kind", "drill")
    list_select_related = ("region",)
    date_hierarchy = "created_at"

    def get_queryset(self, request: HttpRequest) -> QuerySet[PushEvent]:
        status = PushDelivery.Status
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_sent=Count("deliveries", filter=Q(deliveries__status=status.SENT)),
                n_failed=Count("deliveries", filter=Q(deliveries__status=status.FAILED)),
                n_removed=Count("deliveries", filter=Q(deliveries__status=status.REMOVED)),
            )
        )

    @admin.display(description=gettext_lazy("sent"), ordering="n_sent")
    def sent(self, event: Any) -> int:
        return int(event.n_sent)

    @admin.display(description=gettext_lazy("failed"), ordering="n_failed")
    def failed(self, event: Any) -> int:
        return int(event.n_failed)

    @admin.display(description=gettext_lazy("subscription removed"), ordering="n_removed")
    def removed(self, event: Any) -> int:
        return int(event.n_removed)
