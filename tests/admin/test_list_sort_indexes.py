"""The project and KPI lists sort by (edition, code, id): the unique (edition, code) index covers
that sort, and no index on the edition alone competes with it. With one, SQLite (which has no
statistics unless ``ANALYZE`` ran) scanned it and read every row whole (summary, search text) for
its code: at ×100 the project list's page keys took 4.3 ms instead of 1.6 (docs/performance.md,
"The changelist pages, fifth round")."""

import pytest
from django.db import connection

from kpis.models import Kpi
from plan.models import Project

pytestmark = pytest.mark.django_db

LISTS = [(Project, "plan_project"), (Kpi, "kpis_kpi")]


@pytest.mark.parametrize(("model", "table"), LISTS)
def test_the_edition_is_indexed_only_with_the_code(model, table):
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    with_edition = sorted(
        info["columns"]
        for info in constraints.values()
        if (info["index"] or info["unique"]) and info["columns"][0] == "edition_id"
    )
    assert with_edition == [["edition_id", "code"]] + (
        [["edition_id", "name"]] if model is Project else []
    )


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plan")
@pytest.mark.parametrize(("model", "table"), LISTS)
def test_sqlite_sorts_the_list_from_the_covering_index(model, table):
    keys = model.objects.order_by(*model._meta.ordering, "-pk").values("pk")[:100]
    plan = keys.explain()
    scans = [line for line in plan.splitlines() if "SCAN" in line]
    assert len(scans) == 1
    assert "USING COVERING INDEX sqlite_autoindex_" in scans[0]
