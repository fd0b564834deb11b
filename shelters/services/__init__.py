"""Writes of the shelters app: imports (imports.py, with import_summary.py and import_stations.py; remote.py),
the catalogue version and staff decisions (catalogue.py)."""

from __future__ import annotations

from shelters.services.catalogue import (
    shelter_catalogue_bump,
    shelter_mark_verified,
    shelter_set_active,
    shelter_set_status,
)
from shelters.services.import_summary import ImportFailed, ImportRefused, ImportSummary
from shelters.services.imports import (
    DEFAULT_CITY_SOURCE,
    DEFAULT_METRO_SOURCE,
    IMPORT_FIELDS,
    default_source,
    shelters_import,
    shelters_import_bytes,
    shelters_import_file,
    shelters_import_stream,
)
from shelters.services.remote import shelters_import_from_url

__all__ = [
    "DEFAULT_CITY_SOURCE",
    "DEFAULT_METRO_SOURCE",
    "IMPORT_FIELDS",
    "ImportFailed",
    "ImportRefused",
    "ImportSummary",
    "default_source",
    "shelter_catalogue_bump",
    "shelter_mark_verified",
    "shelter_set_active",
    "shelter_set_status",
    "shelters_import",
    "shelters_import_bytes",
    "shelters_import_file",
    "shelters_import_from_url",
    "shelters_import_stream",
]
