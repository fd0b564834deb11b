"""The per-process caches: what keeps them, what their settings do, and that every setting is documented."""

from __future__ import annotations

import ast
from typing import Any

import pytest
from django.conf import settings

from alerts.selectors.regions import regions_picker_options
from alerts.tests.factories import kyiv_regions
from kyivguide import local_cache
from kyivguide.local_cache import Expiring, Versioned
from kyivguide.testing import ROOT


def test_an_expiring_value_lives_its_setting_s_seconds(settings: Any) -> None:
    settings.STATUS_CACHE_SECONDS = 1.5
    kept: Expiring[str] = Expiring(setting="STATUS_CACHE_SECONDS")
    assert kept.get(now=100.0) is None
    kept.put("snapshot", at=100.0)
    assert (kept.get(now=101.4), kept.get(now=101.5), kept.get(now=100.2, max_age_s=0.1)) == ("snapshot", None, None)
    kept.forget()
    assert kept.get(now=100.0) is None


def test_a_versioned_value_is_built_once_per_version_and_slot(settings: Any) -> None:
    settings.REGION_PICKER_CACHE = True
    built: list[str] = []
    kept: Versioned[str] = Versioned(setting="REGION_PICKER_CACHE")

    def build(text: str) -> str:
        built.append(text)
        return text

    answers = [
        kept.get(1, lambda: build("uk v1"), slot="uk"),
        kept.get(1, lambda: build("en v1"), slot="en"),
        kept.get(1, lambda: build("uk again"), slot="uk"),
        kept.get(2, lambda: build("uk v2"), slot="uk"),
        kept.get(1, lambda: build("en again"), slot="en"),
    ]
    assert answers == ["uk v1", "en v1", "uk v1", "uk v2", "en v1"]
    assert built == ["uk v1", "en v1", "uk v2"]
    settings.REGION_PICKER_CACHE = False
    assert kept.get(2, lambda: build("off")) == "off"
    assert kept.get(2, lambda: build("off again")) == "off again"


@pytest.mark.django_db
def test_the_region_picker_costs_one_query_once_built_in_each_language(
    settings: Any, django_assert_num_queries: Any
) -> None:
    kyiv_regions()
    local_cache.REGION_PICKER.forget()
    for language, queries in (("uk", 2), ("en", 2), ("uk", 1), ("en", 1)):
        with django_assert_num_queries(queries):
            html = regions_picker_options(language=language, selected=31)
        assert '<option value="31" selected>' in html
    settings.REGION_PICKER_CACHE = False
    with django_assert_num_queries(2):
        regions_picker_options(language="uk", selected=31)


def test_every_local_cache_has_a_setting() -> None:
    assert {name: type(getattr(settings, cache.setting)) for name, cache in local_cache.CACHES.items()} == {
        "STATUS_SNAPSHOT": float,
        "STATUS_RESPONSE": bool,
        "REGION_PICKER": bool,
    }


def test_the_readme_documents_every_environment_variable_of_the_settings() -> None:
    tree = ast.parse((ROOT / "kyivguide" / "settings.py").read_text())
    names: set[str] = {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id.startswith("env_")
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    }
    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("## Configuration") : readme.index("## Architecture in brief")]
    assert len(names) > 40
    assert sorted(name for name in names if f"`{name}`" not in table) == []
