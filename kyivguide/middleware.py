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
from django.utils.cache import patch_vary_headers
from django.utils.translation.trans_real import parse_accept_lang_header

# Machine-facing paths outside the API's operations (the OpenAPI schema and its docs page included:
# one document for everybody): in English, and never varying by Accept-Language.
ENGLISH_PREFIXES = ("/api/schema/", "/api/docs/", "/feeds/", "/hooks/", "/healthz", "/readyz")
API_PREFIX = "/api/"


def negotiates_language(path: str) -> bool:
    """Whether the language of `path`'s errors follows Accept-Language (the API's operations)."""
    return path.startswith(API_PREFIX) and not path.startswith(ENGLISH_PREFIXES)


# What an API client gets when its Accept-Language names neither language (or is absent).
API_DEFAULT_LANGUAGE = "en"


def api_language(accept_language: str) -> str:
    """The API's language for an Accept-Language header: the first of uk / en by the client's preference.

    `uk-UA` counts as `uk`, `en-GB` as `en`; `*`, other languages and a malformed header give English.
    """
    available = {code for code, _ in settings.LANGUAGES}
    for tag, _quality in parse_accept_lang_header(accept_language[:255]):
        primary = tag.split("-")[0]
        if primary in available:
            return primary
    return API_DEFAULT_LANGUAGE


class PathLocaleMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware without content negotiation.

    Ukrainian lives at `/…` and English at `/en/…` (i18n_patterns with prefix_default_language=False).
    The stock middleware also reads the language cookie and Accept-Language and adds
    `Vary: Accept-Language`, which would split every cache entry by browser locale although the
    page only depends on its URL. Here the URL decides, and nothing is added to `Vary`.

    The API is the exception: its error messages follow Accept-Language (`api_language`), and only
    its error answers say so in `Vary`. Its other answers are the same bytes in every language (data
    carry both, `name_uk` / `name_en`), say `Content-Language: en` whatever was asked, and do not
    vary, so that caches keep one copy of each (kyivguide/tests/test_api_language.py checks both).
    """

    def process_request(self, request: HttpRequest) -> None:
        path = request.path_info
        language = translation.get_language_from_path(path)
        if language is None:
            if negotiates_language(path):
                language = api_language(request.headers.get("Accept-Language", ""))
            elif path.startswith(ENGLISH_PREFIXES):
                language = "en"
            else:
                language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if negotiates_language(request.path_info):
            if response.status_code >= 400:
                response.headers.setdefault("Content-Language", translation.get_language())
                patch_vary_headers(response, ("Accept-Language",))
            else:
                response.headers.setdefault("Content-Language", API_DEFAULT_LANGUAGE)
            return response
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
