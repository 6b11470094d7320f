"""The 「達成状況」 dashboard: counts by status per goal, measure and bureau, the drill-down, the
staff's own bureau first, a bounded year, and a query count that does not grow with the edition."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import Bureau
from kpis import dashboard
from kpis.achievement import Status
from kpis.models import Kpi, KpiActual, KpiValue, ProjectKpi
from plan.models import Listing, Project
from tests.admin_forms import client_as
from tests.factories import KpiFactory, ListingFactory, ProjectFactory

pytestmark = pytest.mark.django_db

URL = reverse("admin:kpis_achievement")


def enter(code: str, text: str, value: str, unit: str, year: int = 2024) -> None:
    KpiActual.objects.create(
        kpi=Kpi.objects.get(code=code), year=year, text=text, value=Decimal(value), unit=unit
    )


@pytest.fixture
def actuals(world):
    enter("K007", "820MW", "820", "MW")  # 順調
    enter("K027", "460g", "460", "g")  # 遅れ
    enter("K035", "18ha", "18", "ha")  # やや遅れ (産業経済局)
    enter("K049", "700人", "700", "人")  # 達成
    return world


def counts(row) -> dict[str, int]:
    return {status.label: count for status, count in row.cells if count}


def test_the_totals_count_every_kpi_of_the_edition(actuals):
    response = client_as(actuals.coordinator).get(URL + "?year=2024")
    assert response.status_code == 200
    assert counts(response.context["totals"]) == {
        "達成": 1,
        "順調": 1,
        "やや遅れ": 1,
        "遅れ": 1,
        "評価不可": 47,
    }


def test_by_bureau_the_staff_see_their_own_bureau_first(actuals):
    response = client_as(actuals.sangyo).get(URL + "?year=2024")
    bureaus = next(t for t in response.context["tables"] if t.group == "bureau")
    assert (bureaus.rows[0].label, bureaus.rows[0].own) == ("産業経済局", True)
    assert "産業経済局 (自局)" in response.content.decode()
    # A coordinator of 環境局 reads every bureau alike (the policy: only staff start at their own).
    actuals.coordinator.bureaus.add(Bureau.objects.get(name="環境局"))
    coordinator_view = client_as(actuals.coordinator).get(URL + "?year=2024")
    rows = next(t for t in coordinator_view.context["tables"] if t.group == "bureau").rows
    assert [row.label for row in rows if row.own] == []


def test_by_goal_a_kpi_counts_under_each_goal_of_its_projects(actuals):
    response = client_as(actuals.viewer).get(URL + "?year=2024")
    goals = next(t for t in response.context["tables"] if t.group == "goal")
    assert {row.label.split()[0]: counts(row) for row in goals.rows} == {
        "政策目標を下支えする取り組み": {"順調": 1, "評価不可": 15},
        "政策目標I": {"順調": 1, "評価不可": 10},
        "政策目標II": {"遅れ": 1, "評価不可": 6},
        "政策目標III": {"やや遅れ": 1, "評価不可": 15},
        "政策目標IV": {"達成": 1, "評価不可": 5},
    }


@pytest.mark.parametrize(
    ("query", "codes"),
    [
        ("status=behind", ["K027"]),
        ("status=achieved", ["K049"]),
        ("status=slightly_behind&group=bureau&key={sangyo}", ["K035"]),
        ("status=on_track&group=bureau&key={sangyo}", []),
    ],
)
def test_the_drill_down_lists_the_kpis_behind_a_count(actuals, query, codes):
    sangyo = Bureau.objects.get(name="産業経済局").pk
    response = client_as(actuals.viewer).get(f"{URL}?year=2024&{query.format(sangyo=sangyo)}")
    assert [kpi.code for kpi, _ in response.context["drill"]["rows"]] == codes


def test_a_year_outside_the_plan_is_refused_with_a_message(actuals):
    response = client_as(actuals.viewer).get(URL + "?year=1999")
    assert response.status_code == 200
    assert response.context["year"] == 2024
    assert "年度は計画期間の中から選んでください。" in response.content.decode()


def test_every_role_signed_in_sees_it_and_the_index_links_to_it(actuals):
    for user in (actuals.sangyo, actuals.viewer, actuals.coordinator):
        client = client_as(user)
        assert client.get(URL).status_code == 200
        assert URL in client.get(reverse("admin:index")).content.decode()


def test_the_bars_are_svg_without_style(actuals):
    html = client_as(actuals.viewer).get(URL + "?year=2024").content.decode()
    assert '<svg class="status-bar"' in html
    assert "<title>順調 1件</title>" in html
    assert " style=" not in html
    assert Status.ACHIEVED.label in html


def grow(copies: int) -> None:
    """``copies`` more KPIs, each with a project in a measure and a bureau, a target and an actual."""
    edition = Kpi.objects.get(code="K007").edition
    measure = Listing.objects.first().measure
    bureau = Bureau.objects.get(name="環境局")
    for number in range(copies):
        project = ProjectFactory(edition=edition, bureaus=[bureau])
        ListingFactory(measure=measure, project=project, number=100 + number)
        kpi = KpiFactory(edition=edition)
        ProjectKpi.objects.create(project=project, kpi=kpi, position=1)
        KpiValue.objects.create(
            kpi=kpi,
            kind="baseline",
            text="10件 (R4年度)",
            value=10,
            unit="件",
            fiscal_year=2022,
            period="fiscal_year",
        )
        KpiValue.objects.create(
            kpi=kpi,
            kind="target",
            text="20件 (R12年度)",
            value=20,
            unit="件",
            fiscal_year=2030,
            period="fiscal_year",
        )
        KpiActual.objects.create(kpi=kpi, year=2024, text="13件", value=13, unit="件")


@pytest.mark.parametrize("copies", [0, 60])
@pytest.mark.parametrize("query", ["year=2024", "year=2024&list=1"])
def test_the_query_count_does_not_grow_with_the_edition(
    actuals, copies, query, django_assert_max_num_queries
):
    grow(copies)
    client = client_as(actuals.sangyo)
    with django_assert_max_num_queries(17):
        response = client.get(f"{URL}?{query}")
    assert response.context["totals"].total == 51 + copies
    with django_assert_max_num_queries(11):  # nothing changed: the judgement is kept
        response = client.get(f"{URL}?{query}")
    assert response.context["totals"].total == 51 + copies
    assert Project.objects.count() == 90 + copies


def drill_codes(response) -> list[str]:
    return re.findall(
        r'<td><a href="/admin/kpis/kpi/\d+/change/">(K[\d-]+)</a></td>', response.content.decode()
    )


def test_the_drill_down_is_paged_as_the_lists_are(actuals, monkeypatch):
    """A page of ``DRILL_PER_PAGE`` KPIs (here 20) with the pager's links keeping the drill-down's
    query; 「すべて表示」 lists them all; a page past the end shows the last."""
    monkeypatch.setattr(dashboard, "DRILL_PER_PAGE", 20)
    client = client_as(actuals.viewer)
    codes = [kpi.code for kpi in Kpi.objects.order_by("code")]
    assert len(codes) == 51
    first = client.get(URL + "?year=2024&list=1")
    html = first.content.decode()
    assert drill_codes(first) == codes[:20]
    assert "<h2>KPI: すべての状況 (51 件)</h2>" in html
    assert (
        '<p class="paginator"><span class="this-page">1</span> '
        '<a href="?year=2024&amp;list=1&amp;p=2#drill-down">2</a> '
        '<a href="?year=2024&amp;list=1&amp;p=3#drill-down" class="end">3</a> '
        "1–20 件目を表示 "
        '<a href="?year=2024&amp;list=1&amp;all=1#drill-down" class="showall">すべて表示</a></p>'
    ) in html
    assert drill_codes(client.get(URL + "?year=2024&list=1&p=3")) == codes[40:]
    assert drill_codes(client.get(URL + "?year=2024&list=1&p=9")) == codes[40:]
    every = client.get(URL + "?year=2024&list=1&p=2&all=1")
    assert drill_codes(every) == codes
    assert '<a href="?year=2024&amp;list=1#drill-down">20 件ずつ表示</a>' in every.content.decode()
    # One page only: no pager.
    behind = client.get(URL + "?year=2024&status=behind")
    assert drill_codes(behind) == ["K027"]
    assert 'class="paginator"' not in behind.content.decode()
