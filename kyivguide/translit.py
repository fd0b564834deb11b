"""Ukrainian → Latin in the official national transliteration.

The table of the Cabinet of Ministers of Ukraine resolution No. 55 (27 January 2010), the one on
passports, road and street signs: є, ї, й, ю, я have one form at the start of a word (Ye, Yi, Y, Yu,
Ya) and another inside it (ie, i, i, iu, ia); "зг" becomes "zgh" so that it is not read as "ж";
the soft sign and apostrophes are dropped.
"""

from __future__ import annotations

import re

_LETTERS = {
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e", "є": "ie", "ж": "zh",
    "з": "z", "и": "y", "і": "i", "ї": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n",
    "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ь": "", "ю": "iu", "я": "ia",
    # Letters of other Cyrillic alphabets found in old Kyiv names: not in the resolution's table,
    # written as the nearest Ukrainian letters are.
    "ы": "y", "э": "e", "ё": "io", "ъ": "",
}  # fmt: skip
_WORD_INITIAL = {"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya"}
_APOSTROPHES = "'’ʼ`´\u02bc"
_UKRAINIAN = re.compile(r"[а-щьюяєіїґА-ЩЬЮЯЄІЇҐ]")


def _is_letter(ch: str) -> bool:
    return ch.isalpha() or ch in _APOSTROPHES


def _cased(latin: str, original: str, next_upper: bool) -> str:
    if not original.isupper() or not latin:
        return latin
    # A capital inside an all-capitals word stays all capitals (ЩУКА → SHCHUKA), otherwise only
    # the first Latin letter is capitalised (Щука → Shchuka).
    return latin.upper() if next_upper else latin[0].upper() + latin[1:]


def transliterate(text: str) -> str:
    """Transliterate Ukrainian text; characters that are not Ukrainian letters are kept as they are.

    >>> transliterate("Київська область")
    'Kyivska oblast'
    >>> transliterate("Згурівська територіальна громада")
    'Zghurivska terytorialna hromada'
    """
    out: list[str] = []
    length = len(text)
    for i, ch in enumerate(text):
        lower = ch.lower()
        if lower in _APOSTROPHES and ch in _APOSTROPHES:
            # Dropped between letters (Кам'янка → Kamianka); anything else is punctuation and kept.
            if 0 < i < length - 1 and _is_letter(text[i - 1]) and text[i + 1].isalpha():
                continue
            out.append(ch)
            continue
        if lower not in _LETTERS:
            out.append(ch)
            continue
        prev = text[i - 1] if i > 0 else ""
        word_start = not (prev and _is_letter(prev))
        if lower == "г" and prev.lower() == "з":
            latin = "gh"
        elif word_start and lower in _WORD_INITIAL:
            latin = _WORD_INITIAL[lower]
        else:
            latin = _LETTERS[lower]
        nxt = text[i + 1] if i + 1 < length else ""
        prev_upper = bool(prev) and prev.isupper()
        next_upper = (bool(nxt) and nxt.isalpha() and nxt.isupper()) or (not nxt.isalpha() and prev_upper)
        out.append(_cased(latin, ch, next_upper))
    return "".join(out)


def has_ukrainian(text: str) -> bool:
    return bool(_UKRAINIAN.search(text))
