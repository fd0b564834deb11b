"""Request language from the URL alone, so that public pages are identical for every visitor."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

# Machine-facing paths: their messages are in English (data carry both languages), and they must
# not vary by Accept-Language, so that HTTP caches keep one copy.
ENGLISH_PREFIXES = ("/api/", "/feeds/", "/healthz", "/readyz")


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
