"""The periodic import of the city's live shelter layer (SHELTERS_SOURCE_URL)."""

from __future__ import annotations

import logging
from datetime import datetime

import requests
from django.conf import settings
from django.utils import timezone

from shelters.models import ShelterImport
from shelters.services.import_summary import ImportFailed, ImportRefused, ImportSummary, log_import
from shelters.services.imports import shelters_import_bytes

logger = logging.getLogger(__name__)

# A download larger than this is not the city's shelter list (the 2022 GeoJSON is 2.5 MB).
MAX_DOWNLOAD_BYTES = 64 * 1024 * 1024


def _record_failure(*, source: str, origin: str, message: str, started_at: datetime) -> ImportSummary:
    summary = ImportSummary(source=source, origin=origin, outcome=ShelterImport.Outcome.FAILED, message=message)
    log_import(summary, sha256="", started_at=started_at)
    logger.error("shelter import from %s failed, the last good data stays: %s", origin, message)
    return summary


def _download(url: str, *, timeout: float) -> bytes:
    with requests.get(url, timeout=timeout, stream=True, headers={"Accept": "application/geo+json, */*"}) as response:
        response.raise_for_status()
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_content(chunk_size=65536):
            size += len(chunk)
            if size > MAX_DOWNLOAD_BYTES:
                raise ImportFailed(f"the download is larger than {MAX_DOWNLOAD_BYTES} bytes")
            chunks.append(chunk)
    return b"".join(chunks)


def shelters_import_from_url(*, url: str, source: str, timeout: float | None = None) -> ImportSummary:
    """The periodic import: download, then import with the usual rules (never forced).

    A failed download, an unreadable document or a refused import changes no shelter: the last good
    data stays, the failure is logged and recorded as a ShelterImport.
    """
    started_at = timezone.now()
    try:
        data = _download(url, timeout=timeout or settings.SHELTERS_DOWNLOAD_TIMEOUT_S)
        return shelters_import_bytes(data=data, name=url, source=source, origin=url)
    except ImportRefused as refused:
        return refused.summary
    except (requests.RequestException, ImportFailed) as exc:
        return _record_failure(source=source, origin=url, message=str(exc), started_at=started_at)
