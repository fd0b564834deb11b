"""`{% push_config %}`: the data the "Notify me" controls' script reads (a JSON data block, no code)."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils.html import json_script
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def push_config() -> SafeString:
    return json_script(
        {
            "key": settings.VAPID_PUBLIC_KEY,
            "lang": "en" if get_language() == "en" else "uk",
            "api": reverse("push-api-subscriptions"),
            "messages": {
                "on": _("Notifications are on for this region."),
                "off": _("Notifications are off."),
                "denied": _("Notifications are blocked for this site: allow them in the browser's settings."),
                "failed": _("Could not turn notifications on. Try again later."),
                "stopFailed": _("Could not stop the notifications now. Try again when you are online."),
            },
        },
        "push-config",
    )
