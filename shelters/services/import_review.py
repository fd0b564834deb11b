"""An import reviewed by staff before it is applied (the admin's import page).

Built on the importer's public entry point (`shelters_import_bytes`) only: the dry run is a real
run rolled back, so its summary is what the file would do now. "Apply" runs the same bytes again
for real, inside a transaction that is rolled back (nothing written, nothing logged) if the result
is not exactly the one reviewed: the list or the source's other shelters may have changed in the
meantime, and staff then see the new summary to review instead.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.db import transaction

from shelters.services.import_summary import ImportSummary
from shelters.services.imports import shelters_import_bytes


def import_fingerprint(summary: ImportSummary) -> str:
    """What a reviewer saw: the counts and every rejected or merged row, as one hash."""
    seen = "\n".join([*summary.summary_lines(with_message=False)[1:], *summary.report_lines()])
    return hashlib.sha256(seen.encode()).hexdigest()


def shelters_import_review(*, data: bytes, name: str, source: str | None, force: bool) -> ImportSummary:
    """The dry run (raises ImportFailed / ImportRefused as the importer does)."""
    return shelters_import_bytes(data=data, name=name, source=source, dry_run=True, force=force)


@dataclass
class _NotAsReviewed(Exception):
    summary: ImportSummary


def shelters_import_apply_reviewed(
    *, data: bytes, name: str, source: str | None, force: bool, fingerprint: str
) -> tuple[ImportSummary, bool]:
    """(summary, applied): the import applied if it does exactly what was reviewed; else rolled back,
    with the summary of what it would do now."""
    try:
        with transaction.atomic():
            summary = shelters_import_bytes(data=data, name=name, source=source, force=force)
            if import_fingerprint(summary) != fingerprint:
                raise _NotAsReviewed(summary)
    except _NotAsReviewed as changed:
        changed.summary.dry_run = True
        return changed.summary, False
    return summary, True
