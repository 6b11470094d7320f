"""Status where people work: the project and KPI lists show (and filter by) the state of their open
change requests; a request keeps a thread of submissions, comments and decisions, and one back in
「審査待ち」 no longer shows its earlier 「決定者」 and comment as current."""

import pytest
from django.urls import reverse

from accounts.models import Role
from plan import changes
from plan.changes import ProposedChange
from plan.models import ChangeRequest, ChangeRequestEvent
from tests.admin_forms import client_as
from tests.factories import UserFactory
from tests.world import build_plan_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_plan_world()


def submit_summary(world, summary: str, reason: str = "概要の更新") -> ChangeRequest:
    return changes.change_request_submit(
        acting_user=world.staff,
        edition=world.project.edition,
        changes=[ProposedChange.update(world.project, {"summary": summary})],
        reason=reason,
        title=world.project.name,
        project=world.project,
    )


def thread(change_request) -> list[tuple[str, str, int, str]]:
    return [
        (event.kind, event.actor.username, event.revision, event.comment)
        for event in change_request.events.all()
    ]


def test_the_thread_keeps_every_submission_and_decision(world):
    change_request = submit_summary(world, "第一案")
    changes.change_request_return(
        acting_user=world.coordinator, change_request=change_request, comment="KPI も書いて"
    )
    change_request = submit_summary(world, "第二案", reason="差し戻しを受けて")
    changes.change_request_approve(acting_user=world.coordinator2, change_request=change_request)
    assert thread(change_request) == [
        ("submitted", "sangyo", 1, "概要の更新"),
        ("returned", "coordinator", 1, "KPI も書いて"),
        ("amended", "sangyo", 2, "差し戻しを受けて"),
        ("approved", "coordinator2", 2, ""),
    ]


def test_a_resubmitted_request_shows_no_earlier_decision_as_current(world):
    change_request = submit_summary(world, "第一案")
    changes.change_request_return(
        acting_user=world.coordinator, change_request=change_request, comment="KPI も書いて"
    )
    change_request = submit_summary(world, "第二案")
    assert (
        change_request.decided_by,
        change_request.decided_at,
        change_request.decision_comment,
    ) == (None, None, "")
    page = (
        client_as(world.coordinator2)
        .get(reverse("admin:plan_changerequest_change", args=[change_request.pk]))
        .content.decode()
    )
    assert "決定者:" not in page
    assert 'id="decision-comment"' not in page
    assert "修正して再申請" in page and "KPI も書いて" in page  # in the thread


def test_the_submitter_of_a_returned_request_is_offered_to_amend_it(world):
    change_request = submit_summary(world, "第一案")
    changes.change_request_return(
        acting_user=world.coordinator, change_request=change_request, comment="KPI も書いて"
    )
    page = (
        client_as(world.staff)
        .get(reverse("admin:plan_changerequest_change", args=[change_request.pk]))
        .content.decode()
    )
    project_url = reverse("admin:plan_project_change", args=[world.project.pk])
    assert f'<a href="{project_url}" class="button" id="amend-link">修正する</a>' in page


def test_direct_changes_and_withdrawals_are_in_the_thread_too(world):
    proposal = changes.change_propose(
        acting_user=world.coordinator,
        edition=world.project.edition,
        changes=[ProposedChange.update(world.project, {"summary": "直接"})],
        reason="誤字の訂正",
        title="誤字",
        project=world.project,
    )
    assert thread(proposal.change_request) == [("applied", "coordinator", 1, "誤字の訂正")]
    withdrawn = submit_summary(world, "第一案")
    changes.change_request_withdraw(acting_user=world.staff, change_request=withdrawn)
    assert [event[0] for event in thread(withdrawn)] == ["submitted", "withdrawn"]


@pytest.mark.parametrize(
    ("decision", "column", "filtered"),
    [
        (None, "審査待ち", {"pending": ["鳥獣被害対策事業"], "returned": []}),
        ("return", "差し戻し", {"pending": [], "returned": ["鳥獣被害対策事業"]}),
        ("approve", "", {"pending": [], "returned": []}),
    ],
)
def test_the_project_list_shows_and_filters_the_request_status(world, decision, column, filtered):
    change_request = submit_summary(world, "第一案")
    if decision == "return":
        changes.change_request_return(
            acting_user=world.coordinator, change_request=change_request, comment="直して"
        )
    elif decision == "approve":
        changes.change_request_approve(acting_user=world.coordinator, change_request=change_request)
    client = client_as(world.coordinator)
    url = reverse("admin:plan_project_changelist")
    response = client.get(url)
    rows = {row.name: row.request_status for row in response.context["cl"].result_list}
    assert rows == {"鳥獣被害対策事業": column_value(column), "道路サポーター事業": ""}
    shown = column or "-"
    assert f'<td class="field-request_status">{shown}</td>' in response.content.decode()
    for state, names in filtered.items():
        listed = client.get(url, {"request": state}).context["cl"].result_list
        assert [project.name for project in listed] == names


def column_value(label: str) -> str:
    return {"審査待ち": "pending", "差し戻し": "returned", "": ""}[label]


def test_the_kpi_list_shows_a_request_on_its_target(world):
    target = world.kpi.values.get(kind="target")
    changes.change_request_submit(
        acting_user=world.staff,
        edition=world.kpi.edition,
        changes=[ProposedChange.update(target, {"text": "最大1500MW (R12年度)"})],
        reason="目標の見直し",
        title="KPI",
    )
    response = client_as(world.staff).get(
        reverse("admin:kpis_kpi_changelist"), {"own": "all", "request": "pending"}
    )
    assert [kpi.indicator for kpi in response.context["cl"].result_list] == ["市内再エネ導入量"]
    assert ChangeRequestEvent.objects.count() == 1


def test_the_filters_list_exactly_the_records_whose_column_says_so(world):
    """Every way a record has an open request (about it, a change to it, a change to a KPI's
    value), 「差し戻し」 winning over 「審査待ち」, closed requests not counting: the filter and the
    column agree, on both lists."""
    from tests.factories import KpiFactory, KpiValueFactory, ProjectFactory, ProjectKpiFactory

    edition, sangyo = world.project.edition, world.sangyo
    second_staff = UserFactory(username="sangyo2", role=Role.BUREAU_STAFF, bureaus=[sangyo])
    both = ProjectFactory(edition=edition, name="両方事業", bureaus=[sangyo])
    closed = ProjectFactory(edition=edition, name="承認済み事業", bureaus=[sangyo])
    by_item = ProjectFactory(edition=edition, name="項目だけ事業", bureaus=[sangyo])
    value_kpi = KpiFactory(edition=edition, indicator="目標だけKPI")
    target = KpiValueFactory(kpi=value_kpi, kind="target", text="10件 (R12年度)")
    for project, kpi in ((world.project, value_kpi), (both, value_kpi)):
        ProjectKpiFactory(project=project, kpi=kpi)

    def submit(user, record, values, **about):
        return changes.change_request_submit(
            acting_user=user,
            edition=edition,
            changes=[ProposedChange.update(record, values)],
            reason="更新",
            title="更新",
            **about,
        )

    submit(world.staff, world.project, {"summary": "案"}, project=world.project)  # pending
    returned = submit(world.staff, both, {"summary": "案"}, project=both)
    changes.change_request_return(
        acting_user=world.coordinator, change_request=returned, comment="直して"
    )
    submit(second_staff, both, {"summary": "別案"}, project=both)  # pending too: returned wins
    approved = submit(world.staff, closed, {"summary": "案"}, project=closed)
    changes.change_request_approve(acting_user=world.coordinator, change_request=approved)
    submit(world.staff, by_item, {"summary": "案"})  # about no record: only its item names it
    submit(world.staff, target, {"text": "12件 (R12年度)"}, kpi=None)  # the KPI's target only
    client = client_as(world.coordinator)

    def listed(url_name: str, name: str, state: str) -> list[str]:
        response = client.get(reverse(url_name), {"request": state, "o": "1"} if state else {})
        return sorted(getattr(row, name) for row in response.context["cl"].result_list)

    def column(url_name: str, name: str, state: str) -> list[str]:
        response = client.get(reverse(url_name))
        rows = response.context["cl"].result_list
        return sorted(getattr(row, name) for row in rows if row.request_status == state)

    expected = {
        ("admin:plan_project_changelist", "name", "pending"): ["項目だけ事業", "鳥獣被害対策事業"],
        ("admin:plan_project_changelist", "name", "returned"): ["両方事業"],
        ("admin:kpis_kpi_changelist", "indicator", "pending"): ["目標だけKPI"],
        ("admin:kpis_kpi_changelist", "indicator", "returned"): [],
    }
    for (url_name, name, state), names in expected.items():
        assert listed(url_name, name, state) == names, (url_name, state)
        assert column(url_name, name, state) == names, (url_name, state)
