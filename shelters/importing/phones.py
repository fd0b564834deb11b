"""Telephone numbers from the free text of the city's "keys phone" column.

The column holds what staff typed: "228-57-28", "098-932-49-53, 067 326 48 36", "ЖЕД-6 т. 452-27-29
моб. 093-633-98-94", "380958677589", "(044)543-77-66\\n(098)537-04-97", an owner's name… The text is
kept as published (it is shown as is); `phone_numbers` only finds the numbers that can be dialled
for sure, to make `tel:` links. A digit string it cannot read confidently gives no link rather than
a guessed number: a wrong number at the door of a locked shelter is worse than none.

Rules (Ukraine, country code 380; Kyiv's area code 44):
- 7 digits written 1234567, 123-45-67 or 123 4567, not starting with 0 or 1: a Kyiv number, +38044…;
- 10 digits starting with 0 (0XX XXX XX XX, (044) 543-77-66): a national number, +38…;
- 12 digits starting with 380: international without "+";
- 9 digits starting with a Kyiv or mobile code (44, 50, 63, 66, 67, 68, 73, 91–99): the national
  number without its leading 0;
- 11 digits starting with 80 (the old trunk prefix "8 0XX…"): +3…
A run of digit groups may hold several numbers ("050-311-98-80 294-28-00"); it is read greedily from
the left, taking the longest run of whole groups that forms a number. Once a group cannot start a
number the rest of the run is left alone: re-synchronising in the middle of "0800 211 51 61" would
make up a Kyiv number.
"""

from __future__ import annotations

import re

# Digit groups joined by the separators people use inside a number (space, hyphen, dot, brackets);
# anything else (a letter, a comma, a line break) ends the run.
_RUN = re.compile(r"\d+(?:[ \u00a0\-().]{1,3}\d+)*")
_GROUP = re.compile(r"\d+")
_NINE_DIGIT_CODES = ("44", "50", "63", "66", "67", "68", "73", "91", "92", "93", "94", "95", "96", "97", "98", "99")
_LANDLINE_SHAPES = ((7,), (3, 2, 2), (3, 4))


def _as_number(groups: list[str]) -> str | None:
    """The E.164 form of these digit groups if they make exactly one number, else None."""
    digits = "".join(groups)
    shape = tuple(len(group) for group in groups)
    if len(digits) == 7 and shape in _LANDLINE_SHAPES and digits[0] not in "01":
        return f"+38044{digits}"
    if len(digits) == 10 and digits.startswith("0"):
        return f"+38{digits}"
    if len(digits) == 12 and digits.startswith("380"):
        return f"+{digits}"
    if len(digits) == 9 and digits.startswith(_NINE_DIGIT_CODES):
        return f"+380{digits}"
    if len(digits) == 11 and digits.startswith("80"):
        return f"+3{digits}"
    return None


def phone_numbers(text: str) -> list[str]:
    """Every number in `text` that can be dialled for sure, in E.164 form, in order, without repeats."""
    found: list[str] = []
    for run in _RUN.finditer(text):
        groups = _GROUP.findall(run.group(0))
        start = 0
        while start < len(groups):
            for end in range(len(groups), start, -1):
                number = _as_number(groups[start:end])
                if number is not None:
                    if number not in found:
                        found.append(number)
                    start = end
                    break
            else:
                break
    return found


def looks_like_phone(text: str) -> bool:
    """True when the text is nothing but one or more phone numbers (e.g. in the wrong column)."""
    stripped = re.sub(r"[\d\s\u00a0()+\-.,;]", "", text)
    return stripped == "" and bool(phone_numbers(text))
