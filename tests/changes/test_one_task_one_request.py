"""One task, one request: a staff member's open changes to one project and its KPIs gather into one
change request until it is decided; the change forms say so before the save."""

import pytest
from django.urls import reverse

from kpis.models import KpiValue
from plan import changes
from plan.changes import ProposedChange, RequestScope
from plan.models import ChangeRequest
from tests.admin_forms import client_as, read_form
from tests.factories import KpiFactory, KpiValueFactory, ProjectKpiFactory
from tests.world import build_plan_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_plan_world()


def project_url(world) -> str:
    return reverse("admin:plan_project_change", args=[world.project.pk])


def kpi_url(kpi) -> str:
    return reverse("admin:kpis_kpi_change", args=[kpi.pk])


def save_summary(client, world, summary: str) -> None:
    data = read_form(client.get(project_url(world)).content.decode(), "project_form")
    data.update({"summary": summary, "change_reason": data["change_reason"] or "概要の更新"})
    assert client.post(project_url(world), data).status_code == 302


def save_kpi_text(client, kpi, text: str) -> str:
    page = client.get(kpi_url(kpi)).content.decode()
    data = read_form(page, "kpi_form")
    data.update({"values-0-text": text, "change_reason": data["change_reason"] or "表記の訂正"})
    assert client.post(kpi_url(kpi), data).status_code == 302
    return page


def item_summary(change_request) -> list[tuple[str, dict]]:
    return [(item.model_label, item.proposed) for item in change_request.items.all()]


def test_a_project_and_then_its_kpi_make_one_request(world):
    client = client_as(world.staff)
    save_summary(client, world, "有害鳥獣から市民と農作物を守る。")
    request_pk = ChangeRequest.objects.get().pk

    page = save_kpi_text(client, world.kpi, "最大1400MW (R12年度末)")

    assert f"保存すると、あなたの変更申請 #{request_pk} に加わります" in page
    change_request = ChangeRequest.objects.get()
    assert (change_request.pk, change_request.project, change_request.title) == (
        request_pk,
        world.project,
        "鳥獣被害対策事業",
    )
    assert item_summary(change_request) == [
        ("plan.project", {"summary": "有害鳥獣から市民と農作物を守る。"}),
        ("kpis.kpivalue", {"text": "最大1400MW (R12年度末)"}),
    ]


def test_a_kpi_and_then_its_project_make_one_request_about_the_project(world):
    client = client_as(world.staff)
    save_kpi_text(client, world.kpi, "最大1400MW (R12年度末)")
    save_summary(client, world, "有害鳥獣から市民と農作物を守る。")

    change_request = ChangeRequest.objects.get()
    assert (change_request.project, change_request.kpi) == (world.project, world.kpi)
    assert change_request.title == "鳥獣被害対策事業"
    assert change_request.revision == 2
    assert [label for label, _proposed in item_summary(change_request)] == [
        "kpis.kpivalue",
        "plan.project",
    ]


def test_a_returned_request_joined_by_another_change_goes_back_to_pending_once(world):
    client = client_as(world.staff)
    save_summary(client, world, "第一案")
    change_request = ChangeRequest.objects.get()
    changes.change_request_return(
        acting_user=world.coordinator, change_request=change_request, comment="KPI も直して"
    )
    save_kpi_text(client, world.kpi, "最大1400MW (R12年度末)")

    change_request.refresh_from_db()
    assert (change_request.status, change_request.revision) == ("pending", 2)
    assert ChangeRequest.objects.count() == 1
    changes.change_request_approve(acting_user=world.coordinator, change_request=change_request)
    world.project.refresh_from_db()
    assert world.project.summary == "第一案"
    assert KpiValue.objects.get(kpi=world.kpi).text == "最大1400MW (R12年度末)"


def test_a_decided_request_is_not_joined(world):
    client = client_as(world.staff)
    save_summary(client, world, "第一案")
    first = ChangeRequest.objects.get()
    changes.change_request_approve(acting_user=world.coordinator, change_request=first)
    save_kpi_text(client, world.kpi, "最大1400MW (R12年度末)")
    assert ChangeRequest.objects.exclude(pk=first.pk).get().kpi == world.kpi


def test_another_projects_kpi_is_another_task(world):
    client = client_as(world.staff)
    save_summary(client, world, "第一案")
    unrelated = KpiFactory(edition=world.project.edition, indicator="捕獲頭数")
    KpiValueFactory(kpi=unrelated, kind="target", text="500頭")
    ProjectKpiFactory(project=world.other, kpi=unrelated)
    world.staff.bureaus.add(world.toshi)
    save_kpi_text(client, unrelated, "600頭")
    assert ChangeRequest.objects.count() == 2


def test_another_staff_members_request_is_not_joined(world):
    save_summary(client_as(world.staff), world, "第一案")
    colleague = type(world.staff).objects.create_user(
        "sangyo2", password="x-Password-2024", role="bureau_staff"
    )
    colleague.bureaus.add(world.sangyo)
    page = save_kpi_text(client_as(colleague), world.kpi, "最大1400MW (R12年度末)")
    assert "あなたの変更申請" not in page
    assert ChangeRequest.objects.count() == 2


@pytest.mark.parametrize(
    ("scope_of", "joins"),
    [
        ("project", True),
        ("kpi", True),
        ("other_project", False),
        ("nothing", False),
    ],
)
def test_which_open_request_a_scope_joins(world, scope_of, joins):
    change_request = changes.change_request_submit(
        acting_user=world.staff,
        edition=world.project.edition,
        changes=[ProposedChange.update(world.project, {"summary": "第一案"})],
        reason="更新",
        title="鳥獣被害対策事業",
        project=world.project,
    )
    scopes = {
        "project": RequestScope(projects=frozenset({world.project.pk})),
        "kpi": RequestScope(kpis=frozenset({world.kpi.pk}), projects=frozenset({world.project.pk})),
        "other_project": RequestScope(projects=frozenset({world.other.pk})),
        "nothing": RequestScope(),
    }
    found = changes.open_request_for_task(world.staff, scopes[scope_of])
    assert (found == change_request) is joins
