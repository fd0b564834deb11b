"""API conventions shared by every app: the error format and small input helpers."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, TypeVar

from django.http import HttpRequest, HttpResponseBase, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.parsers import BaseParser
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from kyivguide.http import THROTTLED
from kyivguide.throttling import throttled_message


def _flatten(detail: Any, prefix: str = "") -> list[tuple[str, str]]:
    """ValidationError details are nested dicts/lists; turn them into (field, message) pairs."""
    if isinstance(detail, dict):
        pairs: list[tuple[str, str]] = []
        for key, value in detail.items():
            name = key if key != "non_field_errors" else ""
            pairs.extend(_flatten(value, f"{prefix}.{name}" if prefix and name else (name or prefix)))
        return pairs
    if isinstance(detail, list):
        pairs = []
        for item in detail:
            pairs.extend(_flatten(item, prefix))
        return pairs
    return [(prefix, str(detail))]


def invalid_input(detail: Any) -> dict[str, Any]:
    """The error body of a ValidationError's `detail`; `fields` ({field: [messages]}) points at the bad input."""
    pairs = _flatten(detail)
    fields: dict[str, list[str]] = {}
    for field, message in pairs:
        fields.setdefault(field or "non_field_errors", []).append(message)
    message = "; ".join(f"{field}: {msg}" if field else msg for field, msg in pairs) or _("Invalid input.")
    return {"error": "invalid", "message": message, "fields": fields}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every API error is `{"error": <code>, "message": <one readable sentence>, ...}` with a 4xx,
    its message in the request's language (kyivguide.middleware)."""
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    wait = getattr(exc, "wait", None)  # Throttled's, set by its __init__
    if isinstance(exc, exceptions.Throttled) and wait is not None:
        response.data = {"error": "throttled", "message": throttled_message(int(wait))}
    elif isinstance(exc, exceptions.ValidationError):
        response.data = invalid_input(exc.detail)
    elif isinstance(exc, exceptions.APIException):
        detail = exc.detail
        message = (
            str(detail) if not isinstance(detail, (dict, list)) else "; ".join(m for _field, m in _flatten(detail))
        )
        code = exc.get_codes() if not isinstance(exc.get_codes(), (dict, list)) else exc.default_code
        response.data = {"error": str(code), "message": message}
    if isinstance(exc, exceptions.Throttled):
        THROTTLED.apply(response)
    return response


class FirstRendererNegotiation(BaseContentNegotiation):
    """Views that always answer one way: the first parser and renderer, without reading the headers.

    Used where parsing Accept on every request is wasted work (hot JSON paths) or where errors must
    be JSON whatever the client accepts (the CAP endpoint, whose success is XML).
    """

    def select_parser(self, request: Request, parsers: Iterable[BaseParser]) -> BaseParser | None:
        return next(iter(parsers), None)

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        renderer = next(iter(renderers))
        return renderer, renderer.media_type


class BoundedPagination(LimitOffsetPagination):
    """limit/offset pagination whose numbers are checked like every other parameter: a 400 naming the bad one.

    DRF's own paginator takes any integer as the page size (a huge one reaches PostgreSQL's LIMIT and
    fails there) and quietly falls back to the default for a malformed one.
    """

    max_limit = 1000
    # PostgreSQL's OFFSET is a bigint: past it there is no page to ask for.
    max_offset = 2**63 - 1

    def _number(self, request: Request, name: str, default: int, minimum: int, maximum: int) -> int:
        raw = request.query_params.get(name)
        if raw is None:
            return default
        field = serializers.IntegerField(min_value=minimum, max_value=maximum)
        try:
            return int(field.run_validation(raw))
        except exceptions.ValidationError as error:
            raise exceptions.ValidationError({name: error.detail}) from None

    def get_limit(self, request: Request) -> int:
        assert self.default_limit is not None and self.max_limit is not None
        return self._number(request, self.limit_query_param, self.default_limit, 1, self.max_limit)

    def get_offset(self, request: Request) -> int:
        return self._number(request, self.offset_query_param, 0, 0, self.max_offset)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.limit_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_limit, default=self.default_limit)
                parameter["description"] = f"page size, 1-{self.max_limit} (default {self.default_limit})"
            elif parameter["name"] == self.offset_query_param:
                parameter["schema"].update(minimum=0, maximum=self.max_offset)
        return parameters


def json_error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": code, "message": message}, status=status)


def get_only(view: Callable[[HttpRequest], HttpResponseBase]) -> Callable[[HttpRequest], HttpResponseBase]:
    """A plain JSON view of a hot read path: GET and HEAD only, other methods a JSON 405 (as DRF's views
    answer them, CSRF-exempt like them: nothing here changes state)."""

    @csrf_exempt
    @wraps(view)
    def only_get(request: HttpRequest) -> HttpResponseBase:
        if request.method not in ("GET", "HEAD"):
            response = json_error(
                405, "method_not_allowed", _("Method {method} is not allowed; use GET.").format(method=request.method)
            )
            response["Allow"] = "GET, HEAD"
            return response
        return view(request)

    return only_get


def api_not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return json_error(404, "not_found", _("No API endpoint at {path}.").format(path=request.path))


# --- The schema (drf-spectacular): the error format and the conditional answer, as the views document them.

API_ERROR = inline_serializer(
    "ApiError",
    fields={
        "error": serializers.CharField(help_text="a code: invalid, not_found, …"),
        "message": serializers.CharField(help_text="one readable sentence"),
        "fields": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            required=False,
            help_text="invalid input only: the messages per parameter",
        ),
    },
)
_ERRORS = {
    400: "Invalid input (`error`: `invalid`; `fields` names the parameters).",
    404: "No such object (`error`: `not_found`).",
}
NOT_MODIFIED = OpenApiResponse(
    description="Not modified: the client's If-None-Match (or If-Modified-Since) matches; no body, the same headers."
)


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    return {status: OpenApiResponse(API_ERROR, description=_ERRORS[status]) for status in statuses}


# The one operation kyivguide.throttling leaves alone (README, "Security in the browser and request limits").
UNTHROTTLED_OPERATIONS = frozenset({"status"})


def document_throttling(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: every throttled operation documents its 429 and `Retry-After`."""
    answer = {
        "description": "Too many requests from this client (`error`: `throttled`); `Retry-After` says when to retry.",
        "headers": {
            "Retry-After": {"schema": {"type": "integer", "minimum": 1}, "required": True, "description": "seconds"}
        },
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ApiError"}}},
    }
    for operations in result["paths"].values():
        for operation in operations.values():
            if operation.get("operationId") not in UNTHROTTLED_OPERATIONS:
                operation["responses"]["429"] = answer
    return result


View = TypeVar("View", bound=Callable[..., Any])


def documented_by(schema_view: type[APIView]) -> Callable[[View], View]:
    """Let the schema describe a plain Django view by `schema_view`'s `extend_schema`.

    drf-spectacular documents the URL patterns whose callback names its APIView class in `cls` (what
    `APIView.as_view()` sets); the plain view keeps serving the URL, without DRF's request handling.
    """

    def attach(view: View) -> View:
        view.cls = schema_view  # type: ignore[attr-defined]
        view.initkwargs = {}  # type: ignore[attr-defined]
        return view

    return attach
