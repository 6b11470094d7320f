"""The page benchmark (benchmarks/pages.py) still runs: every page and its floor at ×1, once each,
on the test database. The benchmark itself is not part of the suite (``make bench-pages``); this
only keeps it from rotting.

The floor's benchmark-only app is installed here for this module alone (as benchmarks/settings.py
installs it), and its table is made and removed outside the tests' transactions."""

import pytest
from django.core.management import call_command
from django.test import override_settings

from benchmarks.pages import (
    PAGES,
    ROLES,
    format_report,
    measure_scale,
    parse_arguments,
    prepare_scale,
)
from plan.models import ChangeItem, ChangeRequest, Project

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module", autouse=True)
def floor_app(django_db_setup, django_db_blocker):
    from django.conf import settings

    with override_settings(
        INSTALLED_APPS=[*settings.INSTALLED_APPS, "benchmarks.floorapp"],
        ROOT_URLCONF="benchmarks.urls",
    ):
        with django_db_blocker.unblock():
            call_command("migrate", "floorapp", verbosity=0)
        try:
            yield
        finally:
            with django_db_blocker.unblock():
                call_command("migrate", "floorapp", "zero", verbosity=0)


def test_every_page_answers_at_scale_one(edition_2024):
    prepared = prepare_scale(edition_2024, 1)
    result = measure_scale(edition_2024, 1, prepared, repeat=1)

    assert ChangeRequest.objects.count() == 20
    # The requests went through the services: their items and attributed history are there.
    assert ChangeItem.objects.exists()
    assert Project.history.filter(proposed_by__isnull=False, approved_by__isnull=False).exists()
    rows = result["pages"]
    assert {(row["page"], row["role"]) for row in rows} == {
        (page.key, role) for page in PAGES for role in ROLES if role in page.roles
    }
    assert all(row["status"] == 200 for row in rows)
    assert all(row["median_ms"] > 0 and row["floor_median_ms"] > 0 for row in rows)
    assert all(row["queries"] > 0 and row["floor_queries"] > 0 for row in rows)
    by_page = {(row["page"], row["role"]): row for row in rows}
    assert by_page["projects", "coordinator"]["rows"] == 90
    assert by_page["project_history", "coordinator"]["rows"] > 0
    # One 評価票 per project (90); staff list their bureau's (9).
    assert by_page["eval_progress", "coordinator"]["rows"] == 90
    assert by_page["eval_sheets", "coordinator"]["rows"] == 90
    assert by_page["eval_sheets", "sangyo"]["rows"] == 9
    assert by_page["edition_review", "sangyo"]["rows"] == 90
    report = format_report([{"server": "test", "versions": {}, "kind": "test", "scales": [result]}])
    for page in PAGES:
        assert page.key in report

    chosen = measure_scale(edition_2024, 1, prepared, repeat=1, wanted=["dashboard_cold"])
    assert [(row["page"], row["role"]) for row in chosen["pages"]] == [
        ("dashboard_cold", "coordinator"),
        ("dashboard_cold", "sangyo"),
    ]
    assert parse_arguments(["--pages", "dashboard", "dashboard_drill"]).pages == [
        "dashboard",
        "dashboard_drill",
    ]


def test_only_the_pages_asked_for_are_measured(edition_2024):
    prepared = prepare_scale(edition_2024, 1)
    result = measure_scale(edition_2024, 1, prepared, repeat=1, wanted=["eval_report", "index"])
    assert sorted((row["page"], row["role"]) for row in result["pages"]) == [
        ("eval_report", "coordinator"),
        ("index", "coordinator"),
        ("index", "sangyo"),
    ]
