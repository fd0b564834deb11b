"""The test gate itself: what a run does without the public data, and Django's async-safety check."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import SynchronousOnlyOperation

from kyivguide.testing import run_python

# One small test that needs the public data (through the seed_data_dir fixture, not a hand-set mark).
NEEDS_DATA = "alerts/tests/test_feed_parsers.py::test_alerts_in_ua_captured_payload"


def run_pytest(*args: str, env: dict[str, str]) -> tuple[int, str]:
    result = run_python(["-m", "pytest", "-p", "no:cacheprovider", "-q", "-rs", *args], env)
    return result.returncode, result.stdout + result.stderr


def test_without_the_public_data_ci_fails_the_run_and_a_developer_gets_marked_skips_with_the_reason(
    tmp_path: Path,
) -> None:
    missing = tmp_path / "no-such-folder"

    ci_code, ci_output = run_pytest(NEEDS_DATA, env={"CI": "true", "SEED_DATA_DIR": str(missing)})
    # `-m seed_data` selects the test only if the fixture marked it.
    dev_code, dev_output = run_pytest("-m", "seed_data", NEEDS_DATA, env={"CI": "", "SEED_DATA_DIR": str(missing)})

    assert ci_code == pytest.ExitCode.USAGE_ERROR, ci_output
    assert (
        f"ERROR: CI=true and the tests marked seed_data cannot run: public data not found (SEED_DATA_DIR={missing})"
    ) in ci_output
    assert "passed" not in ci_output and "skipped" not in ci_output
    assert dev_code == pytest.ExitCode.OK, dev_output
    assert f"SKIPPED [1] {NEEDS_DATA.split('::')[0]}:" in dev_output
    assert f"public data not found (SEED_DATA_DIR={missing})" in dev_output
    assert "1 skipped" in dev_output


@pytest.mark.django_db
def test_outside_the_browser_tests_django_refuses_orm_calls_inside_an_event_loop() -> None:
    async def count_users() -> int:
        return User.objects.count()

    with pytest.raises(SynchronousOnlyOperation):
        asyncio.run(count_users())
