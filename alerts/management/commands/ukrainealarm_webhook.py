"""Register this deployment's webhook with api.ukrainealarm.com (POST /api/v3/webhook), change it or remove it.

    manage.py ukrainealarm_webhook register --site https://kyivguide.example
    manage.py ukrainealarm_webhook update --site https://new.example
    manage.py ukrainealarm_webhook unregister --site https://kyivguide.example

The URL sent is <site>/hooks/ukrainealarm/<UKRAINEALARM_WEBHOOK_SECRET>; neither it nor the API key is printed.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

METHODS = {"register": "POST", "update": "PATCH", "unregister": "DELETE"}


def webhook_url(site: str) -> str:
    path = reverse("ukrainealarm-webhook", args=[settings.UKRAINEALARM_WEBHOOK_SECRET])
    return site.rstrip("/") + path


class Command(BaseCommand):
    help = "Register (or update, or remove) the ukrainealarm webhook of this deployment with the upstream."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=sorted(METHODS))
        parser.add_argument("--site", required=True, help="the public origin the upstream calls, https://…")

    def handle(self, *args: Any, action: str, site: str, **options: Any) -> None:
        if not settings.UKRAINEALARM_API_KEY:
            raise CommandError("UKRAINEALARM_API_KEY is not set")
        if not settings.UKRAINEALARM_WEBHOOK_SECRET:
            raise CommandError("UKRAINEALARM_WEBHOOK_SECRET is not set: there is no webhook to register")
        where = urlsplit(site)
        local = where.hostname in ("127.0.0.1", "localhost")
        scheme_ok = where.scheme == "https" or (local and where.scheme == "http")
        if not scheme_ok or not where.hostname or where.path.strip("/"):
            raise CommandError("--site must be an https origin without a path, e.g. https://kyivguide.example")
        endpoint = f"{settings.UKRAINEALARM_BASE_URL}webhook"
        timeout = (settings.ALERT_HTTP_CONNECT_TIMEOUT, settings.ALERT_HTTP_READ_TIMEOUT)
        try:
            response = requests.request(
                METHODS[action],
                endpoint,
                json={"webHookUrl": webhook_url(site)},
                headers={"Authorization": settings.UKRAINEALARM_API_KEY, "Accept": "application/json"},
                timeout=timeout,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            raise CommandError(f"{METHODS[action]} {endpoint}: {type(exc).__name__}") from None
        if response.status_code >= 300:
            raise CommandError(f"{METHODS[action]} {endpoint}: HTTP {response.status_code}")
        self.stdout.write(f"{action}: done (HTTP {response.status_code}) for {site.rstrip('/')}/hooks/ukrainealarm/…")
