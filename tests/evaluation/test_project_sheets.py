"""A project's 評価票 on its page (``project_sheets``, a prepared query: plan.prepared): the sheets
``evaluation_sheets_visible_to`` lets each person read, as the queryset reads them."""

import pytest

from accounts import permissions
from accounts.models import Role
from accounts.policy_facts import user_bureau_ids
from evaluation.models import EvaluationSheet, SheetState
from evaluation.templatetags.evaluation_tags import project_sheets
from plan.models import Project
from tests.evaluation.conftest import sheet_of
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _queryset(project, user):
    return list(
        EvaluationSheet.objects.filter(
            permissions.evaluation_sheets_visible_to(user),
            project__code=project.code,
            project__edition__plan_id=project.edition.plan_id,
        )
        .select_related("round__edition")
        .order_by("-round__fiscal_year", "-round__pk")
    )


def test_each_person_reads_the_sheets_the_policy_shows(world, evaluation_round):
    confirmed = sheet_of(evaluation_round, "P001")
    EvaluationSheet.objects.filter(pk=confirmed.pk).update(
        state=SheetState.CONFIRMED, final_grade="B", confirmed_at=evaluation_round.opened_at
    )
    inactive = UserFactory(username="inactive", role=Role.BUREAU_STAFF, is_active=False)
    people = (world.coordinator, world.sangyo, world.viewer, inactive)
    sangyo_project = Project.objects.filter(bureaus__name="産業経済局").order_by("code")[0]
    projects = [Project.objects.select_related("edition").get(code=code) for code in ("P001",)]
    projects.append(Project.objects.select_related("edition").get(pk=sangyo_project.pk))
    seen = {}
    for _round in range(2):  # compiled, then prepared
        for project in projects:
            for person in people:
                for read_bureaus in (False, True):
                    user = type(person).objects.get(pk=person.pk)
                    if read_bureaus:
                        user_bureau_ids(user)
                    sheets = project_sheets(project, user)
                    fresh = type(person).objects.get(pk=person.pk)
                    assert sheets == _queryset(project, fresh)
                    seen[(project.code, person.username)] = [s.state for s in sheets]
    assert seen[("P001", "viewer")] == [SheetState.CONFIRMED]
    assert seen[("P001", "inactive")] == []
    assert seen[(sangyo_project.code, "sangyo")] == [SheetState.NOT_STARTED]
    assert seen[(sangyo_project.code, "viewer")] == []
    assert len(seen[(sangyo_project.code, "coordinator")]) == 1
    sheet = project_sheets(projects[0], world.coordinator)[0]
    assert sheet.round.edition.fiscal_year == 2024  # read with the sheet
