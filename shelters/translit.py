"""English addresses as on Kyiv's street signs, built on the official transliteration.

The transliteration itself is kyivguide.translit (shared with the region names). It follows the
table of Cabinet of Ministers of Ukraine resolution No. 55 of
27 January 2010 (the system in Ukrainian passports and on road signs):

- є, ї, й, ю, я are written ye, yi, y, yu, ya at the start of a word and ie, i, i, iu, ia elsewhere
  (Єнакієве → Yenakiieve, Їжакевич → Yizhakevych, Йосипівка → Yosypivka, Юрій → Yurii);
- "зг" is written "zgh" to tell it from "ж" (Згорани → Zghorany);
- the soft sign and the apostrophe are dropped (Знам'янка → Znamianka, Русь → Rus).

"Start of a word" means after anything that is not a letter or an apostrophe, so the part after a
hyphen starts a new word (Івано-Франківськ → Ivano-Frankivsk) while a letter after an apostrophe
does not (Знам'янка). Capitals are kept: a capital Cyrillic letter gives a capitalised Latin group
(Щ → Shch) and a word written in capitals stays in capitals (ЖЕД → ZHED).

English addresses put the street type after the name, abbreviated the way Kyiv's English street
signs do: вулиця → St, проспект → Ave, бульвар → Blvd, провулок → Ln, площа/майдан → Sq,
узвіз → Descent, набережна → Emb, шосе → Hwy, проїзд → Pass, алея → Alley, тупик → Dead End,
дорога → Rd. "Станція метро «X»" becomes "X metro station", "к." (building) becomes "bldg".
"""

from __future__ import annotations

import functools
import re

from kyivguide.translit import transliterate

__all__ = ["STREET_TYPES", "address_en", "transliterate"]

# --- English addresses -----------------------------------------------------------------------------

# Street types as written in the city's addresses (any case, with or without the dot) → sign form.
STREET_TYPES: dict[str, str] = {
    "вул.": "St",
    "вул": "St",
    "вулиця": "St",
    "просп.": "Ave",
    "просп": "Ave",
    "проспект": "Ave",
    "пр-т": "Ave",
    "пр.": "Ave",
    "бульв.": "Blvd",
    "бульв": "Blvd",
    "бульвар": "Blvd",
    "б-р": "Blvd",
    "пров.": "Ln",
    "пров": "Ln",
    "провулок": "Ln",
    "пл.": "Sq",
    "площа": "Sq",
    "майдан": "Sq",
    "узвіз": "Descent",
    "наб.": "Emb",
    "набережна": "Emb",
    "шосе": "Hwy",
    "проїзд": "Pass",
    "алея": "Alley",
    "тупик": "Dead End",
    "дорога": "Rd",
}

_METRO = re.compile(r"^(?:станція|вхід (?:в|до) станці[юї])\s+метро(?:політену)?\s*[«\"“](.+?)[»\"”]?$", re.I)
_BUILDING = re.compile(r"^(?:к\.|корп\.|корпус)\s*(.+)$", re.I)
_JUNCTION = {"перехр.": "junction of", "перехрестя": "junction of", "ріг": "corner of"}


@functools.lru_cache(maxsize=8192)
def _street_en(part: str) -> str:
    """One street: "вул. Антоновича" → "Antonovycha St", "Дніпровська набережна" → "Dniprovska Emb"."""
    words = part.split()
    if len(words) >= 2:
        head, tail = words[0].lower(), words[-1].lower()
        if len(words) >= 3 and head in STREET_TYPES and tail in STREET_TYPES:
            # "вул. Дніпровська набережна": the type that is part of the name is the one on the sign.
            return f"{transliterate(' '.join(words[1:-1]))} {STREET_TYPES[tail]}"
        if head in STREET_TYPES:
            return f"{transliterate(' '.join(words[1:]))} {STREET_TYPES[head]}"
        if tail in STREET_TYPES:
            return f"{transliterate(' '.join(words[:-1]))} {STREET_TYPES[tail]}"
    return transliterate(part)


def _part_en(part: str) -> str:
    metro = _METRO.match(part)
    if metro:
        return f"{transliterate(metro.group(1).strip())} metro station"
    building = _BUILDING.match(part)
    if building:
        return f"bldg {transliterate(building.group(1))}"
    first, _, rest = part.partition(" ")
    prefix = _JUNCTION.get(first.lower())
    if prefix and rest:
        # A junction names two streets: "перехр. вул. А – просп. Б".
        streets = re.split(r"\s+[–—-]\s+", rest)
        return f"{prefix} " + " – ".join(_street_en(street) for street in streets)
    return _street_en(part)


def address_en(address: str) -> str:
    """The English form of a cleaned Ukrainian address ("вул. Антоновича, 10-Б" → "Antonovycha St, 10-B")."""
    return ", ".join(_part_en(part.strip()) for part in address.split(",") if part.strip())
