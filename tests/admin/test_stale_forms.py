"""A change form saved after the record (or one of its inline rows) changed is refused as a
conflict and shown again with the current values; nothing is saved or proposed."""

import pytest
from django.urls import reverse

from kpis.models import KpiValue
from plan import changes
from plan.changes import ProposedChange
from plan.models import ChangeRequest, Project, ProjectBureau
from tests.admin_forms import client_as, read_form
from tests.world import PlanWorld, build_plan_world

pytestmark = pytest.mark.django_db

STALE = (
    "この画面を開いた後に、ほかの人の変更 (承認された申請や取りまとめ担当の編集) が反映されました。"
)


@pytest.fixture
def world() -> PlanWorld:
    return build_plan_world()


def open_form(user, url):
    client = client_as(user)
    return client, read_form(client.get(url).content.decode(), None)


def project_url(project) -> str:
    return reverse("admin:plan_project_change", args=[project.pk])


def approve_staff_summary(world: PlanWorld, summary: str) -> None:
    change_request = changes.change_request_submit(
        acting_user=world.staff,
        edition=world.project.edition,
        changes=[ProposedChange.update(world.project, {"summary": summary})],
        reason="内容の更新",
        title=world.project.name,
        project=world.project,
    )
    changes.change_request_approve(acting_user=world.coordinator2, change_request=change_request)


def test_a_coordinators_stale_form_does_not_revert_an_approved_request(world):
    project = world.project
    client, data = open_form(world.coordinator, project_url(project))
    approve_staff_summary(world, "有害鳥獣の捕獲と被害の防止を行う。")

    data.update({"name": "鳥獣被害対策推進事業"})
    response = client.post(project_url(project), data)

    assert response.status_code == 409
    html = response.content.decode()
    assert STALE in html
    assert "概要「有害鳥獣の捕獲と被害の防止を行う。」" in html
    assert "変更しました" not in html
    # The form shows the current values, and a version that lets the next save through.
    assert "有害鳥獣の捕獲と被害の防止を行う。</textarea>" in html
    project.refresh_from_db()
    assert (project.name, project.summary) == (
        "鳥獣被害対策事業",
        "有害鳥獣の捕獲と被害の防止を行う。",
    )
    assert not ChangeRequest.objects.filter(submitted_by=world.coordinator).exists()

    fresh = read_form(html, "project_form")
    fresh.update({"name": "鳥獣被害対策推進事業"})
    assert client.post(project_url(project), fresh).status_code == 302
    project.refresh_from_db()
    assert (project.name, project.summary) == (
        "鳥獣被害対策推進事業",
        "有害鳥獣の捕獲と被害の防止を行う。",
    )


def test_a_staff_form_opened_before_a_direct_edit_proposes_nothing(world):
    project = world.project
    client, data = open_form(world.staff, project_url(project))
    changes.change_direct_apply(
        acting_user=world.coordinator,
        edition=project.edition,
        changes=[ProposedChange.update(project, {"summary": "取りまとめ担当の修正。"})],
        reason="表記の統一",
        title=project.name,
        project=project,
    )

    data.update({"name": "鳥獣被害対策推進事業", "change_reason": "名称の変更"})
    response = client.post(project_url(project), data)

    assert response.status_code == 409
    assert "概要「取りまとめ担当の修正。」" in response.content.decode()
    assert not ChangeRequest.objects.filter(submitted_by=world.staff).exists()


def test_a_changed_inline_row_makes_the_form_stale(world):
    kpi = world.kpi
    url = reverse("admin:kpis_kpi_change", args=[kpi.pk])
    client, data = open_form(world.coordinator, url)
    value = KpiValue.objects.get(kpi=kpi)
    changes.change_direct_apply(
        acting_user=world.coordinator2,
        edition=kpi.edition,
        changes=[ProposedChange.update(value, {"text": "最大1500MW (R12年度)"})],
        reason="目標の見直し",
        title=kpi.indicator,
        kpi=kpi,
    )

    data.update({"indicator": "市内の再エネ導入量"})
    response = client.post(url, data)

    assert response.status_code == 409
    assert "公表表記「最大1500MW (R12年度)」" in response.content.decode()
    kpi.refresh_from_db()
    value.refresh_from_db()
    assert (kpi.indicator, value.text) == ("市内再エネ導入量", "最大1500MW (R12年度)")


def test_an_added_bureau_row_makes_the_form_stale(world):
    project = world.project
    client, data = open_form(world.coordinator, project_url(project))
    ProjectBureau.objects.create(project=project, bureau=world.toshi, position=2)

    data.update({"name": "鳥獣被害対策推進事業"})
    response = client.post(project_url(project), data)

    assert response.status_code == 409
    assert "所管局「鳥獣被害対策事業 / 都市整備局」が追加されました。" in response.content.decode()
    assert Project.objects.get(pk=project.pk).name == "鳥獣被害対策事業"


def test_a_form_without_its_version_is_refused(world):
    project = world.project
    client, data = open_form(world.coordinator, project_url(project))
    del data["_edit_version"]
    data.update({"name": "鳥獣被害対策推進事業"})
    response = client.post(project_url(project), data)
    assert response.status_code == 409
    assert Project.objects.get(pk=project.pk).name == "鳥獣被害対策事業"


def test_a_tampered_inline_id_is_a_form_error_not_a_new_row(world):
    project, other = world.project, world.other
    client, data = open_form(world.coordinator, project_url(project))
    others_link = ProjectBureau.objects.get(project=other)
    assert data["bureau_links-0-id"] == str(ProjectBureau.objects.get(project=project).pk)
    data["bureau_links-0-id"] = str(others_link.pk)

    response = client.post(project_url(project), data)

    assert response.status_code == 200
    assert (
        "この行は、この画面のレコードのものではありません。画面を開き直してください。"
        in response.content.decode()
    )
    assert sorted(
        ProjectBureau.objects.values_list("project__name", "bureau__name", "position")
    ) == [("道路サポーター事業", "都市整備局", 1), ("鳥獣被害対策事業", "産業経済局", 1)]
    assert not ChangeRequest.objects.exists()
