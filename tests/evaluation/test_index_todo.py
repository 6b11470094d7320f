"""The admin index's 進捗評価 to-do (``evaluation.pages.todos``): what each person is counted, a
project shared by two of one's bureaus counted once, and its two queries."""

import pytest

from accounts.models import Bureau
from accounts.permissions import user_bureau_ids
from evaluation.models import EvaluationSheet
from evaluation.pages import todos
from evaluation.services import round_close
from evaluation.states import SheetState
from plan.models import ProjectBureau
from tests.evaluation.conftest import sheet_of

pytestmark = pytest.mark.django_db


def counts(user) -> list[tuple[str, int, int]]:
    return [(todo.evaluation_round.title, todo.unsubmitted, todo.total) for todo in todos(user)]


def test_each_person_is_counted_what_they_owe(world, evaluation_round):
    sheets = EvaluationSheet.objects.filter(round=evaluation_round)
    sheets.filter(project__code__in=["P002", "P034", "P065"]).update(state=SheetState.SUBMITTED)
    assert counts(world.sangyo) == [("令和6年度実績", 6, 9)]
    assert counts(world.coordinator) == [("令和6年度実績", 87, 90)]
    assert counts(world.viewer) == []


def test_a_project_of_two_of_ones_bureaus_is_counted_once(world, evaluation_round):
    kankyo = Bureau.objects.get(name="環境局")
    ProjectBureau.objects.create(
        project=sheet_of(evaluation_round, "P065").project, bureau=kankyo, position=2
    )
    world.sangyo.bureaus.add(kankyo)
    mine = world.sangyo.bureaus.all()
    owed = EvaluationSheet.objects.filter(round=evaluation_round, project__bureaus__in=mine)
    assert (owed.count(), owed.distinct().count()) == (69, 68)  # P065's sheet twice
    assert counts(world.sangyo)[0][1:] == (68, 68)


def test_no_open_round_no_to_do(world, evaluation_round, django_assert_num_queries):
    round_close(acting_user=world.coordinator, evaluation_round=evaluation_round)
    with django_assert_num_queries(1):
        assert counts(world.coordinator) == []


def test_the_to_do_reads_two_queries(world, evaluation_round, django_assert_num_queries):
    user_bureau_ids(world.sangyo)  # the user's bureaus, read once a request (not the to-do's)
    with django_assert_num_queries(2):
        assert counts(world.sangyo) == [("令和6年度実績", 9, 9)]
