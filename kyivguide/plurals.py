"""Plural forms for the browser: a message's forms keyed by the CLDR category the page picks them by.

The browser has no translation catalogue of its own (its strings come in the page's JSON), and a
Ukrainian count has three forms for whole numbers ("1 укриття", "2 укриття", "5 укриттів"). The page's
script asks `Intl.PluralRules` for the category of its number ("one", "few", "many", "other") and takes
that form; here each category's form is gettext's own answer for a whole number in that category, so
the catalogue's plural formula and the browser's rules give the same text (a browser test compares
them for 0–250 in both languages).
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import get_language

# A whole number of each category a language's whole numbers fall into (CLDR plural rules).
CATEGORY_SAMPLES = {
    "uk": {"one": 1, "few": 2, "many": 5},
    "en": {"one": 1, "other": 2},
}


def plural_forms(message: Callable[[int], str]) -> dict[str, str]:
    """`{category: text}` in the active language for `message`, a `lambda n: ngettext(singular, plural, n)`.

    (A lambda, so that makemessages finds the ngettext call and its two strings.)
    """
    samples = CATEGORY_SAMPLES.get(get_language() or "", CATEGORY_SAMPLES["en"])
    return {category: message(n) for category, n in samples.items()}
