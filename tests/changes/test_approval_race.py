"""Approval racing a coordinator's direct edit of the same project: 20 rounds, nothing lost, no
server error (see tests/changes/race.py), on PostgreSQL and on SQLite."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from tests.changes.race import race
from tests.world import build_plan_world

ROUNDS = 20
REPOSITORY = Path(__file__).resolve().parents[2]


def check(totals: dict) -> None:
    assert (totals["lost"], totals["errors"]) == (0, 0), totals
    # Every round, each of the two either happened or was refused as a conflict.
    assert totals["approved"] + totals["edited"] + totals["refused"] == 2 * ROUNDS, totals
    assert totals["approved"] + totals["edited"] >= ROUNDS, totals


@pytest.mark.django_db(transaction=True)
def test_approval_racing_a_direct_edit_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("runs against PostgreSQL (DATABASE_URL=postgres://...)")
    check(race(build_plan_world(), ROUNDS))


def test_approval_racing_a_direct_edit_on_sqlite(tmp_path):
    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'race.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "tests.changes.race_settings",
    }
    result = subprocess.run(
        [sys.executable, "-m", "tests.changes.race", str(ROUNDS)],
        cwd=REPOSITORY,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    check(json.loads(result.stdout.strip().splitlines()[-1]))
