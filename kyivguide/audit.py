"""Recording the staff's actions in the admin (the log itself: kyivguide/models.py).

Every model admin of the site is audited (StaffAdminSite.register wraps each in `audited`): an
added, changed or deleted record is logged with the fields that changed, before and after, and so
is every record a list action (mark verified, deactivate, confirm a report…) changes. Any other
POST to an admin page that logged nothing itself (an advisory's publication, an import, sign-out
everywhere…) is logged as the page it was sent to. Secrets (password hashes, device keys, recovery
codes) are never copied into the log.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from functools import wraps
from typing import Any

from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponseBase

from kyivguide.models import StaffAction

MASKED_FIELDS = frozenset({"password", "key", "token", "client_hash"})
# A list action on more records than this logs the first ones field by field, then a count.
ACTION_DETAIL_LIMIT = 500
AUDITED_FLAG = "_kyivguide_audited"


def _json_value(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    return str(value)


def snapshot(obj: Model) -> dict[str, Any]:
    """The record's own fields as JSON values (geometries as WKT text, secrets masked)."""
    return {
        field.name: "***" if field.name in MASKED_FIELDS else _json_value(field.value_from_object(obj))
        for field in obj._meta.concrete_fields
    }


def _changed(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    names = [name for name in after if before.get(name) != after[name]]
    return {name: before.get(name) for name in names}, {name: after[name] for name in names}


def record(
    request: HttpRequest,
    action: str,
    obj: Model | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> StaffAction:
    user = request.user
    setattr(request, AUDITED_FLAG, True)
    return StaffAction.objects.create(
        actor=user if user.is_authenticated else None,
        actor_name=user.get_username() if user.is_authenticated else "",
        action=action[:100],
        app_label=obj._meta.app_label if obj is not None else "",
        model=obj._meta.model_name or "" if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:300] if obj is not None else "",
        before=before or {},
        after=after or {},
        path=request.path[:300],
    )


def _audited_action(func: Callable[..., Any], name: str) -> Callable[..., Any]:
    @wraps(func)
    def run(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
        chosen = list(queryset[:ACTION_DETAIL_LIMIT])
        before = {obj.pk: snapshot(obj) for obj in chosen}
        total = queryset.count()
        response = func(modeladmin, request, queryset)
        model = queryset.model
        for obj in model._base_manager.filter(pk__in=list(before)):
            was, now = _changed(before[obj.pk], snapshot(obj))
            if was or now:
                record(request, name, obj, was, now)
        if total > len(chosen) or not getattr(request, AUDITED_FLAG, False):
            record(request, name, None, {}, {"model": model._meta.label, "selected": total})
        return response

    return run


class AuditedAdmin:
    """Mixed into every ModelAdmin of the site by StaffAdminSite.register."""

    def save_model(self, request: HttpRequest, obj: Model, form: Any, change: bool) -> None:
        before = snapshot(type(obj)._base_manager.get(pk=obj.pk)) if change and obj.pk is not None else {}
        super().save_model(request, obj, form, change)  # type: ignore[misc]
        was, now = _changed(before, snapshot(obj))
        record(request, "change" if change else "add", obj, was, now)

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        record(request, "delete", obj, snapshot(obj), {})
        super().delete_model(request, obj)  # type: ignore[misc]

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            record(request, "delete", obj, snapshot(obj), {})
        super().delete_queryset(request, queryset)  # type: ignore[misc]

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)  # type: ignore[misc]
        return {
            name: (_audited_action(func, name), action_name, description)
            for name, (func, action_name, description) in actions.items()
        }


def audited(admin_class: type) -> type:
    """`admin_class` with AuditedAdmin mixed in (first, so that its methods wrap the class's own)."""
    if issubclass(admin_class, AuditedAdmin):
        return admin_class
    return type(admin_class.__name__, (AuditedAdmin, admin_class), {"__module__": admin_class.__module__})


def audit_posts(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """An admin view that logs a successful POST which logged nothing more precise."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        if (
            request.method == "POST"
            and response.status_code < 400
            and request.user.is_authenticated
            and not getattr(request, AUDITED_FLAG, False)
        ):
            match = request.resolver_match
            record(request, f"post {match.url_name if match else ''}".strip(), None, {}, {})
        return response

    return wrapped
