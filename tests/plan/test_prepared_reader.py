"""How a prepared query reads its rows (plan.prepared's ``_Reader``: the compiled query's
converters found once, not through the ORM's compiler on each run) and ``by_keys``, records by key
by a query compiled once per number of keys: the same instances as the ORM's."""

from decimal import Decimal

import pytest
from django.db.models import Count
from django.db.models.sql.compiler import SQLCompiler

from accounts.models import Bureau
from kpis.models import KpiValue
from plan import prepared as prepared_module
from plan.models import Measure, PolicyGoal, Project, ProjectBureau
from plan.prepared import BY_KEYS_AT_MOST, Prepared, by_keys
from tests.factories import BureauFactory, MeasureFactory
from tests.world import build_plan_world

pytestmark = pytest.mark.django_db


def values(row) -> dict:
    return {field.attname: getattr(row, field.attname) for field in row._meta.concrete_fields}


def test_converted_columns_come_as_the_orm_reads_them(monkeypatch):
    """A historical KPI value: a Decimal, a datetime, choices; read again without the compiler."""
    world = build_plan_world()
    value = KpiValue.objects.get(kpi=world.kpi)
    value.value = Decimal("1400.5000")
    value.save()
    history = KpiValue.history.model

    def build(kpi):
        return history._base_manager.filter(kpi_id=kpi).order_by("history_id")

    prepared = Prepared(build, [int])
    prepared(world.kpi.pk)  # compiled
    monkeypatch.setattr(SQLCompiler, "execute_sql", lambda *args, **kwargs: pytest.fail("ran"))
    rows = prepared(world.kpi.pk)
    monkeypatch.undo()
    expected = list(build(world.kpi.pk))
    assert [values(row) for row in rows] == [values(row) for row in expected]
    assert [(row.history_type, row.value, row.text) for row in rows] == [
        ("+", None, "最大1400MW (R12年度)"),
        ("~", Decimal("1400.5000"), "最大1400MW (R12年度)"),
    ]
    assert type(rows[1].history_date) is type(expected[1].history_date)
    assert rows[1].history_date == expected[1].history_date
    assert all(row._state.adding is False and row._state.db == "default" for row in rows)


def test_annotations_and_relations_come_with_the_rows():
    world = build_plan_world()
    prepared = Prepared(
        lambda pk: (
            Project._base_manager.filter(pk=pk)
            .select_related("edition__plan")
            .annotate(links=Count("bureau_links"))
        ),
        [int],
    )
    assert prepared.compiled("default") is not None
    (row,) = prepared(world.project.pk)
    assert (row.name, row.links) == ("鳥獣被害対策事業", 1)
    assert Project.edition.field.is_cached(row)
    assert row.edition.plan == world.project.edition.plan


def test_a_query_through_a_related_manager_is_not_prepared_and_keeps_its_parent():
    """Its rows name the record they were read through (known related objects): read by the ORM."""
    world = build_plan_world()
    prepared = Prepared(lambda pk: world.project.bureau_links.filter(bureau_id=pk), [int])
    (row,) = prepared(world.sangyo.pk)
    assert prepared.compiled("default") is None
    assert row.project is world.project


def test_records_by_key_read_by_a_query_per_number_of_keys(django_assert_num_queries):
    first, second, third = (BureauFactory(name=name) for name in ("甲局", "乙局", "丙局"))
    with django_assert_num_queries(1):
        found = by_keys(Bureau, [first.pk, second.pk, first.pk, 10**9])
    assert {pk: bureau.name for pk, bureau in found.items()} == {
        first.pk: "甲局",
        second.pk: "乙局",
    }
    shape = ("by_keys", Bureau, (), 3)
    assert shape in prepared_module._KEPT
    kept = prepared_module._KEPT[shape]
    assert {pk: b.name for pk, b in by_keys(Bureau, [third.pk, first.pk, -1]).items()} == {
        third.pk: "丙局",
        first.pk: "甲局",
    }
    assert prepared_module._KEPT[shape] is kept
    with django_assert_num_queries(0):
        assert by_keys(Bureau, []) == {}


def test_records_by_key_come_with_the_relations_asked():
    measure = MeasureFactory()
    every = by_keys(Measure, [measure.pk], None)[measure.pk]
    named = by_keys(Measure, [measure.pk], ("goal",))[measure.pk]
    bare = by_keys(Measure, [measure.pk])[measure.pk]
    assert Measure.goal.field.is_cached(every) and Measure.goal.field.is_cached(named)
    assert Measure.goal.field.get_cached_value(every).edition_id == measure.goal.edition_id
    assert PolicyGoal.edition.field.is_cached(every.goal)  # every relation, theirs too
    assert not PolicyGoal.edition.field.is_cached(named.goal)
    assert not Measure.goal.field.is_cached(bare)
    assert values(bare) == values(measure)


def test_many_keys_or_keys_not_whole_numbers_are_read_as_the_orm_reads_them():
    world = build_plan_world()
    links = list(ProjectBureau.objects.order_by("pk"))
    before = set(prepared_module._KEPT)
    many = [links[0].pk, *range(10**9, 10**9 + BY_KEYS_AT_MOST)]
    assert list(by_keys(ProjectBureau, many)) == [links[0].pk]
    assert list(by_keys(ProjectBureau, [str(links[1].pk)])) == [links[1].pk]
    assert set(prepared_module._KEPT) == before
    assert by_keys(ProjectBureau, [links[1].pk])[links[1].pk].project_id == world.other.pk
