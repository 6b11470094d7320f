"""Editing a record with an open (pending or returned) request of one's own starts from the
request's proposed values, for the record and every inline row, says so, and saving amends the
same request keeping every earlier change."""

from decimal import Decimal

import pytest
from django.urls import reverse

from kpis.models import KpiValue
from plan import changes
from plan.models import ChangeRequest
from tests.admin_forms import client_as, read_form
from tests.world import build_plan_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """The KPI's target with its structured parts filled in, as the 2024 edition has them."""
    world = build_plan_world()
    target = KpiValue.objects.get(kpi=world.kpi, kind="target")
    target.value, target.unit, target.qualifier = Decimal(1400), "MW", "最大"
    target.fiscal_year, target.period = 2030, "fiscal_year"
    target.save()
    return world


@pytest.fixture
def target(world) -> KpiValue:
    return KpiValue.objects.get(kpi=world.kpi, kind="target")


def kpi_url(kpi) -> str:
    return reverse("admin:kpis_kpi_change", args=[kpi.pk])


def project_url(project) -> str:
    return reverse("admin:plan_project_change", args=[project.pk])


def values_row(data: dict, target: KpiValue) -> str:
    """The prefix of the KPI values inline form showing ``target``."""
    for name, value in data.items():
        if name.startswith("values-") and name.endswith("-id") and value == str(target.pk):
            return name[: -len("id")]
    raise AssertionError("the target row is not in the form")


def submit_kpi_form(client, kpi, **row_values) -> tuple[int, dict]:
    page = client.get(kpi_url(kpi)).content.decode()
    data = read_form(page, "kpi_form")
    row = values_row(data, KpiValue.objects.get(kpi=kpi, kind="target"))
    for name, value in row_values.items():
        data[row + name] = value
    data["change_reason"] = data.get("change_reason") or "目標の見直し"
    return client.post(kpi_url(kpi), data).status_code, data


def test_a_returned_kpi_request_keeps_its_text_change_when_only_the_year_is_fixed(world, target):
    staff, kpi = world.staff, world.kpi
    client = client_as(staff)
    status, _data = submit_kpi_form(client, kpi, text="最大1400MW (R12年度末)")
    assert status == 302
    change_request = ChangeRequest.objects.get()
    changes.change_request_return(
        acting_user=world.coordinator,
        change_request=change_request,
        comment="年度の意味も「年度末」にしてください。",
    )

    page = client.get(kpi_url(kpi)).content.decode()
    assert f"あなたの変更申請 #{change_request.pk} を修正しています" in page
    assert "差し戻しのコメント: 年度の意味も「年度末」にしてください。" in page
    data = read_form(page, "kpi_form")
    row = values_row(data, target)
    assert data[row + "text"] == "最大1400MW (R12年度末)"  # the proposal, not the official text
    assert data[row + "period"] == "fiscal_year"

    data[row + "period"] = "fiscal_year_end"
    assert client.post(kpi_url(kpi), data).status_code == 302

    change_request.refresh_from_db()
    assert ChangeRequest.objects.count() == 1
    assert (change_request.status, change_request.revision) == ("pending", 2)
    assert [item.proposed for item in change_request.items.all()] == [
        {"text": "最大1400MW (R12年度末)", "period": "fiscal_year_end"}
    ]
    assert KpiValue.objects.get(pk=target.pk).text == "最大1400MW (R12年度)"


def test_a_pending_project_request_shows_its_proposed_rows_and_keeps_them(world):
    staff, project = world.staff, world.project
    client = client_as(staff)
    data = read_form(client.get(project_url(project)).content.decode(), "project_form")
    data["kpi_links-0-position"] = "9"
    data["change_reason"] = "KPI の順序の訂正"
    assert client.post(project_url(project), data).status_code == 302

    page = client.get(project_url(project)).content.decode()
    data = read_form(page, "project_form")
    assert data["kpi_links-0-position"] == "9"
    assert "を修正しています" in page
    data["summary"] = "有害鳥獣から市民と農作物を守る。"
    assert client.post(project_url(project), data).status_code == 302

    change_request = ChangeRequest.objects.get()
    assert sorted(
        (item.model_label, sorted(item.proposed)) for item in change_request.items.all()
    ) == [("kpis.projectkpi", ["position"]), ("plan.project", ["summary"])]


def test_reverting_a_field_to_the_official_value_drops_it_from_the_request(world):
    client = client_as(world.staff)
    submit_kpi_form(client, world.kpi, text="最大1400MW (R12年度末)", period="fiscal_year_end")
    status, _data = submit_kpi_form(client, world.kpi, text="最大1400MW (R12年度)")
    assert status == 302
    assert [item.proposed for item in ChangeRequest.objects.get().items.all()] == [
        {"period": "fiscal_year_end"}
    ]


def test_a_row_the_request_adds_is_shown_again_and_kept(world):
    client = client_as(world.staff)
    data = read_form(client.get(kpi_url(world.kpi)).content.decode(), "kpi_form")
    data.update(
        {
            "values-TOTAL_FORMS": "2",
            "values-1-id": "",
            "values-1-kpi": str(world.kpi.pk),
            "values-1-kind": "baseline",
            "values-1-text": "436MW (R2年度)",
            "change_reason": "基準値の追加",
        }
    )
    assert client.post(kpi_url(world.kpi), data).status_code == 302

    data = read_form(client.get(kpi_url(world.kpi)).content.decode(), "kpi_form")
    assert (data["values-TOTAL_FORMS"], data["values-1-kind"], data["values-1-text"]) == (
        "2",
        "baseline",
        "436MW (R2年度)",
    )
    assert client.post(kpi_url(world.kpi), data).status_code == 302
    (item,) = ChangeRequest.objects.get().items.all()
    assert (item.operation, item.proposed["text"]) == ("create", "436MW (R2年度)")
