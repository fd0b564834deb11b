"""The API's request parser.

Its own module, not kyivguide.api: DEFAULT_PARSER_CLASSES is imported while rest_framework.views
loads, which kyivguide.api imports.
"""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.parsers import JSONParser


class TranslatedJSONParser(JSONParser):
    """DRF's JSON parser, whose parse error says where the body went wrong in the request's language
    (DRF's own passes on the English message of Python's json module)."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except exceptions.ParseError as error:
            cause = error.__cause__ or error.__context__
            if isinstance(cause, json.JSONDecodeError):
                message = _("The body is not valid JSON (line {line}, column {column}).").format(
                    line=cause.lineno, column=cause.colno
                )
            else:
                message = _("The body is not valid JSON.")
            raise exceptions.ParseError(message) from None
