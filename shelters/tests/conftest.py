from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def tiles(live_server: Any, settings: Any) -> str:
    """Map tiles from the live server's /tiles/ path (the browser tests answer or abort it), never the internet."""
    settings.MAP_TILE_URL = f"{live_server.url}/tiles/{{z}}/{{x}}/{{y}}.png"
    return f"{live_server.url}/tiles/**"
