"""Schemathesis over every operation of /api/schema/: no server error, answers as documented."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from alerts.models import Advisory, Region
from alerts.tests.factories import AlertFactory, FeedSourceFactory
from shelters.tests.factories import ShelterFactory

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
# What the API promises: no 5xx, and every answer as the schema documents it (status, type, body,
# headers). Not whether each schema-valid input is accepted: the schema does not spell out every
# rule (a bbox's four numbers, the known kinds in a comma-separated list).
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


@pytest.fixture
def data(regions: dict[int, Region], published: Callable[..., Advisory]) -> Iterator[None]:
    """Something for every endpoint to find: regions with boundaries, an alert, a shelter, an advisory."""
    AlertFactory.create(region=regions[31], source=FeedSourceFactory.create())
    ShelterFactory.create()
    published(regions=[regions[31]])
    # The WSGI handler closes the connection after each request, and with it the test's transaction
    # (Django's test client unhooks the same signal handlers while it makes a request).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        # Generated requests come faster than any client's: the throttle stays on, with room for them all
        # (kyivguide/tests/test_throttling.py tests it; its 429 is documented for every operation).
        # With VAPID keys set, so that the push subscriptions are validated rather than refused with a 503.
        with override_settings(
            API_THROTTLE_RATES=dict.fromkeys(("read", "write", "csp-report"), "100000/min"),
            VAPID_PRIVATE_KEY="fuzz-private",
            VAPID_PUBLIC_KEY="fuzz-public",
        ):
            yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=20,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_every_operation_answers_as_documented(data: None, case: Any) -> None:
    # Uncompressed: the WSGI transport hands the body back as sent, and compression is the edge tests' subject.
    case.call_and_validate(checks=CHECKS, headers={"Accept-Encoding": "identity"})
