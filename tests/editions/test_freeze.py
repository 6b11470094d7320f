"""Publishing freezes an edition's content on every door: the change engine (proposals, approvals
of requests made before publication, restores), the admin, the workbook import and its command.
Records outside the edition's content are not frozen."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts import permissions
from kpis.models import Kpi, KpiValue, ProjectKpi
from plan.changes import (
    ChangeConflict,
    EditionFrozen,
    ProposedChange,
    Ref,
    change_propose,
    change_request_approve,
    project_restore,
)
from plan.models import ChangeRequest, Edition, Listing, Measure, PolicyGoal, Project, ProjectBureau
from plan.workbook import WorkbookRejected, export_workbook, workbook_import_preview
from tests.admin_forms import client_as
from tests.editions.small import FROZEN_2024, build_small_edition, mark_published

pytestmark = pytest.mark.django_db


@pytest.fixture
def small():
    return build_small_edition()


def _changes(small, case: str) -> list[ProposedChange]:
    """One proposal of each shape the engine sees, on the small edition."""
    s = small
    return {
        "update a project": [ProposedChange.update(s.project, {"name": "太陽光発電の普及"})],
        "delete a project": [ProposedChange.delete(s.other)],
        "create a project": [
            ProposedChange.create(
                Project, {"edition_id": s.edition.pk, "code": "P9", "name": "新事業"}, key="new"
            ),
            ProposedChange.create(
                ProjectBureau,
                {"project_id": Ref("new"), "bureau_id": s.kankyo.pk, "position": 1},
                key="new:1",
            ),
        ],
        "a bureau under a new project (only through the reference)": [
            ProposedChange.create(
                Project, {"edition_id": s.edition.pk, "code": "P9", "name": "新事業"}, key="new"
            ),
            ProposedChange.create(
                Listing,
                {"measure_id": s.measure.pk, "project_id": Ref("new"), "number": 3},
                key="new:l",
            ),
        ],
        "move a listing": [ProposedChange.update(s.listing, {"number": 5})],
        "create a measure": [
            ProposedChange.create(Measure, {"goal_id": s.goal.pk, "number": 2, "title": "x"}, "m")
        ],
        "update a goal": [ProposedChange.update(s.goal, {"title": "脱炭素社会"})],
        "revise a target": [ProposedChange.update(s.target, {"text": "1,200MW (R12年度)"})],
        "unlink a KPI": [ProposedChange.delete(s.link)],
        "create a KPI": [
            ProposedChange.create(
                Kpi, {"edition_id": s.edition.pk, "code": "K9", "indicator": "指標"}, "k"
            )
        ],
        "update the edition": [ProposedChange.update(s.edition, {"fiscal_year": 2023})],
    }[case]


CASES = [
    "update a project",
    "delete a project",
    "create a project",
    "a bureau under a new project (only through the reference)",
    "move a listing",
    "create a measure",
    "update a goal",
    "revise a target",
    "unlink a KPI",
    "create a KPI",
    "update the edition",
]


def _counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (
            PolicyGoal,
            Measure,
            Project,
            ProjectBureau,
            Listing,
            Kpi,
            KpiValue,
            ProjectKpi,
        )
    )


@pytest.mark.parametrize("case", CASES)
def test_the_engine_refuses_every_change_to_a_published_edition(small, case):
    mark_published(small.edition)
    before = (_counts(), Project.objects.get(pk=small.project.pk).name)
    with pytest.raises(EditionFrozen) as refused:
        change_propose(
            acting_user=small.coordinator,
            edition=small.edition,
            changes=_changes(small, case),
            reason="テスト",
            title="テスト",
        )
    assert refused.value.messages == [FROZEN_2024]
    assert (_counts(), Project.objects.get(pk=small.project.pk).name) == before
    assert not ChangeRequest.objects.exists()


@pytest.mark.parametrize("case", CASES)
def test_the_same_changes_apply_to_an_edition_being_edited(small, case):
    proposal = change_propose(
        acting_user=small.coordinator,
        edition=small.edition,
        changes=_changes(small, case),
        reason="テスト",
        title="テスト",
    )
    assert proposal.applied


def test_staff_cannot_submit_a_request_on_a_published_edition(small):
    mark_published(small.edition)
    with pytest.raises(EditionFrozen, match="令和6年\\(2024年\\)版は公表済"):
        change_propose(
            acting_user=small.staff,
            edition=small.edition,
            changes=[ProposedChange.update(small.project, {"summary": "新しい概要"})],
            reason="概要の更新",
            title=small.project.name,
        )


def test_a_request_made_before_publication_is_refused_when_approved(small):
    proposal = change_propose(
        acting_user=small.staff,
        edition=small.edition,
        changes=[ProposedChange.update(small.project, {"summary": "新しい概要"})],
        reason="概要の更新",
        title=small.project.name,
    )
    mark_published(small.edition)
    with pytest.raises(ChangeConflict) as refused:
        change_request_approve(
            acting_user=small.coordinator, change_request=proposal.change_request
        )
    assert refused.value.messages == [FROZEN_2024]
    proposal.change_request.refresh_from_db()
    assert proposal.change_request.status == ChangeRequest.Status.PENDING
    assert Project.objects.get(pk=small.project.pk).summary == "概要"


def test_restoring_a_project_of_a_published_edition_is_refused(small):
    change_propose(
        acting_user=small.coordinator,
        edition=small.edition,
        changes=[ProposedChange.update(small.project, {"summary": "二つ目の概要"})],
        reason="更新",
        title="更新",
    )
    first = Project.history.filter(id=small.project.pk).order_by("history_date").first()
    mark_published(small.edition)
    with pytest.raises(EditionFrozen, match="公表済のため変更できません"):
        project_restore(acting_user=small.coordinator, project=small.project, record=first)


def test_the_admin_shows_a_published_edition_read_only_even_to_a_superuser(small):
    mark_published(small.edition)
    small.coordinator.is_superuser = True
    small.coordinator.save()
    for url in (
        reverse("admin:plan_project_change", args=[small.project.pk]),
        reverse("admin:kpis_kpi_change", args=[small.kpi.pk]),
        reverse("admin:plan_measure_change", args=[small.measure.pk]),
        reverse("admin:plan_policygoal_change", args=[small.goal.pk]),
    ):
        html = client_as(small.coordinator).get(url).content.decode()
        assert 'name="_save"' not in html, url
        assert FROZEN_2024 in html, url
        assert "削除" not in html or 'class="deletelink"' not in html, url


@pytest.mark.parametrize("user", ["coordinator", "staff"])
def test_posting_to_a_published_projects_form_or_deleting_it_is_forbidden(small, user):
    mark_published(small.edition)
    client = client_as(getattr(small, user))
    change = reverse("admin:plan_project_change", args=[small.project.pk])
    delete = reverse("admin:plan_project_delete", args=[small.project.pk])
    assert client.post(change, {"name": "書き換え"}).status_code == 403
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Project.objects.get(pk=small.project.pk).name == "太陽光発電の導入"


def test_the_policy_refuses_changes_to_a_published_editions_records(small):
    mark_published(small.edition)
    refused = [
        (label, obj)
        for label, obj in (
            ("plan.edition", small.edition),
            ("plan.policygoal", small.goal),
            ("plan.measure", small.measure),
            ("plan.project", small.project),
            ("plan.projectbureau", small.project.bureau_links.first()),
            ("plan.listing", small.listing),
            ("kpis.kpi", small.kpi),
            ("kpis.kpivalue", small.target),
            ("kpis.projectkpi", small.link),
        )
        if not permissions.can(small.coordinator, "change", label, obj)
    ]
    assert len(refused) == 9
    assert permissions.can(small.coordinator, "view", "plan.project", small.project)


def test_only_the_editions_content_is_frozen():
    assert set(permissions.EDITION_CONTENT) == {
        "plan.edition",
        "plan.policygoal",
        "plan.measure",
        "plan.project",
        "plan.projectbureau",
        "plan.listing",
        "kpis.kpi",
        "kpis.kpivalue",
        "kpis.projectkpi",
    }
    assert not permissions.is_frozen("kpis.kpiactual", object())


def test_the_import_preview_refuses_a_published_edition(small):
    mark_published(small.edition)
    data = export_workbook(Project.objects.filter(edition=small.edition))
    with pytest.raises(WorkbookRejected) as refused:
        workbook_import_preview(acting_user=small.coordinator, edition=small.edition, file=data)
    assert refused.value.message == FROZEN_2024


def test_the_import_command_refuses_a_published_edition(small, tmp_path):
    mark_published(small.edition)
    path = tmp_path / "plan.xlsx"
    path.write_bytes(export_workbook(Project.objects.filter(edition=small.edition)))
    with pytest.raises(CommandError, match="令和6年\\(2024年\\)版は公表済のため変更できません。"):
        call_command("import_plan", str(path), "--user", "coordinator", "--edition", "2024")


def test_the_admin_import_page_shows_the_refusal(small):
    mark_published(small.edition)
    data = export_workbook(Project.objects.filter(edition=small.edition))
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client_as(small.coordinator).post(
        reverse("admin:plan_project_import"),
        {"edition": small.edition.pk, "workbook": SimpleUploadedFile("plan.xlsx", data)},
    )
    assert FROZEN_2024 in response.content.decode()


def test_an_editing_edition_is_not_frozen(small):
    assert permissions.edition_frozen_refusal(small.edition) is None
    assert Edition.objects.get(pk=small.edition.pk).get_status_display() == "編集中"
    assert permissions.can(small.coordinator, "change", "plan.project", small.project)
