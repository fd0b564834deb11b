"""The audit log in the admin: read-only for everyone (kyivguide/audit.py writes it)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from kyivguide.models import StaffAction


@admin.register(StaffAction)
class StaffActionAdmin(admin.ModelAdmin[StaffAction]):
    list_display = ["at", "actor_name", "action", "model", "object_repr", "before", "after"]
    list_filter = ["action", "app_label", "model"]
    search_fields = ["actor_name", "object_repr", "object_id", "path"]
    date_hierarchy = "at"
    readonly_fields = [field.name for field in StaffAction._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
