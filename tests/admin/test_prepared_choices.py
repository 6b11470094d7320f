"""A foreign key's select whose choices are read with a prepared query (plan/admin/choices.py):
the same choices and SQL as Django's ``ModelChoiceIterator``, compiled once, read without a
server-side cursor; querysets of another shape read as Django reads them."""

import copy
from collections import OrderedDict

import pytest
from django import forms
from django.contrib import admin
from django.db import connection
from django.db.models import Value
from django.db.models.sql.compiler import SQLCompiler
from django.forms.models import ModelChoiceIterator
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kpis.models import Kpi
from plan import prepared as prepared_module
from plan.admin.choices import PreparedChoiceIterator, with_prepared_choices
from plan.models import Edition, Project
from tests.admin_forms import viewed_twice
from tests.factories import EditionFactory, PlanFactory
from tests.world import build_plan_world

pytestmark = pytest.mark.django_db


def _request(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def _shown(choices) -> list[tuple[str, str]]:
    """The choices as a select shows them: each value as text, each label."""
    return [(str(value), str(label)) for value, label in choices]


def _read(field, iterator_class) -> tuple[list, list[str]]:
    """The field's choices read by ``iterator_class``, and the SQL that read them."""
    with CaptureQueriesContext(connection) as queries:
        choices = _shown(iterator_class(field))
    return choices, [query["sql"] for query in queries.captured_queries]


def _plain_sql(queryset) -> list[str]:
    """The SQL of ``queryset`` read whole (no server-side cursor)."""
    with CaptureQueriesContext(connection) as queries:
        list(queryset.all())
    return [query["sql"] for query in queries.captured_queries]


@pytest.fixture
def compiled(monkeypatch):
    """How many queries the ORM compiles (``SQLCompiler.as_sql`` calls), as a list to read."""
    calls = []
    as_sql = SQLCompiler.as_sql

    def counted(self, *args, **kwargs):
        calls.append(self.query.model)
        return as_sql(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", counted)
    return calls


def test_the_edition_selects_choices_are_djangos_read_by_a_query_compiled_once(
    monkeypatch, compiled
):
    world = build_plan_world()
    EditionFactory(plan=world.project.edition.plan, fiscal_year=2025)
    EditionFactory(plan=PlanFactory(name="別の計画"), fiscal_year=2024)
    monkeypatch.setattr(prepared_module, "_KEPT", OrderedDict())
    request = _request(world.coordinator)
    for model, obj in ((Project, world.project), (Kpi, world.kpi)):
        form_class = admin.site._registry[model].get_form(request, obj, change=True)
        for _round in range(2):  # compiled, then prepared
            field = copy.deepcopy(form_class.base_fields["edition"])
            assert field.iterator is PreparedChoiceIterator
            assert field.widget.choices.__class__ is PreparedChoiceIterator
            compiled.clear()
            ours, sql = _read(field, PreparedChoiceIterator)
            if _round:
                assert compiled == []  # neither built nor compiled again
            djangos, _django_sql = _read(field, ModelChoiceIterator)
            assert ours == djangos
            assert len(ours) == 4  # the empty choice and three editions
            assert ours[0] == ("", "---------")
            assert sql == _plain_sql(field.queryset)  # one SELECT, no server-side cursor
    assert [key[:2] for key in prepared_module._KEPT] == [("choices", type(Edition.objects.all()))]


def test_the_forms_page_reads_the_edition_choices_prepared(monkeypatch):
    world = build_plan_world()
    monkeypatch.setattr(prepared_module, "_KEPT", OrderedDict())
    url = reverse("admin:plan_project_change", args=[world.project.pk])
    page = viewed_twice(world.coordinator, url)
    edition = world.project.edition
    assert page.count(f'<option value="{edition.pk}" selected>{edition}</option>') == 1
    kinds = [key[0] for key in prepared_module._KEPT]
    assert kinds.count("choices") == 1


def test_a_queryset_of_another_shape_is_read_as_django_reads_it(monkeypatch):
    world = build_plan_world()
    EditionFactory(plan=world.project.edition.plan, fiscal_year=2025)
    monkeypatch.setattr(prepared_module, "_KEPT", OrderedDict())
    read = Edition.objects.all()
    list(read)
    for queryset in (
        Edition.objects.filter(fiscal_year=2025),  # limit_choices_to, the user's records
        Edition.objects.prefetch_related("projects"),
        Edition.objects.annotate(shown=Value(1)),
        read,  # already read
    ):
        field = with_prepared_choices(forms.ModelChoiceField(queryset))
        assert field.iterator is PreparedChoiceIterator
        ours, _sql = _read(field, PreparedChoiceIterator)
        djangos, _sql = _read(field, ModelChoiceIterator)
        assert ours == djangos
    assert prepared_module._KEPT == {}


def test_only_djangos_model_choice_iterator_is_replaced():
    class OwnIterator(ModelChoiceIterator):
        pass

    field = forms.ModelChoiceField(Edition.objects.all())
    field.iterator = OwnIterator
    assert with_prepared_choices(field).iterator is OwnIterator
    text = forms.CharField()
    assert with_prepared_choices(text) is text
    assert not hasattr(text, "iterator")
