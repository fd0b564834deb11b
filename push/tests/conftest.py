"""Fixtures of the push tests: a local push service, browser-like subscriber keys, VAPID keys, a worker."""

from __future__ import annotations

import base64
import json
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import http_ece
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from alerts.tests.conftest import ingest_env
from kyivguide.testing import FakePushService, FakeUpstream, ManagedProcess, PushMessage, start_worker
from push.services import vapid_keys_generate

PUSH_QUEUE = f"kyivguide-test-{os.getpid()}-push"
VAPID_PRIVATE, VAPID_PUBLIC = vapid_keys_generate()


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@dataclass
class Browser:
    """A subscriber as a browser is one: its own P-256 key pair and auth secret, and an endpoint."""

    name: str
    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes

    @property
    def p256dh(self) -> str:
        return b64url(
            self.private_key.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
        )

    def subscription(self) -> dict[str, Any]:
        keys = {"p256dh": self.p256dh, "auth": b64url(self.auth)}
        return {"endpoint": self.endpoint, "expirationTime": None, "keys": keys}

    def read(self, message: PushMessage) -> dict[str, Any]:
        """Decrypt what the push service received for it (RFC 8291, aes128gcm)."""
        plain = http_ece.decrypt(message.body, private_key=self.private_key, auth_secret=self.auth, version="aes128gcm")
        result: dict[str, Any] = json.loads(plain)
        return result


@pytest.fixture
def push_service() -> Iterator[FakePushService]:
    service = FakePushService().start()
    yield service
    service.stop()


@pytest.fixture
def new_browser(push_service: FakePushService) -> Any:
    def make(name: str) -> Browser:
        key = ec.generate_private_key(ec.SECP256R1())
        return Browser(name, push_service.endpoint(name), key, secrets.token_bytes(16))

    return make


@pytest.fixture
def vapid(settings: Any) -> None:
    settings.VAPID_PRIVATE_KEY, settings.VAPID_PUBLIC_KEY = VAPID_PRIVATE, VAPID_PUBLIC
    settings.VAPID_SUBJECT = "mailto:ops@kyivguide.test"


@pytest.fixture(scope="session")
def push_upstream() -> Iterator[FakeUpstream]:
    server = FakeUpstream().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def push_worker(
    django_db_setup: Any, django_db_blocker: Any, push_upstream: FakeUpstream, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ManagedProcess]:
    """A real worker that polls the fake alert upstream and sends the notifications (its own queue)."""
    env = {
        **ingest_env(push_upstream),
        "VAPID_PRIVATE_KEY": VAPID_PRIVATE,
        "VAPID_PUBLIC_KEY": VAPID_PUBLIC,
        "VAPID_SUBJECT": "mailto:ops@kyivguide.test",
    }
    with django_db_blocker.unblock():
        worker = start_worker(tmp_path_factory.mktemp("push-worker"), env=env, queue=PUSH_QUEUE)
    yield worker
    worker.stop()
