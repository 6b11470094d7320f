"""A history page's rows read the related records once for the page (``history_rows``): the names
and the fields' differences are those each record gives on its own (its row's ``__str__`` reading
its relations, ``describe_histories`` reading the previous versions and names itself)."""

import pytest
from django.core.management import call_command
from django.db.models import Q

from accounts.models import Bureau
from kpis.models import Kpi, KpiValue, ProjectKpi
from plan import changes
from plan.admin.history import (
    HISTORY_LIMIT,
    HISTORY_MODELS,
    _instance,
    _newest_records,
    _project_records,
    history_records,
    history_rows,
    history_stamp,
    project_history_filters,
    project_history_rows,
)
from plan.changes import ProposedChange
from plan.changes.diff import describe_histories
from plan.models import Listing, Project, ProjectBureau

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(world):
    """The cross-listed project's history after a coordinator changed its summary, a listing's
    No, a baseline's text and removed one of its bureaus, with the edition's first versions."""
    call_command("populate_history", auto=True, verbosity=0)
    project = Project.objects.get(name="アジア・グリーン共創ハブ推進事業")
    ProjectBureau.objects.create(
        project=project, bureau=Bureau.objects.get(name="上下水道局"), position=9
    )
    listing = Listing.objects.filter(project=project).order_by("pk").first()
    value = KpiValue.objects.filter(kpi__project_links__project=project).order_by("pk").first()
    changes.change_direct_apply(
        acting_user=world.coordinator,
        edition=project.edition,
        changes=[
            ProposedChange.update(project, {"summary": "アジアの都市と共に脱炭素を進める。"}),
            ProposedChange.update(listing, {"number": 9}),
            ProposedChange.update(value, {"text": f"{value.text} (改)"}),
            ProposedChange.delete(ProjectBureau.objects.get(project=project, position=9)),
        ],
        reason="見直し",
        title=project.name,
        project=project,
    )
    kpis = ProjectKpi.objects.filter(project=project).values("kpi_id")
    return history_records(
        HISTORY_MODELS,
        {
            Project: Q(id=project.pk),
            ProjectBureau: Q(project_id=project.pk),
            Listing: Q(project_id=project.pk),
            ProjectKpi: Q(project_id=project.pk),
            Kpi: Q(id__in=kpis),
            KpiValue: Q(kpi_id__in=kpis),
        },
    )


def test_rows_name_and_describe_each_record_as_it_does_alone(records):
    rows = history_rows(records)
    assert [row["object"] for row in rows] == [str(_instance(record)) for record in records]
    assert [[(diff.field, diff.before, diff.after) for diff in row["fields"]] for row in rows] == [
        [(diff.field, diff.before, diff.after) for diff in fields]
        for fields in describe_histories(records)
    ]
    newest = {(row["type"], row["object"], row["fields"][0].after) for row in rows[:5]}
    assert newest == {
        ("変更", "目標値: 約1,400万t (R12年度) (改)", "約1,400万t (R12年度) (改)"),
        ("変更", "下支え-(3) No9 アジア・グリーン共創ハブ推進事業", "9"),
        ("変更", "アジア・グリーン共創ハブ推進事業", "アジアの都市と共に脱炭素を進める。"),
        ("削除", "アジア・グリーン共創ハブ推進事業 / 上下水道局", "(削除)"),
        (
            "追加",
            "アジア・グリーン共創ハブ推進事業 / 上下水道局",
            "アジア・グリーン共創ハブ推進事業",
        ),
    }


def test_a_projects_page_finds_the_previous_versions_among_its_rows_or_by_row_and_date(records):
    """``project_history_rows`` takes the project's and its KPIs' previous versions from the page
    and reads the others' earlier versions whole (``few_versions``): the same differences as each
    record's ``prev_record`` gives (``describe_histories`` without them)."""
    stamp = history_stamp()  # before the project, as the page reads it
    project = Project._base_manager.select_related("edition__plan").get(
        name="アジア・グリーン共創ハブ推進事業"
    )
    rows = project_history_rows(project, stamp)
    assert [row["record"].history_id for row in rows] == [r.history_id for r in records]
    assert [[(diff.field, diff.before, diff.after) for diff in row["fields"]] for row in rows] == [
        [(diff.field, diff.before, diff.after) for diff in fields]
        for fields in describe_histories(records)
    ]
    assert [row["object"] for row in rows] == [str(_instance(record)) for record in records]
    updated = {row["record"].instance_type for row in rows if row["record"].history_type == "~"}
    assert updated == {Project, Listing, KpiValue}


def values(record) -> dict:
    return {field.attname: getattr(record, field.attname) for field in record._meta.concrete_fields}


def test_a_projects_rows_are_read_by_the_queries_written_once(records):
    """``_project_records`` runs the page's queries written once per process, with the project's
    key put in: the same records, in the same order, as the querysets built for the project."""
    project = Project.objects.get(name="アジア・グリーン共創ハブ推進事業")
    built = _newest_records(HISTORY_MODELS, project_history_filters(project.pk), HISTORY_LIMIT)
    kept = _project_records(project.pk)
    assert [(type(r), r.history_id, r.history_date) for r in kept] == [
        (type(r), r.history_id, r.history_date) for r in built
    ]
    assert [r.history_id for r in kept] == [r.history_id for r in records]
    assert [values(r) for r in kept] == [values(r) for r in built]
    other = Project.objects.exclude(pk=project.pk).order_by("pk").first()
    assert {r.instance_type for r in _project_records(other.pk)} >= {Project}
    assert all(r.id == other.pk for r in _project_records(other.pk) if r.instance_type is Project)


def test_an_update_later_deleted_is_compared_with_the_version_before_it(records, world):
    """The earlier versions of a row are read whole (its later deletion too): the update is
    still compared with the version before it, not with a later one."""
    project = Project.objects.get(name="アジア・グリーン共創ハブ推進事業")
    listing = Listing.objects.filter(project=project, number=9).get()
    changes.change_direct_apply(
        acting_user=world.coordinator,
        edition=project.edition,
        changes=[ProposedChange.delete(listing)],
        reason="見直し",
        title=project.name,
        project=project,
    )
    stamp = history_stamp()
    project = Project._base_manager.select_related("edition__plan").get(pk=project.pk)
    rows = project_history_rows(project, stamp)
    listed = [
        (row["type"], [(diff.field, diff.before, diff.after) for diff in row["fields"]])
        for row in rows
        if row["record"].instance_type is Listing and row["record"].id == listing.pk
    ]
    measure = "下支え-(3) 環境国際協力・環境ビジネス等を通じたアジア地域への貢献"
    name = "アジア・グリーン共創ハブ推進事業"
    assert [kind for kind, _fields in listed] == ["削除", "変更", "追加"]
    assert listed[0][1] == [
        ("measure_id", measure, "(削除)"),
        ("project_id", name, "(削除)"),
        ("number", "9", "(削除)"),
    ]
    assert listed[1][1] == [("number", "1", "9")]
    assert listed[2][1] == [
        ("measure_id", "(空)", measure),
        ("project_id", "(空)", name),
        ("number", "(空)", "1"),
    ]
