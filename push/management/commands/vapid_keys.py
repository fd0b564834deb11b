"""`manage.py vapid_keys`: a new VAPID key pair, as the environment lines to set."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from push.services import vapid_keys_generate


class Command(BaseCommand):
    help = "Generate a VAPID key pair for Web Push; prints VAPID_PRIVATE_KEY=… and VAPID_PUBLIC_KEY=… lines."

    def handle(self, *args: Any, **options: Any) -> None:
        private, public = vapid_keys_generate()
        self.stdout.write(f"VAPID_PRIVATE_KEY={private}\nVAPID_PUBLIC_KEY={public}\n")
