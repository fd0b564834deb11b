"""Signals the alerts app sends for other parts of the project (it imports none of them)."""

from __future__ import annotations

from django.dispatch import Signal

# Sent by alerts_apply_snapshot inside its transaction when a successful poll opened or closed alerts.
# Keyword arguments: `source_kind` (FeedSource.Kind; "replay" is a drill), `started` (a list of
# {"region", "kind", "level", "threats"} for alerts that became active) and `ended` (the region uids of
# alerts that closed). Receivers that act after the commit register `transaction.on_commit` themselves.
alerts_changed = Signal()
