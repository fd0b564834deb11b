"""Request language from the URL alone, so that public pages are identical for every visitor; and a
friendly 503 instead of a 500 while PostgreSQL cannot be reached."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

# Machine-facing paths: their messages are in English (data carry both languages), and they must
# not vary by Accept-Language, so that HTTP caches keep one copy.
ENGLISH_PREFIXES = ("/api/", "/feeds/", "/hooks/", "/healthz", "/readyz")


class PathLocaleMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware without content negotiation.

    Ukrainian lives at `/…` and English at `/en/…` (i18n_patterns with prefix_default_language=False).
    The stock middleware also reads the language cookie and Accept-Language and adds
    `Vary: Accept-Language`, which would split every cache entry by browser locale although the
    page only depends on its URL. Here the URL decides, and nothing is added to `Vary`.
    """

    def process_request(self, request: HttpRequest) -> None:
        path = request.path_info
        language = translation.get_language_from_path(path)
        if language is None:
            language = "en" if path.startswith(ENGLISH_PREFIXES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


logger = logging.getLogger(__name__)


class DatabaseUnavailableMiddleware:
    """A view that fails because the database cannot be reached answers 503, never a 500 or a traceback.

    OperationalError and InterfaceError are what the driver raises for a server that is down,
    restarting or unreachable (a bug in a query is a ProgrammingError and stays a 500). The status,
    the home page and the status API do not get here: they answer from the snapshot in Redis.
    Django reconnects on the next request (CONN_HEALTH_CHECKS), so recovery needs nothing.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        logger.warning(
            "database unavailable: %s %s answered 503 (%s)", request.method, request.path, type(exception).__name__
        )
        from kyivguide.views import database_unavailable

        return database_unavailable(request)
