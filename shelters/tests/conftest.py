from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from shelters.selectors.shelter_index import shelter_index_forget


@pytest.fixture(autouse=True)
def fresh_shelter_index() -> Iterator[None]:
    """Each test starts with no nearest-search index: factories write shelters without bumping the
    catalogue version, which is what tells a running process to rebuild it."""
    shelter_index_forget()
    yield
    shelter_index_forget()


@pytest.fixture
def tiles(live_server: Any, settings: Any) -> str:
    """Map tiles from the live server's /tiles/ path (the browser tests answer or abort it), never the internet."""
    settings.MAP_TILE_URL = f"{live_server.url}/tiles/{{z}}/{{x}}/{{y}}.png"
    return f"{live_server.url}/tiles/**"
