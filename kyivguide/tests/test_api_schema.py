"""The API schema (/api/schema/) documents every endpoint, without a single drf-spectacular warning."""

from __future__ import annotations

import re
from typing import Any

from django.urls import URLPattern, resolve
from drf_spectacular.checks import schema_check
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

from alerts import api_urls as alerts_api_urls
from alerts.api.status import status_view
from push import api_urls as push_api_urls
from shelters import api_urls as shelters_api_urls

# Every operation and the answers it gives (the 304s where a conditional request is honoured; the 429 of
# the throttling everywhere but on the status: README, "Security in the browser and request limits").
RESPONSES = {
    "/api/v1/status": {"200", "304"},
    "/api/v1/status/{uid}": {"200", "304", "404", "429"},
    "/api/v1/locate": {"200", "400", "429"},
    "/api/v1/regions": {"200", "304", "400", "429"},
    "/api/v1/regions/{uid}": {"200", "400", "404", "429"},
    "/api/v1/regions/map": {"200", "304", "429"},
    "/api/v1/regions/{uid}/history": {"200", "400", "404", "429"},
    "/api/v1/alerts": {"200", "400", "429"},
    "/api/v1/advisories": {"200", "304", "400", "429"},
    "/api/v1/advisories/{advisory_id}": {"200", "304", "404", "429"},
    "/api/v1/advisories/{advisory_id}/cap": {"200", "304", "404", "429"},
    "/api/v1/shelters": {"200", "304", "400", "429"},
    "/api/v1/shelters/nearest": {"200", "400", "429"},
    "/api/v1/shelters/{shelter_id}": {"200", "404", "429"},
}
# The operations that write ({method: answers}): anonymous shelter reports, push subscriptions.
WRITES = {
    "/api/v1/shelters/{shelter_id}/reports": {"post": {"201", "400", "404", "429", "503"}},
    "/api/v1/push/subscriptions": {"post": {"200", "201", "400", "429", "503"}},
    "/api/v1/push/subscriptions/{handle}": {"delete": {"204", "404", "429"}},
}


def schema() -> dict[str, Any]:
    return SchemaGenerator().get_schema(request=None, public=True)


def test_generating_the_schema_gives_no_drf_spectacular_warning_or_error() -> None:
    # The check `manage.py check --deploy` runs: any warning or error of the generator is one of its messages.
    GENERATOR_STATS.reset()

    messages = [f"{message.id}: {message.msg}" for message in schema_check(None)]

    assert messages == []


def test_every_api_route_is_an_operation_with_its_answers() -> None:
    document = schema()
    validate_schema(document)
    routes = {
        "/api/v1/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(pattern.pattern))
        for module in (alerts_api_urls, shelters_api_urls, push_api_urls)
        for pattern in module.urlpatterns
        if isinstance(pattern, URLPattern)
    }

    assert routes == set(RESPONSES) | set(WRITES)
    assert {path: set(operations) for path, operations in document["paths"].items()} == {
        **{path: {"get"} for path in RESPONSES},
        **{path: set(methods) for path, methods in WRITES.items()},
    }
    assert {path: set(document["paths"][path]["get"]["responses"]) for path in RESPONSES} == RESPONSES
    for path, methods in WRITES.items():
        for method, answers in methods.items():
            assert set(document["paths"][path][method]["responses"]) == answers, (path, method)
    operations = [(path, "get", answers) for path, answers in RESPONSES.items()]
    operations += [(path, m, answers) for path, methods in WRITES.items() for m, answers in methods.items()]
    for path, method, answers in operations:
        responses = document["paths"][path][method]["responses"]
        for code in answers & {"400", "404", "429"}:
            assert responses[code]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/ApiError"
            }, (path, code)


def test_the_status_operation_is_documented_while_the_plain_view_serves_it() -> None:
    operation = schema()["paths"]["/api/v1/status"]["get"]

    # The hot path stays a plain Django view: the URL resolves to the function itself, not to a DRF view.
    assert resolve("/api/v1/status").func is status_view
    assert operation["operationId"] == "status"
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Status"
    }
