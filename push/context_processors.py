"""The VAPID public key for the pages' "Notify me" button (empty when push is not configured)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def push(request: HttpRequest) -> dict[str, str]:
    return {"push_public_key": settings.VAPID_PUBLIC_KEY if settings.VAPID_PRIVATE_KEY else ""}
