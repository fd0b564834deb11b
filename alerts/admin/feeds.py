"""Admin for regions, alerts and the health of the feeds."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from leaflet.admin import LeafletGeoAdminMixin
from modeltranslation.admin import TranslationAdmin

from alerts.models import Alert, FeedSource, Region


@admin.register(Region)
class RegionAdmin(LeafletGeoAdminMixin, TranslationAdmin):
    list_display = ("uid", "name", "kind", "parent", "has_boundary", "shelter_time_s")
    list_filter = ("kind",)
    search_fields = ("uid", "name_uk", "name_en")
    list_select_related = ("parent",)
    autocomplete_fields = ("parent",)
    ordering = ("uid",)

    @admin.display(boolean=True, description=_("boundary"))
    def has_boundary(self, region: Region) -> bool:
        return region.geometry is not None

    def get_queryset(self, request: HttpRequest) -> QuerySet[Region]:
        # Polygons are loaded only where shown (the change form), never for the list.
        queryset: QuerySet[Region] = super().get_queryset(request)
        return queryset.defer("geometry")

    def get_readonly_fields(self, request: HttpRequest, obj: Region | None = None) -> tuple[str, ...]:
        return () if obj is None else ("uid",)


class ActiveFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "active"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin[Alert]) -> list[tuple[str, str]]:
        return [("1", str(_("active"))), ("0", str(_("ended")))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Alert]) -> QuerySet[Alert]:
        if self.value() == "1":
            return queryset.filter(ended_at__isnull=True)
        if self.value() == "0":
            return queryset.filter(ended_at__isnull=False)
        return queryset


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin[Alert]):
    """Alerts come from the feeds: staff read them here, they do not edit them."""

    list_display = ("region", "kind", "level", "started_at", "ended_at", "source", "source_key")
    list_filter = (ActiveFilter, "source", "kind", "level")
    search_fields = ("region__name_uk", "region__name_en", "=region__uid", "source_key")
    list_select_related = ("region", "source")
    date_hierarchy = "started_at"
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Alert | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Alert | None = None) -> bool:
        return False


@admin.register(FeedSource)
class FeedSourceAdmin(admin.ModelAdmin[FeedSource]):
    """Feed health. Whether a feed is enabled follows its credentials in the environment."""

    list_display = (
        "name",
        "enabled",
        "poll_interval_s",
        "last_success_at",
        "seconds_since_success",
        "consecutive_failures",
        "last_latency_ms",
        "last_error",
    )
    readonly_fields = [field.name for field in FeedSource._meta.fields]

    @admin.display(description=_("seconds since success"))
    def seconds_since_success(self, source: FeedSource) -> int | None:
        if source.last_success_at is None:
            return None
        return int((timezone.now() - source.last_success_at).total_seconds())

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: FeedSource | None = None) -> bool:
        return False
