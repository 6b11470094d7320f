"""Reviewing quickly: 「次の申請」 on the review page, and approving several selected requests at
once, each through the same service (checked for self-approval, state and conflicts) and recorded
separately, with what became of each."""

import pytest
from django.urls import reverse

from accounts.models import Role
from plan import changes
from plan.changes import ProposedChange
from plan.models import ChangeRequest, ChangeRequestEvent
from tests.admin_forms import client_as
from tests.world import build_plan_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_plan_world()


def submit(user, record, values, title) -> ChangeRequest:
    return changes.change_request_submit(
        acting_user=user,
        edition=record.edition,
        changes=[ProposedChange.update(record, values)],
        reason="更新",
        title=title,
    )


def approve_selected(client, requests):
    return client.post(
        reverse("admin:plan_changerequest_changelist"),
        {"action": "approve_selected", "_selected_action": [str(r.pk) for r in requests]},
        follow=True,
    )


def test_approving_several_checks_and_records_each(world):
    approvable = submit(world.staff, world.project, {"summary": "第一案"}, "概要")
    conflicting = submit(world.staff, world.kpi, {"indicator": "再エネ導入量"}, "KPI")
    world.kpi.indicator = "市内の再エネ導入量"  # changed after the request: a conflict
    world.kpi.save()
    world.coordinator2.role = Role.BUREAU_STAFF
    world.coordinator2.save()
    world.coordinator2.bureaus.add(world.sangyo)
    own = submit(world.coordinator2, world.project, {"name": "鳥獣被害対策推進事業"}, "名称")
    world.coordinator2.role = Role.COORDINATOR  # promoted since: still their own request
    world.coordinator2.save()

    response = approve_selected(client_as(world.coordinator2), [approvable, conflicting, own])

    shown = [str(message) for message in response.context["messages"]]
    assert shown == [
        f"変更申請 #{approvable.pk}「概要」: 承認し、公式の記録に反映しました。",
        f"変更申請 #{conflicting.pk}「KPI」: 競合のため承認していません "
        "(「市内再エネ導入量」は申請の後に変更されています。)",
        f"変更申請 #{own.pk}「名称」: 承認していません (自分の申請は承認・差し戻し・却下できません。)",
    ]
    statuses = dict(ChangeRequest.objects.values_list("pk", "status"))
    assert (statuses[approvable.pk], statuses[conflicting.pk], statuses[own.pk]) == (
        "approved",
        "pending",
        "pending",
    )
    assert list(
        ChangeRequestEvent.objects.filter(kind="approved").values_list(
            "change_request", "actor__username"
        )
    ) == [(approvable.pk, "coordinator2")]


def test_staff_are_not_offered_the_action(world):
    submit(world.staff, world.project, {"summary": "第一案"}, "概要")
    page = client_as(world.staff).get(reverse("admin:plan_changerequest_changelist"))
    assert "approve_selected" not in page.content.decode()


def test_the_review_page_links_to_the_next_request_in_the_queue(world):
    older = submit(world.staff, world.project, {"summary": "第一案"}, "概要")
    newer = submit(world.staff, world.kpi, {"indicator": "再エネ導入量"}, "KPI")
    client = client_as(world.coordinator)

    def next_link(change_request) -> str:
        html = client.get(
            reverse("admin:plan_changerequest_change", args=[change_request.pk])
        ).content.decode()
        return html[html.index('id="next-request"') - 60 : html.index('id="next-request"')]

    assert f"/admin/plan/changerequest/{older.pk}/change/" in next_link(newer)
    assert f"/admin/plan/changerequest/{newer.pk}/change/" in next_link(older)  # from the top again
