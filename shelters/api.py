"""REST API views and serializers of the shelters app."""

from __future__ import annotations
