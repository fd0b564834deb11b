"""Fill the English catalogues' empty entries with their source text.

    python deploy/english_po.py        (`make messages-en`, after `makemessages`)

The source strings are English, so an English entry says what its msgid says (a plural entry: the
msgid and msgid_plural). Filled in, the English .po files can be checked like the Ukrainian ones: no
entry left empty or fuzzy (kyivguide/tests/test_translations.py). A fuzzy English entry is a source
string that changed; it is refilled from the new text. gettext's msgcat then wraps the file as
makemessages does, so that the next makemessages changes nothing.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = sorted((ROOT / "locale" / "en" / "LC_MESSAGES").glob("*.po"))


def fill(path: Path) -> int:
    catalogue = polib.pofile(str(path))
    filled = 0
    for entry in catalogue:
        if entry.obsolete:
            continue
        fuzzy = "fuzzy" in entry.flags
        if entry.msgid_plural and (fuzzy or not all(entry.msgstr_plural.values())):
            entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
        elif not entry.msgid_plural and (fuzzy or not entry.msgstr):
            entry.msgstr = entry.msgid
        else:
            continue
        if fuzzy:
            entry.flags.remove("fuzzy")
        entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
        filled += 1
    if filled:
        catalogue.save()
        subprocess.run(["msgcat", "--no-location", "-o", str(path), str(path)], check=True)
    return filled


if __name__ == "__main__":
    for path in CATALOGUES:
        print(f"{path.relative_to(ROOT)}: {fill(path)} entries filled")
