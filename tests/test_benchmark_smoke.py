"""The import/export benchmark (benchmarks/import_export.py) still runs: its measurement at ×1 on
the test database, and the scaling of an edition. The benchmark itself is not part of the suite
(``make bench``); this only keeps it from rotting, and takes a few seconds."""

import pytest

from accounts.models import Role
from benchmarks.import_export import STEPS, format_report, measure_scale, scale_edition
from kpis.models import Kpi, KpiValue, ProjectKpi
from plan.models import Listing, Project, ProjectBureau
from plan.workbook import compare_with_database, export_workbook, read_workbook
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_measurement_runs_at_scale_one(edition_2024):
    coordinator = UserFactory(role=Role.COORDINATOR)
    result = measure_scale(edition_2024, coordinator, 1, repeat=1)

    steps = result["steps"]
    assert set(steps) == {key for key, _label in STEPS}
    assert all(step["seconds"] > 0 for step in steps.values())
    assert (steps["apply"]["changes"], steps["apply_edited"]["changes"]) == (0, 1)
    assert (result["projects"], result["listing_rows"], result["kpi_rows"]) == (90, 97, 51)
    assert steps["baseline"]["rows"] == 97
    # Every import was rolled back.
    assert not Project.objects.filter(summary__contains="ベンチマーク").exists()
    report = format_report(
        [{"server": "test", "versions": {}, "scales": [result]}],
    )
    assert "import apply (1% edited)" in report


def test_scaling_copies_every_project_with_its_links_and_round_trips(edition_2024):
    scale_edition(edition_2024, 3)

    projects = Project.objects.filter(edition=edition_2024)
    assert projects.count() == 270
    assert Kpi.objects.filter(edition=edition_2024).count() == 153
    assert Listing.objects.filter(project__edition=edition_2024).count() == 291
    assert ProjectBureau.objects.filter(project__edition=edition_2024).count() == 279
    assert ProjectKpi.objects.filter(project__edition=edition_2024).count() == 234
    assert KpiValue.objects.filter(kpi__edition=edition_2024).count() == 249
    copy = projects.get(code="P001-03")
    assert {kpi.code for kpi in copy.kpis.all()} == {
        f"{kpi.code}-03" for kpi in projects.get(code="P001").kpis.all()
    }
    preview = compare_with_database(read_workbook(export_workbook(projects)), edition=edition_2024)
    assert not preview.errors
    assert not preview.has_changes
