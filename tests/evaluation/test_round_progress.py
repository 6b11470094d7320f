"""「提出状況」 (``evaluation.pages.round_progress``): per bureau and in total, a co-owned project
counted for each of its bureaus and once in the totals, in two queries."""

import datetime

import pytest

from accounts.models import Bureau
from evaluation.models import EvaluationSheet
from evaluation.pages import round_progress
from evaluation.states import SheetState
from plan.models import ProjectBureau
from tests.evaluation.conftest import sheet_of

pytestmark = pytest.mark.django_db


def progress(evaluation_round, today):
    rows, totals = round_progress(evaluation_round, today)
    return [(row.bureau.name, row.counts, row.total, row.overdue) for row in rows], (
        totals.bureau.name,
        totals.counts,
        totals.total,
        totals.overdue,
    )


def test_per_bureau_and_in_total(world, evaluation_round, django_assert_num_queries):
    kankyo = Bureau.objects.get(name="環境局")
    ProjectBureau.objects.create(
        project=sheet_of(evaluation_round, "P065").project, bureau=kankyo, position=2
    )
    sheets = EvaluationSheet.objects.filter(round=evaluation_round)
    sheets.filter(project__code__in=["P002", "P065"]).update(state=SheetState.SUBMITTED)
    sheets.filter(project__code="P034").update(state=SheetState.DRAFT)
    with django_assert_num_queries(2):
        rows, totals = progress(evaluation_round, datetime.date(2025, 7, 1))
    assert [row for row in rows if row[0] in ("環境局", "産業経済局")] == [
        ("環境局", [59, 0, 1, 0, 0], 60, 59),
        ("産業経済局", [6, 1, 2, 0, 0], 9, 7),
    ]
    assert totals == ("合計", [87, 1, 2, 0, 0], 90, 88)
    assert progress(evaluation_round, datetime.date(2025, 6, 30))[1][3] == 0  # not yet late
