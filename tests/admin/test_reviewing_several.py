"""Reviewing quickly: 「次の申請」 on the review page, and approving several selected requests at
once, each through the same service (checked for self-approval, state and conflicts) and recorded
separately, with what became of each."""

import pytest
from django.urls import reverse

from accounts.models import Role
from plan import changes
from plan.changes import ProposedChange
from plan.models import ChangeRequest, ChangeRequestEvent
from tests.admin_forms import client_as, read_form
from tests.factories import ProjectFactory
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


CHANGELIST = "admin:plan_changerequest_changelist"


def confirmation(client, requests):
    """The confirmation page of 「選択した変更申請を承認して反映」 for these requests."""
    return client.post(
        reverse(CHANGELIST),
        {"action": "approve_selected", "_selected_action": [str(r.pk) for r in requests]},
    )


def confirm(client, revisions: dict[int, int | str]):
    """The confirmation page's 「承認して反映」: each listed request with the revision it showed."""
    data = {
        "action": "approve_selected",
        "post": "yes",
        "_selected_action": [str(pk) for pk in revisions],
        **{f"revision_{pk}": str(revision) for pk, revision in revisions.items()},
    }
    return client.post(reverse(CHANGELIST), data, follow=True)


def approve_selected(client, requests):
    """Select, look at the confirmation page, and confirm what it lists."""
    page = confirmation(client, requests).content.decode()
    revisions = {
        r.pk: page.split(f'name="revision_{r.pk}" value="')[1].split('"')[0] for r in requests
    }
    return confirm(client, revisions)


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


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

    assert messages_of(response) == [
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


def test_the_confirmation_lists_the_selection_and_decides_nothing(world):
    first = submit(world.staff, world.project, {"summary": "第一案"}, "概要")
    second = submit(world.staff, world.kpi, {"indicator": "再エネ導入量"}, "KPI")
    changes.change_request_withdraw(acting_user=world.staff, change_request=second)

    page = confirmation(client_as(world.coordinator), [second, first])

    html = page.content.decode()
    assert page.status_code == 200
    assert page.templates[0].name == "admin/plan/changerequest/approve_selected_confirmation.html"
    rows = [html.index(f'id="approve-request-{r.pk}"') for r in (first, second)]
    assert rows[0] < rows[1]  # oldest first, as they will be decided
    assert f'name="revision_{first.pk}" value="1"' in html
    assert "取り下げ (承認されません)" in html
    assert 'value="承認して反映 (1 件)"' in html
    assert set(ChangeRequest.objects.values_list("status", flat=True)) == {"pending", "withdrawn"}
    assert not ChangeRequestEvent.objects.filter(kind="approved").exists()


def propose_summary(world, summary: str) -> ChangeRequest:
    """Staff save the project's form (an open request of theirs about it is amended)."""
    client = client_as(world.staff)
    url = reverse("admin:plan_project_change", args=[world.project.pk])
    data = read_form(client.get(url).content.decode(), "project_form")
    data.update({"summary": summary, "change_reason": "内容の更新"})
    assert client.post(url, data).status_code == 302
    return ChangeRequest.objects.get(submitted_by=world.staff, project=world.project)


def test_a_request_amended_after_the_confirmation_is_not_approved(world):
    amended = propose_summary(world, "第一案")
    untouched = submit(world.toshi_staff, world.other, {"summary": "点検を行う。"}, "点検")
    client = client_as(world.coordinator)
    confirmation(client, [amended, untouched])
    again = propose_summary(world, "第二案")  # the submitter amends meanwhile
    assert (again.pk, again.revision) == (amended.pk, 2)

    response = confirm(client, {amended.pk: 1, untouched.pk: 1})

    assert messages_of(response) == [  # oldest first: the amendment was submitted last
        f"変更申請 #{untouched.pk}「点検」: 承認し、公式の記録に反映しました。",
        f"変更申請 #{amended.pk}「{amended.title}」: 確認の後に修正されたため承認していません "
        "(この申請は表示の後に修正されました (表示した版 1 → 現在の版 2)。"
        "何も決定していません。新しい内容を確かめてから、もう一度決定してください。)",
    ]
    statuses = dict(ChangeRequest.objects.values_list("pk", "status"))
    assert (statuses[amended.pk], statuses[untouched.pk]) == ("pending", "approved")
    world.project.refresh_from_db()
    assert world.project.summary == "有害鳥獣から市民を守る。"


@pytest.mark.parametrize(
    "revision", [None, "", "x", "²", "-1"], ids=["absent", "empty", "text", "superscript", "minus"]
)
def test_a_confirmation_without_the_shown_revision_approves_nothing(world, revision):
    change_request = submit(world.staff, world.project, {"summary": "第一案"}, "概要")
    data = {
        "action": "approve_selected",
        "post": "yes",
        "_selected_action": [str(change_request.pk)],
    }
    if revision is not None:
        data[f"revision_{change_request.pk}"] = revision

    response = client_as(world.coordinator).post(reverse(CHANGELIST), data, follow=True)

    assert messages_of(response) == [
        f"変更申請 #{change_request.pk}「概要」: 確認画面に表示していないため承認していません"
    ]
    assert ChangeRequest.objects.get().status == "pending"


def test_too_many_at_once_is_refused_before_the_confirmation(world, monkeypatch):
    from plan.admin import change_requests

    monkeypatch.setattr(change_requests, "MAX_APPROVE_AT_ONCE", 1)
    monkeypatch.setattr(change_requests, "APPROVE_TOO_MANY", "一度に承認できるのは 1 件までです。")
    one = submit(world.staff, world.project, {"summary": "第一案"}, "概要")
    two = submit(world.staff, world.kpi, {"indicator": "再エネ導入量"}, "KPI")
    client = client_as(world.coordinator)

    listed = client.post(
        reverse(CHANGELIST),
        {"action": "approve_selected", "_selected_action": [str(one.pk), str(two.pk)]},
        follow=True,
    )
    confirmed = confirm(client, {one.pk: 1, two.pk: 1})

    assert messages_of(listed) == ["一度に承認できるのは 1 件までです。"]
    assert messages_of(confirmed) == ["一度に承認できるのは 1 件までです。"]
    assert set(ChangeRequest.objects.values_list("status", flat=True)) == {"pending"}


@pytest.mark.parametrize("who", ["staff", "toshi_staff", "viewer"])
def test_others_forging_the_confirmed_action_approve_nothing(world, who):
    change_request = submit(world.staff, world.project, {"summary": "第一案"}, "概要")

    confirm(client_as(getattr(world, who)), {change_request.pk: 1})

    assert ChangeRequest.objects.get().status == "pending"
    assert not ChangeRequestEvent.objects.filter(kind="approved").exists()


def test_the_confirmation_reads_the_same_queries_for_more_requests(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_as(world.coordinator)
    requests = []
    for name in ("一", "二", "三", "四", "五", "六"):
        project = ProjectFactory(edition=world.project.edition, name=name, bureaus=[world.sangyo])
        requests.append(submit(world.staff, project, {"summary": f"{name}の案"}, name))
    assert len({change_request.pk for change_request in requests}) == 6
    counts = []
    for selection in (requests[:2], requests):
        with CaptureQueriesContext(connection) as queries:
            response = confirmation(client, selection)
            assert response.status_code == 200
            assert response.content.decode().count("approve-request-") == len(selection)
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
