"""Admin dashboard of the alerts app: regions, alerts and feed health; advisories and their workflow."""

from __future__ import annotations

from alerts.admin import advisories, audit, feeds

__all__ = ["advisories", "audit", "feeds"]
