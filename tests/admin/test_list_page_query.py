"""The project and KPI lists read their page's rows as a kept page makes them again
(plan.admin.kept_list.KeptRowsChangeList.narrowed): the row's fields and the annotations it shows,
not the wide texts (概要, the search column) nor the sort keys, which still sort the page."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Bureau
from plan.admin.projects import ProjectAdmin
from plan.models import PolicyGoal
from tests.admin_forms import client_as

pytestmark = pytest.mark.django_db

PROJECTS = "admin:plan_project_changelist"
KPIS = "admin:kpis_kpi_changelist"


def page_query(client, name: str, query: dict, marker: str) -> tuple[str, str]:
    """The page's HTML and the SQL of its rows' query (the one selecting ``marker``)."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse(name), query)
    assert response.status_code == 200
    selecting = [q["sql"] for q in captured.captured_queries if f'AS "{marker}"' in q["sql"]]
    assert len(selecting) == 1
    return response.content.decode(), selecting[0]


def selected(sql: str, table: str = "plan_project") -> str:
    """The SELECT clause of the outer query (up to its FROM of the list's table)."""
    return sql.split(f' FROM "{table}"', 1)[0]


@pytest.mark.parametrize(
    "query",
    [{}, {"o": "2"}, {"o": "-7.5"}, {"listings__measure__goal__id__exact": "1"}],
    ids=["default", "by goal", "by kpi count and bureau", "goal filter"],
)
def test_the_project_pages_rows_are_read_narrow(world, query):
    _html, sql = page_query(client_as(world.coordinator), PROJECTS, query, "request_status")
    columns = selected(sql)
    assert '"plan_project"."name"' in columns
    assert 'AS "kpi_count"' in columns
    for wide in ('"summary"', '"search_text"', '"predecessor_id"'):
        assert wide not in columns
    for key in ("goal_order", "listing_order", "bureau_order"):
        assert f'AS "{key}"' not in sql


def test_a_sort_key_still_sorts_the_page(world):
    """By goal, then measure: the first rows are the foundation's (「下支え」) listings."""
    client = client_as(world.coordinator)
    html, sql = page_query(client, PROJECTS, {"o": "2.3"}, "request_status")
    assert "ORDER BY" in sql and "display_order" in sql.rsplit("ORDER BY", 1)[1]
    first = html.index('<td class="field-goal_column">')
    assert html[first : first + 60].startswith('<td class="field-goal_column">下支え<br>')


def test_a_searchs_page_is_read_narrow(world, monkeypatch):
    """A search of several pages reads the page's rows by key (``KeysFirstPaginator``'s rows)."""
    monkeypatch.setattr(ProjectAdmin, "list_per_page", 5)
    client = client_as(world.coordinator)
    html, sql = page_query(client, PROJECTS, {"q": "環境", "p": "2"}, "request_status")
    assert '"search_text"' not in selected(sql)
    assert "LIKE" not in sql  # the page's rows by key: the texts are not searched again
    assert 'AS "goal_order"' not in sql
    assert html.count('<tr><td class="action-checkbox">') == 5


def test_the_kpi_pages_rows_are_read_narrow(world):
    _html, sql = page_query(client_as(world.coordinator), KPIS, {}, "request_status")
    columns = selected(sql, "kpis_kpi")
    assert '"kpis_kpi"."indicator"' in columns
    assert '"search_text"' not in columns


def codes(client, query: dict) -> list[str]:
    response = client.get(reverse(PROJECTS), query)
    assert response.status_code == 200
    return re.findall(r'class="field-code"><a href="[^"]*">([^<]+)</a>', response.content.decode())


@pytest.mark.parametrize("order", ["2", "-7.5", "6", "2.3.-1"])
def test_the_pages_of_a_sort_are_the_whole_lists_slices(world, monkeypatch, order):
    """The page's keys are sorted by the annotations the sort names (the others left out of the
    keys' subquery, ``KeysFirstPaginator``): 25 a page, pages 1–4 make the whole list."""
    client = client_as(world.coordinator)
    whole = codes(client, {"o": order})
    assert len(whole) == 90
    monkeypatch.setattr(ProjectAdmin, "list_per_page", 25)
    paged = [code for p in ("1", "2", "3", "4") for code in codes(client, {"o": order, "p": p})]
    assert paged == whole


@pytest.mark.parametrize("by", ["goal", "bureau"])
def test_a_filtered_lists_pages_judge_the_filter_once(world, monkeypatch, by):
    """The page's keys come from the filtered list, so the page's query judges the filter in the
    keys' subquery only; the pages are still the filtered list's slices."""
    if by == "goal":
        query = {"listings__measure__goal__id__exact": str(PolicyGoal.objects.get(code="I").pk)}
        condition = 'JOIN "plan_listing"'
    else:
        query = {"bureaus__id__exact": str(Bureau.objects.get(name="環境局").pk)}
        condition = 'JOIN "plan_projectbureau"'
    client = client_as(world.coordinator)
    whole = codes(client, query)
    monkeypatch.setattr(ProjectAdmin, "list_per_page", 5)
    _html, sql = page_query(client, PROJECTS, {**query, "p": "2"}, "request_status")
    assert sql.count(condition) == 1
    pages = (len(whole) + 4) // 5
    assert len(whole) > 10
    paged = [c for p in range(1, pages + 1) for c in codes(client, {**query, "p": str(p)})]
    assert paged == whole
