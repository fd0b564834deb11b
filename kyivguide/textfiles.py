"""Saying why a data file is not UTF-8 text (shared by the shelter and the region imports)."""

from __future__ import annotations


def not_utf8_message(error: UnicodeDecodeError, *, offset: int, line: int) -> str:
    """Name the byte and its line, and say so when the text looks like Windows-1251 Cyrillic.

    The city's spreadsheets are sometimes saved as Windows-1251. It is guessed, never assumed: any
    byte string "decodes" as cp1251, so the guess needs a few Cyrillic letters and the non-ASCII
    characters around the bad byte to be nearly all Cyrillic (random bytes give about half).
    """
    bad = error.object[error.start]
    sample = error.object[max(error.start - 2000, 0) : error.start + 2000].decode("cp1251", errors="replace")
    non_ascii = [char for char in sample if ord(char) > 127]
    cyrillic = sum(1 for char in non_ascii if "\u0400" <= char <= "\u04ff")
    message = f"the file is not UTF-8 text: byte 0x{bad:02X} at line {line} (byte {offset:,} of the file) is not UTF-8"
    if cyrillic >= 8 and cyrillic >= 0.95 * len(non_ascii):
        message += (
            "; it looks like Windows-1251 (cp1251) Cyrillic text: save it as UTF-8 "
            "(e.g. iconv -f cp1251 -t utf-8) and import it again"
        )
    return message
