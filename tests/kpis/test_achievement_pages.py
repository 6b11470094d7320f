"""Where people see the actuals: the 「実績値と達成度」 panel and chart of the KPI and project pages,
and the actuals' own admin, whose saves go through the change engine."""

from decimal import Decimal

import pytest
from django.urls import reverse

from kpis.models import Kpi, KpiActual
from plan.models import ChangeRequest, Project
from tests.admin_forms import client_as, read_form, without_csrf

pytestmark = pytest.mark.django_db


def k007() -> Kpi:
    return Kpi.objects.get(code="K007")


def enter(kpi: Kpi, year: int, text: str, value: str, unit: str) -> KpiActual:
    return KpiActual.objects.create(kpi=kpi, year=year, text=text, value=Decimal(value), unit=unit)


def test_the_kpi_page_shows_the_series_with_rate_status_and_chart(world):
    enter(k007(), 2023, "700MW", "700", "MW")
    enter(k007(), 2024, "820MW", "820", "MW")
    response = client_as(world.viewer).get(reverse("admin:kpis_kpi_change", args=[k007().pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "実績値と達成度" in html
    assert "令和6年度 (2024)" in html
    assert "39.8%" in html  # (820 − 436) / (1400 − 436)
    assert '<span class="status status-on_track">順調</span>' in html
    assert '<svg class="kpi-chart"' in html
    assert "R6年度 実績 820MW (順調)" in html
    assert "目標 1,400MW (R12年度)" in html
    assert " style=" not in html.split('<svg class="kpi-chart"')[1].split("</svg>")[0]
    assert "<script" not in html.split('<svg class="kpi-chart"')[1].split("</svg>")[0]


def test_a_shared_kpi_shows_its_one_series_on_every_project(world):
    enter(k007(), 2024, "820MW", "820", "MW")
    projects = Project.objects.filter(kpi_links__kpi=k007())
    assert projects.count() == 7
    client = client_as(world.viewer)
    for project in projects:
        html = client.get(reverse("admin:plan_project_change", args=[project.pk])).content.decode()
        assert "R6年度 実績 820MW (順調)" in html


@pytest.mark.parametrize("actuals", [0, 30])
def test_the_project_page_reads_a_constant_number_of_queries(
    world, actuals, django_assert_max_num_queries
):
    project = Project.objects.get(
        kpi_links__kpi=k007(),
        code=Project.objects.filter(kpi_links__kpi=k007()).order_by("code").values("code")[:1],
    )
    for year in range(2000, 2000 + actuals):
        enter(k007(), year, f"{year}MW", "500", "MW")
    client = client_as(world.coordinator)
    url = reverse("admin:plan_project_change", args=[project.pk])
    with django_assert_max_num_queries(40):
        assert client.get(url).status_code == 200


def test_staff_entering_an_actual_in_the_admin_make_a_change_request(world):
    kpi = Kpi.objects.get(code="K035")  # 放置竹林整備面積, of a project of 産業経済局
    client = client_as(world.sangyo)
    url = reverse("admin:kpis_kpiactual_add")
    form = read_form(client.get(url).content.decode(), "kpiactual_form")
    form.update(
        {"kpi": str(kpi.pk), "year": "2024", "text": "18ha", "change_reason": "令和6年度の実績"}
    )
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert KpiActual.objects.count() == 0
    request = ChangeRequest.objects.get()
    assert request.status == ChangeRequest.Status.PENDING
    item = request.items.get()
    assert (item.model_label, item.proposed["text"], item.proposed["value"]) == (
        "kpis.kpiactual",
        "18ha",
        "18",
    )
    assert item.proposed["entered_by_id"] == world.sangyo.pk
    assert request.kpi == kpi  # listed among the KPI's open requests


def test_staff_choose_only_their_own_kpis(world):
    html = client_as(world.sangyo).get(reverse("admin:kpis_kpiactual_add")).content.decode()
    assert "放置竹林整備面積" in html
    assert "市民1人1日あたりの家庭ごみ量" not in html


def test_a_coordinator_enters_an_actual_directly_and_it_is_read_from_the_text(world):
    client = client_as(world.coordinator)
    url = reverse("admin:kpis_kpiactual_add")
    form = read_form(client.get(url).content.decode(), "kpiactual_form")
    form.update({"kpi": str(k007().pk), "year": "2024", "text": "約820MW", "status": "final"})
    assert client.post(url, form).status_code == 302
    actual = KpiActual.objects.get()
    assert (actual.value, actual.unit, actual.qualifier, actual.entered_by) == (
        Decimal("820"),
        "MW",
        "約",
        world.coordinator,
    )


@pytest.mark.parametrize(
    ("query", "codes"),
    [("", ["K007", "K035"]), ("year=2023", ["K035"]), ("status=final", ["K007"])],
)
def test_the_actuals_list_filters(world, query, codes):
    enter(k007(), 2024, "820MW", "820", "MW")
    KpiActual.objects.filter(kpi__code="K007").update(status="final")
    enter(Kpi.objects.get(code="K035"), 2023, "18ha", "18", "ha")
    response = client_as(world.viewer).get(reverse("admin:kpis_kpiactual_changelist") + "?" + query)
    assert sorted(a.kpi.code for a in response.context["cl"].result_list) == codes


def test_the_actuals_list_filters_by_bureau(world):
    from accounts.models import Bureau

    enter(k007(), 2024, "820MW", "820", "MW")
    enter(Kpi.objects.get(code="K035"), 2023, "18ha", "18", "ha")
    sangyo = Bureau.objects.get(name="産業経済局")
    url = reverse("admin:kpis_kpiactual_changelist") + f"?bureau={sangyo.pk}"
    response = client_as(world.viewer).get(url)
    codes = sorted(a.kpi.code for a in response.context["cl"].result_list)
    assert "K035" in codes


def _page(client, url) -> tuple[str, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return without_csrf(response.content.decode()), len(queries)


def test_the_panels_are_kept_until_what_they_show_changes(world):
    """The second view of a page reads the stamp of the panels' tables instead of the four
    queries of the panels; an actual added or changed, or a KPI taken off the project, shows."""
    client = client_as(world.viewer)
    kpi_url = reverse("admin:kpis_kpi_change", args=[k007().pk])
    first, first_queries = _page(client, kpi_url)
    again, again_queries = _page(client, kpi_url)
    assert again == first and "実績値はまだありません。" in again
    assert (first_queries, again_queries) == (16, 13)
    actual = enter(k007(), 2024, "820MW", "820", "MW")
    added, _ = _page(client, kpi_url)
    assert "R6年度 実績 820MW (順調)" in added
    actual.text, actual.value = "1,500MW", Decimal("1500")
    actual.save()
    changed, _ = _page(client, kpi_url)
    assert "R6年度 実績 1,500MW (達成)" in changed and "820MW" not in changed

    project = Project.objects.filter(kpi_links__kpi=k007()).order_by("code").first()
    project_url = reverse("admin:plan_project_change", args=[project.pk])
    shown, _ = _page(client, project_url)
    assert 'id="achievement-K007"' in shown
    project.kpi_links.get(kpi=k007()).delete()
    taken_off, _ = _page(client, project_url)
    assert 'id="achievement-K007"' not in taken_off
