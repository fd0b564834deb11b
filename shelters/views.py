"""views for the shelters app."""

from __future__ import annotations
