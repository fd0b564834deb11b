from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PushConfig(AppConfig):
    name = "push"
    verbose_name = _("Push notifications")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from alerts.signals import alerts_changed
        from push.services import push_events_from_alert_changes

        alerts_changed.connect(push_events_from_alert_changes, dispatch_uid="push.events")
