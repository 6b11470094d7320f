"""The project and KPI lists' page queries are compiled once per process for each shape
(plan.admin.kept_list.KeptRowsChangeList._read_page), and a search's page by key once per number
of keys (plan.admin.projects.SearchPaginator): a page read with a query compiled for another page,
filter, sort, search or user reads exactly the SQL it would compile itself."""

from collections import OrderedDict

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Bureau
from kpis.admin import KpiAdmin
from plan import prepared
from plan.admin import kept_list
from plan.admin.projects import ProjectAdmin
from plan.models import PolicyGoal, Project
from tests.admin_forms import client_as
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

PROJECTS = "admin:plan_project_changelist"
KPIS = "admin:kpis_kpi_changelist"


def shown(world) -> list[tuple[str, dict]]:
    goal = str(PolicyGoal.objects.get(code="I").pk)
    other_goal = str(PolicyGoal.objects.get(code="II").pk)
    bureau = str(Bureau.objects.get(name="環境局").pk)
    other_bureau = str(Bureau.objects.get(name="産業経済局").pk)
    return [
        (PROJECTS, {}),
        (PROJECTS, {"p": "2"}),
        (PROJECTS, {"p": "3"}),
        (PROJECTS, {"own": "all"}),
        (PROJECTS, {"own": "all", "p": "2"}),
        (PROJECTS, {"o": "-7", "own": "all"}),
        (PROJECTS, {"o": "2.3", "p": "2"}),
        (PROJECTS, {"listings__measure__goal__id__exact": goal}),
        (PROJECTS, {"listings__measure__goal__id__exact": goal, "p": "2"}),
        (PROJECTS, {"listings__measure__goal__id__exact": other_goal}),
        (PROJECTS, {"bureaus__id__exact": bureau, "own": "all"}),
        (PROJECTS, {"is_new__exact": "1", "own": "all"}),
        (PROJECTS, {"request": "pending"}),
        (PROJECTS, {"all": ""}),
        (PROJECTS, {"q": "環境", "p": "2"}),
        (PROJECTS, {"q": "環境", "own": "all", "o": "-7", "p": "2"}),
        (PROJECTS, {"q": "ごみ", "own": "all", "p": "2"}),
        (PROJECTS, {"q": "環境", "bureaus__id__exact": bureau, "own": "all", "p": "2"}),
        (KPIS, {}),
        (KPIS, {"p": "2"}),
        (KPIS, {"own": "all", "o": "2"}),
        (KPIS, {"own": "all", "p": "3"}),
        (KPIS, {"project_links__project__bureaus__id__exact": bureau}),
        (KPIS, {"project_links__project__bureaus__id__exact": other_bureau}),
    ]


def read(client, name: str, query: dict) -> list[str]:
    """The SQL of a first view's page query (the cache emptied)."""
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse(name), query).status_code == 200
    return [q["sql"] for q in captured.captured_queries if 'AS "request_status"' in q["sql"]]


def test_a_page_read_with_a_kept_compiled_query_is_the_pages_own_sql(world, monkeypatch):
    for model_admin in (ProjectAdmin, KpiAdmin):
        monkeypatch.setattr(model_admin, "list_per_page", 20)
    clients = {user.username: client_as(user) for user in (world.coordinator, world.sangyo)}
    views = [(user, name, query) for user in clients for name, query in shown(world)]
    own = {}
    for user, name, query in views:
        kept_list.forget_pages()
        monkeypatch.setattr(prepared, "_KEPT", OrderedDict())
        own[user, name, str(query)] = read(clients[user], name, query)
        assert len(own[user, name, str(query)]) == 1

    kept_list.forget_pages()
    monkeypatch.setattr(prepared, "_KEPT", OrderedDict())
    for _round in (1, 2):
        for user, name, query in views:
            sql = read(clients[user], name, query)
            assert (user, name, query, sql) == (user, name, query, own[user, name, str(query)])
        if _round == 1:
            shapes = len(kept_list._PAGES)
            searches = sorted(key for key in prepared._KEPT if key[0].endswith("search_page"))
    # 48 views: the coordinator's 「すべて」 is its default list (2 views); five searches of several
    # pages read their rows by key (not kept here); staff's seven 「すべて」 views are the
    # coordinator's (the same list's SQL, the same page query). The second round kept none anew.
    assert shapes == len(kept_list._PAGES) == 34
    # The searches' pages by key: 14 keys (「環境」 page 2, twice) and 4 (「ごみ」 page 2).
    page_by_keys = "plan.admin.projects.search_page"
    assert searches == [(page_by_keys, ("plan_project",), 4), (page_by_keys, ("plan_project",), 14)]
    assert searches == sorted(key for key in prepared._KEPT if key[0] == page_by_keys)
    assert all(prepared._KEPT[key].compiled("default") for key in searches)


def test_the_page_query_is_compiled_once(world, monkeypatch):
    """The second first view of a page builds the queryset but does not compile its query."""
    from django.db.models.sql.compiler import SQLCompiler

    client = client_as(world.coordinator)
    monkeypatch.setattr(ProjectAdmin, "list_per_page", 20)
    compiled = []
    as_sql = SQLCompiler.as_sql

    def counted(self, *args, **kwargs):
        sql, params = as_sql(self, *args, **kwargs)
        if 'AS "request_status"' in sql:
            compiled.append(sql)
        return sql, params

    monkeypatch.setattr(SQLCompiler, "as_sql", counted)
    read(client, PROJECTS, {"p": "2"})
    read(client, PROJECTS, {"p": "2"})
    assert len(compiled) == 1


def test_the_last_page_shows_a_project_added_since_its_query_was_compiled(world, monkeypatch):
    """The row count is part of a page query's shape: the last page's LIMIT follows it (found by
    review: no other test fails when the count is left out of the shape)."""
    count = Project.objects.count()
    per_page = next(size for size in range(5, 40) if 1 <= count % size <= size - 2)
    monkeypatch.setattr(ProjectAdmin, "list_per_page", per_page)
    last = {"own": "all", "p": str(count // per_page + 1)}
    client = client_as(world.coordinator)

    def shown() -> int:
        cache.clear()  # a first view, as after any change
        page = client.get(reverse("admin:plan_project_changelist"), last).content.decode()
        return page.count('name="_selected_action"')

    assert (count, per_page, shown()) == (Project.objects.count(), per_page, count % per_page)
    ProjectFactory(edition=Project.objects.first().edition, code="Z999", name="追加事業")
    assert shown() == count % per_page + 1
