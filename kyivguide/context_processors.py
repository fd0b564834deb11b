from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import translate_url
from django.utils.translation import get_language_info

# Each language is named in itself, so that a reader finds theirs whatever the page's language.
# ("UK" would read as the United Kingdom, hence the Ukrainian abbreviation.)
SHORT_NAMES = {"uk": "УКР", "en": "EN"}


def site(request: HttpRequest) -> dict[str, Any]:
    """What every page template needs: the same page in each language, and the emergency numbers."""
    path = request.get_full_path()
    return {
        "language_links": [
            {
                "code": code,
                "name": get_language_info(code)["name_local"],
                "short": SHORT_NAMES.get(code, code.upper()),
                "url": translate_url(path, code),
            }
            for code, _name in settings.LANGUAGES
        ],
        "emergency_numbers": EMERGENCY_NUMBERS,
    }


# Ukraine's emergency numbers: 101 rescue (State Emergency Service), 102 police, 103 ambulance,
# 104 gas emergency, 112 the single emergency number.
EMERGENCY_NUMBERS = ("101", "102", "103", "104", "112")
