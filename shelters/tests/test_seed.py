from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command

from shelters.models import Shelter, ShelterImport
from shelters.seed import load

pytestmark = pytest.mark.django_db


def test_make_run_seeds_the_city_and_the_metro_once(seed_data_dir: Path) -> None:
    out = io.StringIO()
    load(data_dir=seed_data_dir, stdout=out)

    assert Shelter.objects.filter(source="kmda", is_active=True).count() == 3693
    # 48 of the 52 stations are in the city's list already (one of them under its former name,
    # Льва Толстого): each station is listed once. Four are the OpenStreetMap file's alone.
    assert sorted(Shelter.objects.filter(source="osm_metro", is_active=True).values_list("name_uk", flat=True)) == [
        "Звіринецька",
        "Либідська",
        "Лівобережна",
        "Лісова",
    ]
    lines = out.getvalue().splitlines()
    assert "  shelters: created 3693, updated 0, unchanged 0, deactivated 0, merged duplicates 1, rejected 0" in lines
    assert "  shelters: created 4, updated 0, unchanged 0, deactivated 0, merged duplicates 48, rejected 0" in lines

    again = io.StringIO()
    load(data_dir=seed_data_dir, stdout=again)

    assert again.getvalue().splitlines() == [
        "  shelters: kyiv_shelters_kmda_2022.csv unchanged since the last import (kmda)",
        "  shelters: kyiv_metro_stations.csv unchanged since the last import (osm_metro)",
        "  shelters: kyiv_shelters_kmda_2024_nocoords.csv hours joined already",
    ]
    # The two imports and the join of the 2024 list's hours (shelters/tests/test_hours_join.py).
    assert ShelterImport.objects.count() == 3


def test_missing_seed_files_are_skipped_with_a_message(tmp_path: Path) -> None:
    out = io.StringIO()

    call_command("load_seed_data", "--data-dir", str(tmp_path), stdout=out)

    assert f"  shelters: {tmp_path}/shelters/kyiv_shelters_kmda_2022.csv not found, skipped" in out.getvalue()
    assert Shelter.objects.count() == 0
