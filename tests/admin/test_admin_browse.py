"""Browsing the plan in the admin: pages render in Japanese, lists stay cheap, search and filters."""

import re

import pytest
from django.urls import reverse

from accounts.models import Bureau, Role
from kpis.models import Kpi
from plan.models import Measure, PolicyGoal, Project
from tests.factories import (
    BureauFactory,
    KpiFactory,
    KpiValueFactory,
    ListingFactory,
    MeasureFactory,
    ProjectFactory,
    ProjectKpiFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator_client(client):
    client.force_login(UserFactory(role=Role.COORDINATOR))
    return client


def changelist_rows(response) -> int:
    return len(re.findall(r'<tr[^>]*>\s*<td class="action-checkbox">', response.content.decode()))


ADMIN_MODELS = [
    "plan.plan",
    "plan.edition",
    "plan.policygoal",
    "plan.measure",
    "plan.project",
    "kpis.kpi",
    "accounts.bureau",
]


@pytest.mark.parametrize("model", ADMIN_MODELS)
def test_every_changelist_and_change_form_renders_in_japanese(
    coordinator_client, edition_2024, model
):
    app_label, model_name = model.split(".")
    response = coordinator_client.get(reverse(f"admin:{app_label}_{model_name}_changelist"))
    assert response.status_code == 200
    assert "北九州市環境基本計画 個別プロジェクト集" in response.content.decode()
    assert 'lang="ja"' in response.content.decode()
    first = response.context["cl"].result_list[0]
    response = coordinator_client.get(
        reverse(f"admin:{app_label}_{model_name}_change", args=[first.pk])
    )
    assert response.status_code == 200


def test_project_list_shows_every_listing_of_a_cross_listed_project(
    coordinator_client, edition_2024
):
    response = coordinator_client.get(
        reverse("admin:plan_project_changelist"), {"q": "アジア・グリーン共創ハブ"}
    )
    html = response.content.decode()
    assert changelist_rows(response) == 1
    assert "下支え<br>IV<br>IV<br>IV<br>IV<br>IV<br>" in html
    assert "1<br>1<br>1<br>1<br>1<br>1<br>" in html
    assert "(5) アジアカーボンニュートラルセンターの機能・体質強化<br>" in html
    for header in ("政策目標", "基本施策", "No", "事業/取組名", "所管局", "KPI 数"):
        assert header in html


def test_project_list_counts_and_orders_the_whole_edition(coordinator_client, edition_2024):
    response = coordinator_client.get(reverse("admin:plan_project_changelist"))
    changelist = response.context["cl"]
    assert changelist.result_count == 90
    assert [p.code for p in changelist.result_list[:3]] == ["P001", "P002", "P003"]
    assert changelist_rows(response) == 90


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ＢＩＭ", ["BIM活用推進事業"]),  # full-width letters find half-width ones
        ("bim", ["BIM活用推進事業"]),
        ("ＣＯ２ 運輸部門", ["充電インフラ普及促進事業"]),  # KPI text, CO₂ (subscript) in the data
        ("民間建築物アスベスト", ["民間建築物アスベスト等対策事業"]),
        ("市内再エネ導入量", None),  # a shared KPI: all seven projects
    ],
)
def test_search_is_nfkc_normalised_over_name_summary_and_kpis(
    coordinator_client, edition_2024, query, expected
):
    response = coordinator_client.get(reverse("admin:plan_project_changelist"), {"q": query})
    names = [project.name for project in response.context["cl"].result_list]
    if expected is None:
        assert len(names) == 7
    else:
        assert names == expected


def test_filters_by_goal_measure_bureau_and_new(coordinator_client, edition_2024):
    url = reverse("admin:plan_project_changelist")
    goal_iv = PolicyGoal.objects.get(code="IV")
    measure = Measure.objects.get(goal__code="II", number=1)
    bureau = Bureau.objects.get(name="産業経済局")

    def count(params):
        response = coordinator_client.get(url, params)
        assert response.status_code == 200
        return response.context["cl"].result_count

    # IV: 「アジア・グリーン共創ハブ」, 「インフラシステム輸出」, 「環境国際協力推進」,
    # 「環境国際推進」 (10 listings).
    assert count({"listings__measure__goal__id__exact": goal_iv.pk}) == 4
    assert count({"listings__measure__id__exact": measure.pk}) == 7
    assert count({"bureaus__id__exact": bureau.pk}) == 9
    assert count({"is_new__exact": 1}) == 1


def test_kpi_list_shows_projects_sharing_a_kpi(coordinator_client, edition_2024):
    response = coordinator_client.get(
        reverse("admin:kpis_kpi_changelist"), {"q": "市内再エネ導入量"}
    )
    html = response.content.decode()
    assert response.context["cl"].result_count == 1
    assert "436MW (R2年度)" in html
    assert "最大1400MW (R12年度)" in html
    assert "離島周辺海域における洋上風力発電基礎調査<br>" in html
    kpi = Kpi.objects.get(indicator="市内再エネ導入量")
    response = coordinator_client.get(reverse("admin:kpis_kpi_change", args=[kpi.pk]))
    assert response.context["inline_admin_formsets"][1].formset.queryset.count() == 7


def test_project_change_form_has_listing_bureau_and_kpi_inlines(coordinator_client, edition_2024):
    project = Project.objects.get(name="アジア・グリーン共創ハブ推進事業")
    response = coordinator_client.get(reverse("admin:plan_project_change", args=[project.pk]))
    formsets = {
        f.opts.model._meta.model_name: f.formset for f in response.context["inline_admin_formsets"]
    }
    assert formsets["listing"].queryset.count() == 6
    assert formsets["projectbureau"].queryset.count() == 1
    assert formsets["projectkpi"].queryset.count() == 3
    assert "約1,400万t (R12年度)" in response.content.decode()


def test_autocomplete_finds_kpis_width_insensitively(coordinator_client, edition_2024):
    response = coordinator_client.get(
        reverse("admin:autocomplete"),
        {"term": "ＣＯ２", "app_label": "kpis", "model_name": "projectkpi", "field_name": "kpi"},
    )
    assert response.status_code == 200
    texts = [result["text"] for result in response.json()["results"]]
    assert texts == [
        "産業部門(※)のCO₂排出量の削減 ※工業プロセス部門を含む",
        "運輸部門のCO₂排出量の削減",
    ]


def make_projects(count: int) -> None:
    bureaus = [BureauFactory(), BureauFactory()]
    measure = MeasureFactory()
    for _ in range(count):
        project = ProjectFactory(bureaus=bureaus)
        ListingFactory(project=project, measure=measure)
        ListingFactory(project=project, measure__goal=measure.goal)
        kpi = KpiFactory(edition=project.edition)
        KpiValueFactory(kpi=kpi)
        ProjectKpiFactory(project=project, kpi=kpi)


@pytest.mark.parametrize("rows", [10, 200])
def test_project_list_query_count_does_not_grow_with_rows(
    coordinator_client, django_assert_max_num_queries, rows
):
    make_projects(rows)
    with django_assert_max_num_queries(18):
        response = coordinator_client.get(reverse("admin:plan_project_changelist"), {"all": ""})
    assert changelist_rows(response) == rows


@pytest.mark.parametrize("rows", [10, 200])
def test_kpi_list_query_count_does_not_grow_with_rows(
    coordinator_client, django_assert_max_num_queries, rows
):
    make_projects(rows)
    with django_assert_max_num_queries(16):
        response = coordinator_client.get(reverse("admin:kpis_kpi_changelist"), {"all": ""})
    assert changelist_rows(response) == rows
