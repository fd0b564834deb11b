"""The advisories' audit trail: under each advisory, and as a read-only log of its own."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy

from alerts.models import AdvisoryEvent


def _describe_changes(changes: dict[str, Any]) -> str:
    parts = []
    for name, value in changes.items():
        if isinstance(value, list) and len(value) == 2:
            parts.append(f"{name}: {value[0]!r} → {value[1]!r}")
        else:
            parts.append(f"{name}: {value!r}")
    return "; ".join(parts)


class AdvisoryEventInline(admin.TabularInline):
    model = AdvisoryEvent
    verbose_name_plural = gettext_lazy("Audit trail")
    fields = ("at", "action", "actor", "what_changed", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("at", "id")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Whoever may see an advisory sees its trail: no separate permission on the events.
        return request.user.has_perm("alerts.view_advisory") or request.user.has_perm("alerts.change_advisory")

    @admin.display(description=gettext_lazy("what changed"))
    def what_changed(self, event: AdvisoryEvent) -> str:
        return _describe_changes(event.changes)


@admin.register(AdvisoryEvent)
class AdvisoryEventAdmin(admin.ModelAdmin):
    """The audit log of every advisory, read-only."""

    list_display = ("at", "advisory", "action", "actor", "what_changed")
    list_filter = ("action",)
    list_select_related = ("advisory", "actor")
    search_fields = ("advisory__title_uk", "advisory__title_en", "note")
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=gettext_lazy("what changed"))
    def what_changed(self, event: AdvisoryEvent) -> str:
        return _describe_changes(event.changes)
