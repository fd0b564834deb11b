"""REST API views and serializers of the alerts app."""

from __future__ import annotations
