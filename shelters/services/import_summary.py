"""What one import did: its summary (counts, merges, rejections), its failures, and its row in the log."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from shelters.importing.clean import REJECTION_REASONS, Merge, Rejection
from shelters.models import ShelterImport


@dataclass
class ImportSummary:
    source: str
    origin: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: int = 0
    merges: list[Merge] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    fixes: dict[str, int] = field(default_factory=dict)
    outcome: str = ShelterImport.Outcome.APPLIED
    message: str = ""
    dry_run: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deactivated)

    def rejected_by_reason(self) -> dict[str, int]:
        return dict(sorted(Counter(r.reason for r in self.rejections).items()))

    def summary_lines(self, *, with_message: bool = True) -> list[str]:
        head = "DRY RUN (nothing written): " if self.dry_run else ""
        lines = [
            f"{head}{self.source} from {self.origin}: {self.rows} rows",
            f"created {self.created}, updated {self.updated}, unchanged {self.unchanged}, "
            f"deactivated {self.deactivated}, merged duplicates {len(self.merges)}, rejected {len(self.rejections)}",
        ]
        for reason, count in self.rejected_by_reason().items():
            lines.append(f"  rejected, {REJECTION_REASONS.get(reason, reason)}: {count}")
        for fix, count in sorted(self.fixes.items()):
            lines.append(f"  cleaned, {fix}: {count}")
        if self.message and with_message:
            lines.append(self.message)
        return lines

    def report_lines(self) -> list[str]:
        """Every rejected and merged row, in file order."""
        entries = [(r.number, r.line()) for r in self.rejections] + [(m.number, m.line()) for m in self.merges]
        return [line for _, line in sorted(entries)]

    def as_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "outcome": str(self.outcome),
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "deactivated": self.deactivated,
            "merged": len(self.merges),
            "rejected": self.rejected_by_reason(),
            "message": self.message,
        }


class ImportRefused(Exception):
    def __init__(self, summary: ImportSummary) -> None:
        super().__init__(summary.message)
        self.summary = summary


class ImportFailed(Exception):
    """The input could not be read at all (not a shelter CSV/GeoJSON, download error)."""


def log_import(summary: ImportSummary, *, sha256: str, started_at: datetime) -> None:
    ShelterImport.objects.create(
        source=summary.source,
        origin=summary.origin[:1000],
        sha256=sha256,
        started_at=started_at,
        finished_at=timezone.now(),
        outcome=summary.outcome,
        rows=summary.rows,
        created=summary.created,
        updated=summary.updated,
        unchanged=summary.unchanged,
        deactivated=summary.deactivated,
        merged=len(summary.merges),
        rejected=len(summary.rejections),
        rejected_by_reason=summary.rejected_by_reason(),
        report="\n".join(summary.report_lines()),
        message=summary.message,
    )
