"""The 実績値 sheet benchmark (benchmarks/actual_sheet.py) still runs, at ×1 on the test database
(the benchmark itself is not part of the suite: ``make bench-actuals``)."""

import pytest

from accounts.models import Role
from benchmarks.actual_sheet import format_report, harness, measure_scale
from kpis.models import KpiActual
from plan.models import ChangeRequest
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_measurement_runs_at_scale_one(edition_2024):
    result = measure_scale(edition_2024, UserFactory(role=Role.COORDINATOR), 1, repeat=1)
    steps = result["steps"]
    assert result["rows"] == 51
    assert (steps["preview_unedited"]["changes"], steps["confirm_filled"]["changes"]) == (0, 51)
    # The write floor inserts what one confirmation wrote: 51 items, 51 actuals, 51 history rows.
    assert steps["write_floor"]["rows"] == 153
    assert steps["write_floor_lean"]["rows"] == 153
    assert steps["library_floor"]["rows"] == 51  # a plain ModelResource's 下見 of every row
    assert KpiActual.objects.count() == 0  # the confirmation and the write floor were rolled back
    assert KpiActual.history.count() == 0
    assert ChangeRequest.objects.count() == 0
    report = format_report("test", [result])
    assert "= 下見 + confirmed" in report
    assert "read + write floor (bulk_create)" in report
    assert "read + write floor (insert_all)" in report
    assert "a plain ModelResource's 下見" in report


def test_the_script_finds_the_harness_it_shares():
    """``main`` sets up its throwaway database with the shared harness (an import that once
    pointed at a module the harness had left)."""
    throwaway_database, prefix, scale_edition = harness()
    assert (throwaway_database.__module__, prefix, scale_edition.__name__) == (
        "benchmarks.harness",
        "bench_kitakyushu_",
        "scale_edition",
    )
