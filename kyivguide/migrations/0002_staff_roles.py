"""The staff roles as groups: editor, publisher, approver, operator, admin (README, "Staff roles").

Permissions are created after migrations (post_migrate), so this migration creates the ones it
needs first; re-running it (or a later one) only adds what is missing.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.management import create_permissions
from django.db import migrations

# group: [(app_label, codename), ...]; "admin" gets every permission there is.
ROLES: dict[str, list[tuple[str, str]]] = {
    "editor": [
        ("shelters", "view_shelter"),
        ("shelters", "change_shelter"),
        ("shelters", "view_shelterimport"),
        ("shelters", "add_shelterimport"),
        ("shelters", "view_shelterreport"),
        ("shelters", "change_shelterreport"),
    ],
    "publisher": [
        ("alerts", "view_region"),
        ("alerts", "add_advisory"),
        ("alerts", "change_advisory"),
        ("alerts", "view_advisory"),
        ("alerts", "publish_advisory"),
        ("alerts", "view_advisoryevent"),
    ],
    "approver": [
        ("alerts", "view_region"),
        ("alerts", "view_advisory"),
        ("alerts", "change_advisory"),
        ("alerts", "approve_advisory"),
        ("alerts", "view_advisoryevent"),
    ],
    "operator": [
        ("alerts", "view_feedsource"),
        ("alerts", "change_feedsource"),
        ("alerts", "view_alert"),
        ("alerts", "view_region"),
        ("django_celery_beat", "view_periodictask"),
        ("django_celery_beat", "change_periodictask"),
    ],
}


def create_roles(apps: Any, schema_editor: Any) -> None:
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for name, permissions in ROLES.items():
        group, _ = group_model.objects.get_or_create(name=name)
        for app_label, codename in permissions:
            group.permissions.add(permission_model.objects.get(content_type__app_label=app_label, codename=codename))
    admin, _ = group_model.objects.get_or_create(name="admin")
    admin.permissions.add(*permission_model.objects.all())


class Migration(migrations.Migration):
    dependencies = [
        ("kyivguide", "0001_staff_audit_log"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("alerts", "0002_advisories"),
        ("shelters", "0006_reports"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
