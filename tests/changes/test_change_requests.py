"""The approval workflow: staff changes wait for a coordinator; everything applied is recorded."""

import threading

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import TestCase
from django.urls import reverse

from accounts.models import Role
from kpis.models import Kpi
from plan import changes
from plan.changes import ProposedChange
from plan.models import ChangeRequest, Project
from tests.admin_forms import client_as, read_form
from tests.world import PlanWorld, build_plan_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> PlanWorld:
    return build_plan_world(kpi_shared=True)


def propose_summary(
    world: PlanWorld, summary: str, reason: str = "R6年度の事業内容に合わせる"
) -> ChangeRequest:
    """sangyo edits the project's summary in the admin, as a person would."""
    client = client_as(world.staff)
    url = reverse("admin:plan_project_change", args=[world.project.pk])
    data = read_form(client.get(url).content.decode(), "project_form")
    data.update({"summary": summary, "change_reason": reason})
    # Email is sent when the transaction commits; run those callbacks.
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return ChangeRequest.objects.filter(submitted_by=world.staff).latest("submitted_at")


def decide(world: PlanWorld, change_request, decision, comment="", user="coordinator"):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client_as(getattr(world, user)).post(
            reverse("admin:plan_changerequest_decide", args=[change_request.pk]),
            {"decision": decision, "comment": comment},
        )


def test_whole_cycle_through_the_admin(world):
    project = world.project
    change_request = propose_summary(world, "有害鳥獣の捕獲と被害の防止を行う。")

    # The official record is unchanged; the request holds the proposal and the version it was based on.
    project.refresh_from_db()
    assert project.summary == "有害鳥獣から市民を守る。"
    assert change_request.status == "pending"
    assert change_request.reason == "R6年度の事業内容に合わせる"
    assert [(i.operation, i.model_label, i.proposed) for i in change_request.items.all()] == [
        ("update", "plan.project", {"summary": "有害鳥獣の捕獲と被害の防止を行う。"})
    ]
    assert change_request.items.get().base["summary"] == "有害鳥獣から市民を守る。"
    assert [b.name for b in change_request.bureaus.all()] == ["産業経済局"]

    # The coordinators were told, with a link.
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["c2@example.jp", "coordinator@example.jp"]
    assert f"/admin/plan/changerequest/{change_request.pk}/change/" in mail.outbox[0].body

    # The coordinator sees the field-by-field diff.
    review = client_as(world.coordinator).get(
        reverse("admin:plan_changerequest_change", args=[change_request.pk])
    )
    html = review.content.decode()
    assert (
        '<th>概要</th><td class="before">有害鳥獣から市民を守る。</td><td class="after">有害鳥獣の捕獲と被害の防止を行う。</td>'
        in html
    )
    assert "承認して反映" in html

    response = decide(world, change_request, "approve")
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.summary == "有害鳥獣の捕獲と被害の防止を行う。"
    change_request.refresh_from_db()
    assert (change_request.status, change_request.decided_by.username) == (
        "approved",
        "coordinator",
    )

    # History names both people; the submitter was told.
    record = project.history.latest()
    assert (
        record.proposed_by.username,
        record.approved_by.username,
        record.history_user.username,
    ) == (
        "sangyo",
        "coordinator",
        "coordinator",
    )
    assert record.change_request_id == change_request.pk
    assert mail.outbox[-1].to == ["sangyo@example.jp"]
    assert "「承認・反映済み」" in mail.outbox[-1].subject
    history = client_as(world.staff).get(reverse("admin:plan_project_history", args=[project.pk]))
    history_html = history.content.decode()
    assert "概要: 有害鳥獣から市民を守る。 → 有害鳥獣の捕獲と被害の防止を行う。" in history_html
    assert "<td>sangyo</td>" in history_html
    assert "<td>coordinator</td>" in history_html


def test_return_amend_and_resubmit(world):
    change_request = propose_summary(world, "最初の案")
    decide(world, change_request, "return", "KPI との関係を書いてください。")
    change_request.refresh_from_db()
    assert change_request.status == "returned"
    assert "差し戻し" in mail.outbox[-1].subject

    # The staff see the request came back, on the project and on the index.
    client = client_as(world.staff)
    page = client.get(
        reverse("admin:plan_project_change", args=[world.project.pk])
    ).content.decode()
    assert "差し戻しのコメント: KPI との関係を書いてください。" in page
    assert 'name="summary"' in page and "最初の案" in page  # the form shows their proposal
    index = client.get(reverse("admin:index")).content.decode()
    assert "差し戻された自分の申請: 1件" in index

    amended = propose_summary(world, "二番目の案 (KPI: 相談件数)", reason="差し戻しを受けて修正")
    assert amended.pk == change_request.pk  # amended, not duplicated
    assert amended.status == "pending"
    assert amended.items.get().proposed == {"summary": "二番目の案 (KPI: 相談件数)"}
    assert ChangeRequest.objects.count() == 1

    decide(world, amended, "approve")
    world.project.refresh_from_db()
    assert world.project.summary == "二番目の案 (KPI: 相談件数)"


def test_reject_needs_a_reason_and_changes_nothing(world):
    change_request = propose_summary(world, "却下される案")
    response = decide(world, change_request, "reject", "")
    assert response.status_code == 302
    change_request.refresh_from_db()
    assert change_request.status == "pending"
    messages = [str(m) for m in response.wsgi_request._messages]
    assert "却下の理由を入力してください。" in messages

    decide(world, change_request, "reject", "事業の統合が決まったため")
    change_request.refresh_from_db()
    assert (change_request.status, change_request.decision_comment) == (
        "rejected",
        "事業の統合が決まったため",
    )
    world.project.refresh_from_db()
    assert world.project.summary == "有害鳥獣から市民を守る。"


def test_withdraw_by_the_submitter_only(world):
    change_request = propose_summary(world, "取り下げる案")
    response = client_as(world.toshi_staff).post(
        reverse("admin:plan_changerequest_withdraw", args=[change_request.pk])
    )
    assert response.status_code == 404  # not theirs to see
    response = client_as(world.staff).post(
        reverse("admin:plan_changerequest_withdraw", args=[change_request.pk])
    )
    assert response.status_code == 302
    change_request.refresh_from_db()
    assert change_request.status == "withdrawn"
    with pytest.raises(PermissionDenied):
        changes.change_request_approve(acting_user=world.coordinator, change_request=change_request)


def test_staff_save_requires_a_reason(world):
    client = client_as(world.staff)
    url = reverse("admin:plan_project_change", args=[world.project.pk])
    data = read_form(client.get(url).content.decode(), "project_form")
    data["summary"] = "理由のない変更"
    response = client.post(url, data)
    assert response.status_code == 200
    assert "このフィールドは必須です。" in response.content.decode()
    assert not ChangeRequest.objects.exists()


def test_conflict_refuses_approval_and_applies_nothing(world):
    change_request = propose_summary(world, "古い版に基づく案")
    # Meanwhile a coordinator edits the project directly.
    client = client_as(world.coordinator)
    url = reverse("admin:plan_project_change", args=[world.project.pk])
    data = read_form(client.get(url).content.decode(), "project_form")
    data.update({"summary": "取りまとめ担当の直接の修正", "name": "鳥獣被害対策事業(改)"})
    assert client.post(url, data).status_code == 302

    review = client_as(world.coordinator2).get(
        reverse("admin:plan_changerequest_change", args=[change_request.pk])
    )
    assert "競合" in review.content.decode()
    response = decide(world, change_request, "approve", user="coordinator2")
    messages = [str(m) for m in response.wsgi_request._messages]
    assert "「鳥獣被害対策事業」は申請の後に変更されています。" in messages
    change_request.refresh_from_db()
    assert change_request.status == "pending"
    world.project.refresh_from_db()
    assert world.project.summary == "取りまとめ担当の直接の修正"


def test_coordinator_edits_apply_directly_and_are_recorded(world):
    client = client_as(world.coordinator)
    url = reverse("admin:plan_project_change", args=[world.project.pk])
    data = read_form(client.get(url).content.decode(), "project_form")
    data["summary"] = "直接の修正"
    assert client.post(url, data).status_code == 302
    world.project.refresh_from_db()
    assert world.project.summary == "直接の修正"
    change_request = ChangeRequest.objects.get()
    assert (change_request.status, change_request.submitted_by, change_request.decided_by) == (
        "applied",
        world.coordinator,
        world.coordinator,
    )
    record = world.project.history.latest()
    assert (record.proposed_by, record.approved_by) == (world.coordinator, world.coordinator)


def test_coordinator_deletion_is_recorded(world):
    project = world.other
    response = client_as(world.coordinator).post(
        reverse("admin:plan_project_delete", args=[project.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Project.objects.filter(pk=project.pk).exists()
    record = Project.history.filter(id=project.pk).latest()
    assert (record.history_type, record.approved_by) == ("-", world.coordinator)


def test_nobody_approves_their_own_request(world):
    change_request = propose_summary(world, "自分で承認したい案")
    staff = world.staff
    staff.role = Role.COORDINATOR  # promoted after submitting
    staff.save()
    with pytest.raises(PermissionDenied, match="自分の申請は承認・差し戻し・却下できません。"):
        changes.change_request_approve(acting_user=staff, change_request=change_request)
    response = client_as(staff).get(
        reverse("admin:plan_changerequest_change", args=[change_request.pk])
    )
    assert "承認して反映" not in response.content.decode()
    decide(world, change_request, "approve", user="staff")
    change_request.refresh_from_db()
    assert change_request.status == "pending"


@pytest.mark.parametrize("who", ["viewer", "toshi_staff", "staff"])
def test_people_without_a_part_cannot_decide(world, who):
    change_request = propose_summary(world, "決定されない案")
    response = decide(world, change_request, "approve", user=who)
    assert response.status_code in (302, 403, 404)
    change_request.refresh_from_db()
    assert change_request.status == "pending"
    world.project.refresh_from_db()
    assert world.project.summary == "有害鳥獣から市民を守る。"


def test_visibility_of_requests(world):
    change_request = propose_summary(world, "見える人だけの案")
    url = reverse("admin:plan_changerequest_change", args=[change_request.pk])
    assert client_as(world.viewer).get(url).status_code == 403
    assert (
        client_as(world.viewer).get(reverse("admin:plan_changerequest_changelist")).status_code
        == 403
    )
    assert client_as(world.toshi_staff).get(url).status_code == 404
    changelist = client_as(world.toshi_staff).get(reverse("admin:plan_changerequest_changelist"))
    assert changelist.context["cl"].result_count == 0
    assert client_as(world.staff).get(url).status_code == 200
    assert client_as(world.coordinator).get(url).status_code == 200


def test_queue_filters_and_index_count(world):
    propose_summary(world, "一件目")
    client = client_as(world.coordinator)
    index = client.get(reverse("admin:index")).content.decode()
    assert "審査待ちの変更申請: 1件" in index
    queue = client.get(
        reverse("admin:plan_changerequest_changelist"),
        {"status__exact": "pending", "bureaus__id__exact": world.sangyo.pk, "age": "1"},
    )
    assert queue.context["cl"].result_count == 1
    queue = client.get(reverse("admin:plan_changerequest_changelist"), {"age": "7"})
    assert queue.context["cl"].result_count == 0


def test_shared_kpi_change_shows_every_project_that_shares_it(world):
    client = client_as(world.staff)
    url = reverse("admin:kpis_kpi_change", args=[world.kpi.pk])
    data = read_form(client.get(url).content.decode(), "kpi_form")
    data.update(
        {
            "values-0-text": "最大1500MW (R12年度)",
            "values-0-value": "1500",
            "values-0-unit": "MW",
            "values-0-qualifier": "最大",
            "change_reason": "国の目標見直し",
        }
    )
    assert client.post(url, data).status_code == 302
    change_request = ChangeRequest.objects.get()
    assert change_request.kpi == world.kpi
    assert sorted(b.name for b in change_request.bureaus.all()) == ["産業経済局", "都市整備局"]
    html = (
        client_as(world.coordinator)
        .get(reverse("admin:plan_changerequest_change", args=[change_request.pk]))
        .content.decode()
    )
    assert "この KPI を共有する事業 (2件): 鳥獣被害対策事業、道路サポーター事業" in html
    # The other bureau's staff have a part in it: the KPI is theirs too.
    assert (
        client_as(world.toshi_staff)
        .get(reverse("admin:plan_changerequest_change", args=[change_request.pk]))
        .status_code
        == 200
    )
    decide(world, change_request, "approve")
    assert world.kpi.values.get(kind="target").text == "最大1500MW (R12年度)"


def test_new_project_by_staff_is_created_on_approval(world):
    client = client_as(world.staff)
    url = reverse("admin:plan_project_add")
    data = read_form(client.get(url).content.decode(), "project_form")
    data.update(
        {
            "edition": str(world.project.edition_id),
            "code": "P091",
            "name": "スマート農業推進事業",
            "summary": "新しい事業",
            "change_reason": "R7年度の新規事業",
            "bureau_links-TOTAL_FORMS": "1",
            "bureau_links-0-position": "1",
            "bureau_links-0-bureau": str(world.sangyo.pk),
        }
    )
    assert client.post(url, data).status_code == 302
    assert not Project.objects.filter(code="P091").exists()
    decide(world, ChangeRequest.objects.get(), "approve")
    created = Project.objects.get(code="P091")
    assert [b.name for b in created.bureaus.all()] == ["産業経済局"]
    assert created.history.get().proposed_by == world.staff


def test_services_refuse_what_the_policy_refuses(world):
    with pytest.raises(PermissionDenied):
        changes.change_request_submit(
            acting_user=world.staff,
            edition=world.other.edition,
            changes=[ProposedChange.update(world.other, {"summary": "他局の事業を書き換える"})],
            reason="越権",
            title="越権",
        )
    with pytest.raises(ValidationError, match="変更理由を入力してください。"):
        changes.change_request_submit(
            acting_user=world.staff,
            edition=world.project.edition,
            changes=[ProposedChange.update(world.project, {"summary": "x"})],
            reason=" ",
            title="x",
        )
    assert not ChangeRequest.objects.exists()


def test_restore_a_past_state_as_a_change_request(world):
    project = world.project
    change_request = propose_summary(world, "新しい概要")
    decide(world, change_request, "approve")
    first = project.history.earliest()  # created by the factory, before the change
    response = client_as(world.staff).post(
        reverse("admin:plan_project_restore", args=[project.pk, first.history_id])
    )
    assert response.status_code == 302
    restore = ChangeRequest.objects.filter(source="restore").get()
    assert restore.status == "pending"
    assert restore.items.get().proposed == {"summary": "有害鳥獣から市民を守る。"}


def test_audit_log_for_coordinators_only(world):
    change_request = propose_summary(world, "監査ログに載る案")
    decide(world, change_request, "approve")
    response = client_as(world.coordinator).get(reverse("admin:plan_changerequest_audit"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "概要: 有害鳥獣から市民を守る。 → 監査ログに載る案" in html
    assert client_as(world.staff).get(reverse("admin:plan_changerequest_audit")).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_two_coordinators_approving_at_once_apply_it_once(world):
    if connection.vendor != "postgresql":
        pytest.skip("row locks (SELECT ... FOR UPDATE) are tested on PostgreSQL")
    change_request = propose_summary(world, "同時に承認される案")
    barrier = threading.Barrier(2)
    outcomes = []

    def approve(user):
        from django.db import connections

        try:
            barrier.wait()
            changes.change_request_approve(acting_user=user, change_request=change_request)
            outcomes.append("approved")
        except PermissionDenied as error:
            outcomes.append(str(error))
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=approve, args=(getattr(world, name),))
        for name in ("coordinator", "coordinator2")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == [
        "approved",
        "この申請はすでに「承認・反映済み」です。審査待ちの申請だけを決定できます。",
    ]
    assert Project.history.filter(id=world.project.pk, history_type="~").count() == 1


def test_kpi_models_are_recorded_too(world):
    changes.change_direct_apply(
        acting_user=world.coordinator,
        edition=world.kpi.edition,
        changes=[ProposedChange.update(world.kpi, {"indicator": "市内再エネ導入量 (MW)"})],
        reason="表記の統一",
        title="KPI",
        kpi=world.kpi,
    )
    record = Kpi.history.filter(id=world.kpi.pk).latest()
    assert (record.indicator, record.approved_by, record.history_change_reason) == (
        "市内再エネ導入量 (MW)",
        world.coordinator,
        "表記の統一",
    )


def test_staff_cannot_attach_records_to_another_bureaus_project(world):
    """Forged: from the KPI form, link a KPI to another bureau's project (or move a link there)."""
    own_link = world.kpi.project_links.get(project=world.project)
    attempts = [
        ProposedChange.create(
            type(own_link),
            {"project_id": world.other.pk, "kpi_id": world.kpi.pk, "position": 9},
            key="x",
        ),
        ProposedChange.update(own_link, {"project_id": world.other.pk}),
    ]
    for change in attempts:
        with pytest.raises(
            PermissionDenied, match="変更できない事業や KPI に結び付けることはできません。"
        ):
            changes.change_request_submit(
                acting_user=world.staff,
                edition=world.project.edition,
                changes=[change],
                reason="越権",
                title="越権",
            )
    assert not ChangeRequest.objects.exists()


def test_amending_starts_from_the_reason_already_given(world):
    propose_summary(world, "最初の案", reason="事業内容の更新")
    page = client_as(world.staff).get(reverse("admin:plan_project_change", args=[world.project.pk]))
    assert read_form(page.content.decode(), "project_form")["change_reason"] == "事業内容の更新"


def test_loaded_edition_has_a_first_version_in_history(db):
    """setup_demo records the published state, so the first change shows what it changed from."""
    from django.core.management import call_command

    call_command("setup_demo")
    project = Project.objects.get(code="P002")
    assert project.history.count() == 1
    assert project.history.get().summary == "ボランティアによる海岸清掃活動の支援を行う。"


def test_users_are_shown_by_name(world):
    world.staff.last_name, world.staff.first_name = "産業経済局", "担当者"
    assert str(world.staff) == "産業経済局 担当者 (sangyo)"
    assert world.staff.get_short_name() == "産業経済局 担当者"
    assert str(world.viewer) == "viewer"


def test_restore_brings_back_bureaus_and_kpi_links_too(world):
    """A coordinator restores the version before 都市整備局 became co-owner and a KPI was dropped."""
    project = world.project
    changes.change_direct_apply(
        acting_user=world.coordinator,
        edition=project.edition,
        changes=[ProposedChange.update(project, {"summary": "共管になった後の概要"})],
        reason="概要の更新",
        title=project.name,
        project=project,
    )
    version = project.history.latest()  # the version to come back to: 産業経済局 only, one KPI
    project.refresh_from_db()
    changes.change_direct_apply(
        acting_user=world.coordinator,
        edition=project.edition,
        changes=[
            ProposedChange.create(
                type(project.bureau_links.get()),
                {"project_id": project.pk, "bureau_id": world.toshi.pk, "position": 2},
                key="co-owner",
            ),
            ProposedChange.delete(project.kpi_links.get()),
            ProposedChange.update(project, {"summary": "さらに後の概要"}),
        ],
        reason="共管化",
        title=project.name,
        project=project,
    )
    assert sorted(b.name for b in project.bureaus.all()) == ["産業経済局", "都市整備局"]

    change_request = changes.project_restore(
        acting_user=world.coordinator, project=project, record=version
    )
    assert change_request.status == "applied"
    project.refresh_from_db()
    assert project.summary == "共管になった後の概要"
    assert [b.name for b in project.bureaus.order_by("project_links__position")] == ["産業経済局"]
    assert [kpi.indicator for kpi in project.kpis.all()] == ["市内再エネ導入量"]
