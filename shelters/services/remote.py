"""The periodic import of the city's live shelter layer (SHELTERS_SOURCE_URL)."""

from __future__ import annotations

import logging
import tempfile
from datetime import datetime
from typing import IO

import requests
from django.conf import settings
from django.utils import timezone

from shelters.models import ShelterImport
from shelters.services.import_summary import ImportFailed, ImportRefused, ImportSummary, log_import
from shelters.services.imports import import_max_bytes, shelters_import_stream

logger = logging.getLogger(__name__)


def _record_failure(*, source: str, origin: str, message: str, started_at: datetime) -> ImportSummary:
    summary = ImportSummary(source=source, origin=origin, outcome=ShelterImport.Outcome.FAILED, message=message)
    log_import(summary, sha256="", started_at=started_at)
    logger.error("shelter import from %s failed, the last good data stays: %s", origin, message)
    return summary


def _too_large() -> ImportFailed:
    return ImportFailed(
        f"the download is larger than the import limit of {settings.SHELTERS_IMPORT_MAX_MB} MB (SHELTERS_IMPORT_MAX_MB)"
    )


def _download(url: str, *, timeout: float, into: IO[bytes]) -> None:
    """Stream the body into a file, refusing one over the limit without reading it all."""
    limit = import_max_bytes()
    with requests.get(url, timeout=timeout, stream=True, headers={"Accept": "application/geo+json, */*"}) as response:
        response.raise_for_status()
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            raise _too_large()
        size = 0
        for chunk in response.iter_content(chunk_size=65536):
            size += len(chunk)
            if size > limit:
                raise _too_large()
            into.write(chunk)


def shelters_import_from_url(*, url: str, source: str, timeout: float | None = None) -> ImportSummary:
    """The periodic import: download, then import with the usual rules (never forced).

    A failed download, an unreadable document or a refused import changes no shelter: the last good
    data stays, the failure is logged and recorded as a ShelterImport.
    """
    started_at = timezone.now()
    try:
        # On disk past 1 MB: a download near the limit is not held in memory while it is parsed.
        with tempfile.SpooledTemporaryFile(max_size=1 << 20) as body:
            _download(url, timeout=timeout or settings.SHELTERS_DOWNLOAD_TIMEOUT_S, into=body)
            return shelters_import_stream(stream=body, name=url, source=source, origin=url)
    except ImportRefused as refused:
        return refused.summary
    except (requests.RequestException, ImportFailed) as exc:
        return _record_failure(source=source, origin=url, message=str(exc), started_at=started_at)
