"""An inline formset's rows read with a prepared query (plan/admin/inline_rows.py): the same rows,
related records, prefetched values and SQL as Django's formset, compiled once; querysets of
another shape read as Django reads them."""

from collections import OrderedDict

import pytest
from django.contrib import admin
from django.db import connection
from django.db.models import Count
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kpis.models import Kpi, KpiValue, ProjectKpi
from plan import prepared as prepared_module
from plan.admin.inline_rows import PreparedRowsInlineMixin, prefetch_prepared, rows_shape
from plan.models import Listing, Project, ProjectBureau
from tests.admin_forms import viewed_twice
from tests.factories import (
    KpiFactory,
    KpiValueFactory,
    ListingFactory,
    MeasureFactory,
    ProjectFactory,
    ProjectKpiFactory,
)
from tests.world import build_plan_world

pytestmark = pytest.mark.django_db


def _world():
    """The world's project with three listings and three KPIs (two values each, one without)."""
    world = build_plan_world(kpi_shared=True)
    ProjectKpi.objects.filter(project=world.project).update(position=1)
    goal = Listing.objects.get(project=world.project).measure.goal
    for number in (3, 5):
        measure = MeasureFactory(goal=goal, number=number + 90)
        ListingFactory(project=world.project, measure=measure, number=number)
    for position, indicator in ((2, "二つ目の指標"), (3, "三つ目の指標")):
        kpi = KpiFactory(edition=world.project.edition, indicator=indicator)
        if position == 2:
            KpiValueFactory(kpi=kpi, kind="baseline", text="100件 (R5年度)")
            KpiValueFactory(kpi=kpi, kind="target", text="200件 (R12年度)")
        ProjectKpiFactory(project=world.project, kpi=kpi, position=position)
    return world


def _request(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def _read(formset_class, inline, request, project):
    """The formset's rows (as its template reads them) and the SQL it ran."""
    formset = formset_class(instance=project, prefix="rows", queryset=inline.get_queryset(request))
    with CaptureQueriesContext(connection) as queries:
        rows = list(formset.get_queryset())
        formset.forms  # noqa: B018 (built from the rows)
    return formset, rows, [query["sql"] for query in queries.captured_queries]


def _held(row) -> dict:
    """What a row holds besides its fields: its related records read with it, its prefetched
    values (each holding its KPI)."""
    held = {
        name: getattr(row, name).pk
        for name in ("project", "bureau", "measure", "kpi")
        if hasattr(type(row), name) and type(row)._meta.get_field(name).is_cached(row)
    }
    if isinstance(row, Listing):
        held["goal"] = row.measure.goal.pk if Listing.measure.is_cached(row) else None
    if isinstance(row, ProjectKpi):
        values = row.kpi._prefetched_objects_cache["values"]
        held["values"] = [(value.pk, value.text, value.kpi is row.kpi) for value in values]
    return held


def test_the_project_forms_inlines_read_djangos_rows_with_a_query_compiled_once(monkeypatch):
    world = _world()
    monkeypatch.setattr(prepared_module, "_KEPT", OrderedDict())
    request = _request(world.coordinator)
    model_admin = admin.site._registry[Project]
    read = {}
    for _round in range(2):  # compiled, then prepared
        for project in (world.project, world.other):
            for inline in model_admin.get_inline_instances(request, project):
                assert isinstance(inline, PreparedRowsInlineMixin)
                ours = inline.get_formset(request, project)
                djangos = super(PreparedRowsInlineMixin, inline).get_formset(request, project)
                _formset, rows, sql = _read(ours, inline, request, project)
                _formset, django_rows, django_sql = _read(djangos, inline, request, project)
                assert [row.pk for row in rows] == [row.pk for row in django_rows]
                assert [_held(row) for row in rows] == [_held(row) for row in django_rows]
                assert sql == django_sql
                read[(type(inline).__name__, project.pk)] = [_held(row) for row in rows]
    kinds = sorted((key[0], key[1].__name__) for key in prepared_module._KEPT)
    assert kinds == [
        ("inline_rows", "Listing"),
        ("inline_rows", "ProjectBureau"),
        ("inline_rows", "ProjectKpi"),
        ("prefetch", "KpiValue"),
        ("prefetch", "KpiValue"),
    ]  # the KPI values of three KPIs (world.project) and of one (world.other)
    assert all(prepared.compiled("default") for prepared in prepared_module._KEPT.values())
    kpis = Kpi.objects.filter(project_links__project=world.project).order_by(
        "project_links__position"
    )
    assert [held["values"] for held in read[("ProjectKpiInline", world.project.pk)]] == [
        [(value.pk, value.text, True) for value in kpi.values.order_by("kind")] for kpi in kpis
    ]
    assert [len(held["values"]) for held in read[("ProjectKpiInline", world.project.pk)]] == [
        1,
        2,
        0,
    ]


def test_the_project_forms_page_reads_its_inline_rows_prepared(monkeypatch):
    world = _world()
    monkeypatch.setattr(prepared_module, "_KEPT", OrderedDict())
    url = reverse("admin:plan_project_change", args=[world.project.pk])
    page = viewed_twice(world.coordinator, url)
    assert page.count('name="listings-2-number"') == 1
    kinds = sorted(key[0] for key in prepared_module._KEPT)
    assert kinds.count("inline_rows") == 3
    assert kinds.count("prefetch") == 1


def test_a_queryset_of_another_shape_is_read_as_django_reads_it(monkeypatch):
    world = _world()
    monkeypatch.setattr(prepared_module, "_KEPT", OrderedDict())
    base = ProjectBureau.objects.select_related("bureau")
    assert rows_shape(base) is not None
    for other in (
        base.filter(position=1),
        base.annotate(n=Count("pk")),
        base.none(),
        base.values("pk"),
        base.defer("position"),
        base.distinct(),
        base[:1],
    ):
        assert rows_shape(other) is None
    request = _request(world.coordinator)
    inline = next(
        inline
        for inline in admin.site._registry[Project].get_inline_instances(request, world.project)
        if inline.model is ProjectBureau
    )
    formset_class = inline.get_formset(request, world.project)
    formset = formset_class(
        instance=world.project, prefix="rows", queryset=base.filter(position=99)
    )
    assert list(formset.get_queryset()) == []
    formset = formset_class(instance=world.project, prefix="rows", queryset=base.none())
    assert list(formset.get_queryset()) == []
    assert prepared_module._KEPT == {}


def test_the_deferred_filter_is_built_when_the_query_is_asked_for():
    world = _world()
    request = _request(world.coordinator)
    inline = next(
        inline
        for inline in admin.site._registry[Project].get_inline_instances(request, world.project)
        if inline.model is Listing
    )
    formset = inline.get_formset(request, world.project)(
        instance=world.project, prefix="rows", queryset=inline.get_queryset(request)
    )
    rows = list(formset.get_queryset())
    assert len(rows) == 3
    other = ListingFactory(  # another project's listing, which the filter leaves out
        project=ProjectFactory(edition=world.project.edition),
        measure=Listing.objects.filter(project=world.project).first().measure,
        number=8,
    )
    assert Listing.objects.count() == 4
    # A clone runs the query (the formset's queryset itself holds its rows): filtered by the project.
    assert formset.get_queryset().all().count() == 3
    assert list(formset.get_queryset().all()) == rows
    assert not formset.get_queryset().all().filter(pk=other.pk).exists()


def test_a_prefetch_not_through_held_records_to_a_reverse_key_is_left_to_django():
    world = _world()
    links = list(ProjectKpi.objects.filter(project=world.project).select_related("kpi"))
    assert not prefetch_prepared(links, "project__bureaus")  # the project is not held
    held = list(ProjectKpi.objects.filter(project=world.project).select_related("project"))
    assert not prefetch_prepared(held, "project__bureaus")  # many-to-many
    assert not prefetch_prepared(links, "kpi__project_links__project")  # two levels down
    assert prefetch_prepared(links, "kpi__values")
    assert not prefetch_prepared(links, "kpi__values")  # already prefetched
    assert KpiValue.objects.filter(kpi__project_links__project=world.project).count() == 3
