"""Cleaning single cells of the city's shelter files: vocabularies, addresses, coordinates, hours.

Pure functions, no database; `Rejected` carries the reason a row cannot be used (see clean.py).
"""

from __future__ import annotations

import math
import re
from datetime import time
from typing import Any

from shelters.importing.readers import RawRow

# Kyiv's extent (the OSM city boundary: lat 50.2132–50.5908, lon 30.2364–30.8277) plus about 1 km.
KYIV_LAT = (50.20, 50.60)
KYIV_LON = (30.22, 30.84)

_NULLS = frozenset({"<null>", "null", "none", "nan", "-", "—", "–", "n/a"})
_APOSTROPHES = re.compile(r"['`ʼ´‘]")
_APOSTROPHE_TABLE = str.maketrans(dict.fromkeys("'`ʼ´‘", "’"))
_SPACES = re.compile(r"\s+")


def text(value: str | None) -> str:
    """A cell's text with spaces tidied; "" for the city's ways of writing "missing"."""
    if not value:
        return ""
    # str.split() also splits on non-breaking spaces and line breaks.
    tidy = " ".join(value.split())
    return "" if tidy.lower() in _NULLS else tidy


def apostrophes(value: str) -> str:
    """One apostrophe form (’) for the several the city types."""
    return value.translate(_APOSTROPHE_TABLE)


def vocabulary_key(value: str) -> str:
    """Vocabulary key: lower case, one space, one apostrophe form."""
    return text(value).lower().translate(_APOSTROPHE_TABLE)


# --- vocabularies -------------------------------------------------------------------------------------

KINDS: dict[str, str] = {
    "підвал": "basement",
    "підвальне приміщення": "basement",
    "цокольний поверх": "semi_basement",
    "цокольне приміщення": "semi_basement",
    "підземний паркінг": "underground_parking",
    "підземний перехід": "underpass",
    "станція метро": "metro",
    "станція метрополітену": "metro",
    "вхід в станцію метро": "metro",
    "вхід до станції метро": "metro",
    "інше": "other",
    "перший поверх": "other",
    "укриття": "other",
}
PROTECTIONS: dict[str, str] = {
    "найпростіші укриття": "simplest",
    "найпростіші": "simplest",
    "найпростіше укриття": "simplest",
    "подвійного призначення": "dual_purpose",
    "споруди подвійного призначення": "dual_purpose",
    "споруда подвійного призначення": "dual_purpose",
    "сховище": "shelter",
    "укриття": "shelter",
    "протирадіаційне укриття": "anti_radiation",
    "пру": "anti_radiation",
    # A metro entrance written in the type column says nothing about the protection class.
    "вхід в станцію метро": "",
    "": "",
}
RAMP_PRESENT = frozenset({"в наявності", "наявний", "наявне", "наявна", "обладнано", "є", "так"})
RAMP_ABSENT = frozenset({"відсутній", "відсутнє", "відсутня", "відсутні", "немає", "ні"})
DISTRICTS: dict[str, str] = {
    "голосіївський": "holosiivskyi",
    "дарницький": "darnytskyi",
    "деснянський": "desnianskyi",
    "дніпровський": "dniprovskyi",
    "оболонський": "obolonskyi",
    "печерський": "pecherskyi",
    "подільський": "podilskyi",
    "святошинський": "sviatoshynskyi",
    "солом’янський": "solomianskyi",
    "шевченківський": "shevchenkivskyi",
}
OWNERSHIPS: dict[str, str] = {
    "комунальна": "communal",
    "державна": "state",
    "приватна": "private",
    "інша": "other",
}
# The city's address spellings of street types → the form used on Kyiv's address plates.
_STREET_TYPE_SPELLINGS = [
    (re.compile(r"(?<![\w-])б-р\.?(?=\s)", re.I), "бульв."),
    (re.compile(r"(?<![\w-])бульвар(?=\s)"), "бульв."),
    (re.compile(r"(?<![\w-])(?:пр-т|просп-т|прсп)\.?(?=\s)", re.I), "просп."),
    (re.compile(r"^вул,\s*"), "вул. "),
    (re.compile(r"(?<![\w-])(вул|просп|пров|бульв)(?=\s)"), r"\1."),
    (re.compile(r"(?<![\w-])пр\.(?=\s)"), "просп."),
    (re.compile(r"(?<![\w-])проспект(?=\s)"), "просп."),
    (re.compile(r"(?<![\w-])вулиця(?=\s)"), "вул."),
    (re.compile(r"(?<![\w-])провулок(?=\s)"), "пров."),
    (re.compile(r"(?<![\w-])(вул|просп|пров|бульв|пл)\.(?=\S)"), r"\1. "),
]
_CITY_PREFIX = re.compile(r"^(?:м\.\s*київ|київ|м\.\s*київ\s*-)\s*,?\s*", re.I)
_SCHEDULE = re.compile(r"з\s*(\d{1,2})[:.](\d{2})\s*(?:год\.?\s*)?до\s*(\d{1,2})[:.](\d{2})", re.I)
_RAMP_IN_KIND = re.compile(r"\s+з\s+пандусом\b")
_EDUCATION_SUFFIX = re.compile(r"\s+оз$")


# A rejection's detail quotes the cell; a garbage cell can be 100,000 characters long.
MAX_DETAIL = 200


class Rejected(Exception):
    def __init__(self, reason: str, detail: str) -> None:
        if len(detail) > MAX_DETAIL:
            detail = detail[:MAX_DETAIL] + "…"
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


# --- field cleaners -----------------------------------------------------------------------------------


def clean_address(value: str) -> str:
    address = _APOSTROPHES.sub("’", text(value))
    address = _CITY_PREFIX.sub("", address)
    for pattern, replacement in _STREET_TYPE_SPELLINGS:
        address = pattern.sub(replacement, address)
    address = re.sub(r"\s*,\s*", ", ", address).strip(" ,")
    return _SPACES.sub(" ", address)


def _number(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError("a boolean is not a coordinate")
    if isinstance(value, int | float):
        return float(value)
    return float(str(value).strip().replace(",", "."))


def _inside_kyiv(lat: float, lon: float) -> bool:
    return KYIV_LAT[0] <= lat <= KYIV_LAT[1] and KYIV_LON[0] <= lon <= KYIV_LON[1]


def clean_coordinates(row: RawRow) -> tuple[float, float, list[str]]:
    """(lat, lon, fixes) from the row's geometry or columns; Rejected when there is no usable location."""
    if row.geometry_problem:
        raise Rejected("bad_coordinates", f"unusable geometry: {row.geometry_problem}")
    if row.geometry is not None:
        raw_lon, raw_lat = row.geometry
    else:
        raw_lat, raw_lon = text(row.values.get("lat")), text(row.values.get("lon"))
        if not raw_lat and not raw_lon:
            pair = re.fullmatch(r"(-?\d+(?:\.\d+)?)\s*[,;]\s*(-?\d+(?:\.\d+)?)", text(row.values.get("coord_text")))
            if pair is None:
                raise Rejected("no_coordinates", "no coordinates")
            raw_lat, raw_lon = pair.group(1), pair.group(2)
    if raw_lat in ("", None) or raw_lon in ("", None):
        raise Rejected("no_coordinates", "no coordinates")
    try:
        lat, lon = _number(raw_lat), _number(raw_lon)
    except (TypeError, ValueError):
        raise Rejected("bad_coordinates", f"unparseable coordinates lat={raw_lat!r} lon={raw_lon!r}") from None
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise Rejected("bad_coordinates", f"unparseable coordinates lat={raw_lat!r} lon={raw_lon!r}")
    if lat == 0 and lon == 0:
        raise Rejected("no_coordinates", "no coordinates (0, 0)")
    if _inside_kyiv(lat, lon):
        return lat, lon, []
    if _inside_kyiv(lon, lat):
        return lon, lat, [f"swapped coordinates ({lat}, {lon}) → ({lon}, {lat})"]
    raise Rejected("outside_kyiv", f"coordinates lat={lat} lon={lon} are outside Kyiv")


def clean_kind(value: str) -> tuple[str, bool]:
    """(kind, has a ramp) from the city's "Вид укриття"; Rejected for a value we do not know."""
    key = vocabulary_key(value)
    ramp = bool(_RAMP_IN_KIND.search(key))
    key = _EDUCATION_SUFFIX.sub("", _RAMP_IN_KIND.sub("", key))
    if key not in KINDS:
        raise Rejected("unknown_kind", f"unknown kind {text(value)!r}" if text(value) else "no kind")
    return KINDS[key], ramp


def clean_protection(value: str) -> str:
    key = vocabulary_key(value)
    if key not in PROTECTIONS:
        raise Rejected("unknown_type", f"unknown shelter type {text(value)!r}")
    return PROTECTIONS[key]


def clean_hours(value: str) -> tuple[str, time | None, time | None]:
    """(opening_hours, opens_at, closes_at) from "Режим роботи"."""
    key = vocabulary_key(value)
    if not key:
        return "unknown", None, None
    if key.startswith("цілодобово") or key in {"24/7", "24 години"}:
        return "always", None, None
    if "навчального дня" in key or "освітнього процесу" in key:
        return "school", None, None
    schedule = _SCHEDULE.search(key)
    if schedule:
        h1, m1, h2, m2 = (int(g) for g in schedule.groups())
        if h1 < 24 and h2 <= 24 and m1 < 60 and m2 < 60:
            return "schedule", time(h1, m1), time(0, 0) if h2 == 24 else time(h2, m2)
    return "unknown", None, None


def ramp_value(value: str) -> bool | None:
    key = vocabulary_key(value)
    if key in RAMP_PRESENT:
        return True
    if key in RAMP_ABSENT:
        return False
    return None


def capitalised(value: str) -> str:
    tidy = text(value)
    return tidy[:1].upper() + tidy[1:]


def join(*values: str) -> str:
    seen: list[str] = []
    for value in values:
        if value and value not in seen:
            seen.append(value)
    return "; ".join(seen)
