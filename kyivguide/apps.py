from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KyivguideConfig(AppConfig):
    name = "kyivguide"
    verbose_name = _("Staff and audit log")
