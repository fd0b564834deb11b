"""The audit log in the admin: read-only for everyone (kyivguide/audit.py writes it)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, Permission, User
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

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


# --- Users and groups: their permissions named in the admin's language.

# The default permissions' names are written in English into the database by `migrate`
# ("Can add advisory"); the admin shows them as the action and the model's translated name.
PERMISSION_ACTIONS = {
    "add": _("Can add"),
    "change": _("Can change"),
    "delete": _("Can delete"),
    "view": _("Can view"),
}


def permission_label(permission: Permission) -> str:
    content_type = permission.content_type
    model = content_type.model_class()
    if model is None:  # a model no longer installed: what the database says
        return str(permission)
    action = permission.codename.split("_", 1)[0]
    meta = model._meta
    if action in PERMISSION_ACTIONS and permission.codename == f"{action}_{meta.model_name}":
        text = f"{PERMISSION_ACTIONS[action]}: {meta.verbose_name}"
    else:  # the project's own permissions name a msgid (alerts.models.Advisory)
        text = gettext(permission.name)
    return f"{meta.app_config.verbose_name} | {meta.verbose_name} | {text}"


class TranslatedPermissionsMixin:
    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_manytomany(db_field, request, **kwargs)  # type: ignore[misc]
        if db_field.name in {"permissions", "user_permissions"} and field is not None:
            field.label_from_instance = permission_label
        return field


admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class StaffUserAdmin(TranslatedPermissionsMixin, UserAdmin):
    pass


@admin.register(Group)
class StaffGroupAdmin(TranslatedPermissionsMixin, GroupAdmin):
    pass
