"""Prepared querysets (plan.prepared) and the change form's queries run through them
(plan.admin.change_form_queries): the same rows as the querysets they replace, for every kind of
user, and the queryset's own SQL when a placeholder cannot be prepared."""

import contextlib
from collections import OrderedDict

import pytest
from django.contrib import admin
from django.core.exceptions import EmptyResultSet
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts import permissions
from accounts.models import Role, User
from accounts.policy_facts import user_bureau_ids
from evaluation.models import EvaluationSheet
from kpis.models import ProjectKpi
from plan import changes
from plan import prepared as prepared_module
from plan.admin import change_form_queries as queries
from plan.changes import ProposedChange
from plan.models import ChangeItem, ChangeRequest, Listing, Project, ProjectBureau
from plan.prepared import NotPrepared, Prepared
from tests.admin_forms import client_as
from tests.factories import BureauFactory, KpiFactory, ProjectFactory, UserFactory
from tests.world import build_plan_world

pytestmark = pytest.mark.django_db


def _fresh(user):
    """The user as a new request reads it (nothing cached on it)."""
    return type(user).objects.get(pk=user.pk)


def test_a_prepared_queryset_compiles_once_and_reads_the_rows_of_other_values():
    world = build_plan_world()
    built = []

    def build(pk):
        built.append(pk)
        return ProjectBureau._base_manager.filter(project=pk).order_by("pk")

    prepared = Prepared(build, [int])
    for project in (world.project, world.other, world.project):
        rows = prepared(project.pk)
        assert rows == list(ProjectBureau.objects.filter(project=project).order_by("pk"))
        assert [row.project_id for row in rows] == [project.pk]
    # the placeholders, then ordinary values (the same SQL?), and never again
    assert built[1:] == [30_000]
    assert prepared(-1) == []


def test_select_related_rows_come_whole():
    world = build_plan_world()
    prepared = Prepared(
        lambda pk: ProjectBureau.objects.filter(project=pk).select_related("bureau", "project"),
        [int],
    )
    (row,) = prepared(world.project.pk)
    assert ProjectBureau.bureau.is_cached(row)
    assert (row.bureau.name, row.project.name) == ("産業経済局", "鳥獣被害対策事業")


def test_values_list_rows_come_as_the_querysets_read_them():
    world = build_plan_world()
    built = []

    def build(pk):
        built.append(pk)
        return (
            ProjectBureau.objects.filter(project=pk)
            .order_by("pk")
            .values_list("project", "bureau__name")
        )

    prepared = Prepared(build, [int])
    flat = Prepared(
        lambda pk: ProjectBureau.objects.filter(project=pk).values_list("bureau__name", flat=True),
        [int],
    )
    for project in (world.project, world.other, world.project):
        assert prepared(project.pk) == list(build(project.pk))
    assert prepared(world.project.pk) == [(world.project.pk, "産業経済局")]
    assert flat(world.project.pk) == ["産業経済局"]
    assert len(built) == 5  # the placeholders, ordinary values, then the three querysets compared
    assert prepared.compiled("default") is not None
    assert flat.compiled("default") is not None


def test_the_lists_cells_are_read_prepared(monkeypatch):
    """The project and KPI lists' cells (listings, bureaus, values, projects) are read by
    ``read_by_keys``: prepared per number of keys."""
    world = build_plan_world()
    monkeypatch.setattr(prepared_module, "_KEPT", OrderedDict())
    client = client_as(world.coordinator)
    for name in ("admin:plan_project_changelist", "admin:kpis_kpi_changelist"):
        assert client.get(reverse(name), {"own": "all"}).status_code == 200
    kept = {key[0]: prepared for key, prepared in prepared_module._KEPT.items()}
    assert sorted(kept) == [
        "kpis.admin.project_names",
        "kpis.admin.value_texts",
        "plan.admin.display.bureau_names",
        "plan.admin.projects.listing_cells",
    ]
    assert all(prepared.compiled("default") for prepared in kept.values())


def test_a_value_folded_into_the_sql_is_not_prepared_and_the_queryset_is_read_instead():
    world = build_plan_world()
    prepared = Prepared(
        lambda pk: Project.objects.extra(where=[f"plan_project.id = {int(pk)}"]), [int]
    )
    assert prepared(world.project.pk) == [world.project]
    assert prepared(world.other.pk) == [world.other]
    assert prepared.compiled("default") is None


def test_a_build_that_cannot_take_placeholders_falls_back():
    world = build_plan_world()

    def build(pk):
        if pk < 0:
            raise NotPrepared
        return Project.objects.filter(pk=pk)

    prepared = Prepared(build, [int])
    assert prepared(world.other.pk) == [world.other]
    assert prepared(world.project.pk, fallback=lambda: Project.objects.none()) == []


def test_an_empty_query_is_not_prepared():
    build_plan_world()
    prepared = Prepared(lambda pk: Project.objects.filter(Q(pk__in=[]), pk=pk), [int])
    assert prepared(1) == []
    assert prepared.compiled("default") is None


def test_the_version_records_are_the_official_rows():
    world = build_plan_world()
    project = world.project
    assert queries.official_record(Project, project.pk) == project
    assert queries.rows_of(Listing, "project", project.pk) == list(
        Listing._base_manager.filter(project=project.pk).order_by("pk")
    )
    assert queries.rows_of(ProjectKpi, "project", world.other.pk) == []
    with pytest.raises(Project.DoesNotExist):
        queries.official_record(Project, -5)


def _scope(obj):
    model_admin = admin.site._registry[type(obj)]
    return model_admin.request_scope(obj, model_admin.edit_version_records(obj))


def _unprepared(scope, user, exclude_pk=None):
    return list(queries._build_open_requests(scope, user, exclude_pk))


def _propose(user, edition, changes_, **about):
    return changes.change_propose(
        acting_user=user,
        changes=changes_,
        reason="テスト",
        edition=edition,
        title="テスト",
        **about,
    ).change_request


def test_the_open_requests_shown_are_the_querysets_for_every_kind_of_user():
    world = build_plan_world(kpi_shared=True)
    project, kpi = world.project, world.kpi
    other_kpi = KpiFactory(edition=project.edition, indicator="別の指標")
    sibling = ProjectFactory(name="兄弟の事業", edition=project.edition, bureaus=[world.sangyo])
    ProjectKpi.objects.create(project=sibling, kpi=other_kpi, position=1)
    added = _propose(
        world.staff,
        project.edition,
        [
            ProposedChange.create(
                ProjectKpi,
                {"project_id": project.pk, "kpi_id": other_kpi.pk, "position": 2},
                key="a",
            )
        ],
        project=project,
    )
    renamed = _propose(
        world.toshi_staff,
        kpi.edition,
        [ProposedChange.update(kpi, {"indicator": "改名"})],
        kpi=kpi,
    )
    people = (world.coordinator, world.staff, world.toshi_staff, world.viewer)
    for scope in (_scope(project), _scope(kpi)):
        for _round in range(2):  # compiled, then prepared
            for user in people:
                for cached_bureaus in (False, True):
                    user = _fresh(user)
                    if cached_bureaus:
                        user_bureau_ids(user)
                    shown = queries.open_requests_shown(scope, user, None)
                    assert shown == _unprepared(scope, _fresh(user))
                for own in (added, renamed):
                    submitter = _fresh(own.submitted_by)
                    shown = queries.open_requests_shown(scope, submitter, own.pk)
                    assert shown == _unprepared(scope, _fresh(submitter), own.pk)
    coordinator, staff = _fresh(world.coordinator), _fresh(world.staff)
    assert queries.open_requests_shown(_scope(project), coordinator, None) == [added]
    assert queries.open_requests_shown(_scope(kpi), coordinator, None) == [renamed]
    assert queries.open_requests_shown(_scope(project), staff, None) == [added]
    assert queries.open_requests_shown(_scope(project), staff, added.pk) == []
    assert queries.open_requests_shown(_scope(project), _fresh(world.toshi_staff), None) == []
    assert queries.open_requests_shown(_scope(kpi), _fresh(world.viewer), None) == []
    (shown,) = queries.open_requests_shown(_scope(kpi), coordinator, None)
    assert shown.submitted_by == world.toshi_staff  # read with the request


def test_another_project_of_the_same_shape_reads_its_own_requests():
    world = build_plan_world()
    twin = ProjectFactory(name="双子の事業", edition=world.project.edition, bureaus=[world.sangyo])
    Listing.objects.create(
        project=twin, measure=Listing.objects.get(project=world.project).measure, number=8
    )
    ProjectKpi.objects.create(project=twin, kpi=world.kpi, position=2)
    request = _propose(
        world.staff, twin.edition, [ProposedChange.update(twin, {"name": "双子"})], project=twin
    )
    coordinator = _fresh(world.coordinator)
    assert queries.open_requests_shown(_scope(world.project), coordinator, None) == []
    assert queries.open_requests_shown(_scope(twin), coordinator, None) == [request]
    assert ChangeRequest.objects.count() == 1


def test_the_change_forms_queries_are_prepared(monkeypatch):
    world = build_plan_world()
    monkeypatch.setattr(prepared_module, "_KEPT", OrderedDict())
    coordinator, staff = _fresh(world.coordinator), _fresh(world.staff)
    user_bureau_ids(staff)
    for user in (coordinator, staff):
        queries.open_requests_shown(_scope(world.project), user, None)
    kinds = sorted(key[0] for key in prepared_module._KEPT)
    assert kinds == ["open_requests", "open_requests", "record", "rows", "rows", "rows"]
    assert all(prepared.compiled("default") for prepared in prepared_module._KEPT.values())


def test_the_own_open_request_is_the_engines():
    world = build_plan_world(kpi_shared=True)
    project, kpi = world.project, world.kpi
    renamed = _propose(
        world.staff,
        project.edition,
        [ProposedChange.update(project, {"name": "改名"})],
        project=project,
    )
    for _round in range(2):  # compiled, then prepared
        for obj in (project, kpi, world.other):
            scope = _scope(obj)
            for person in (world.staff, world.toshi_staff, world.coordinator):
                for read_bureaus in (False, True):
                    user = _fresh(person)
                    if read_bureaus:
                        user_bureau_ids(user)
                    own = queries.own_open_request(scope, user)
                    assert own == changes.open_request_for_task(_fresh(person), scope)
    assert queries.own_open_request(_scope(kpi), _fresh(world.staff)) == renamed  # one task
    assert queries.own_open_request(_scope(world.other), _fresh(world.staff)) is None
    assert queries.own_open_request(_scope(project), _fresh(world.toshi_staff)) is None


def test_a_text_value_in_a_json_lookup_is_not_prepared():
    world = build_plan_world()
    _propose(
        world.staff,
        world.project.edition,
        [ProposedChange.update(world.project, {"name": "改名"})],
        project=world.project,
    )
    prepared = Prepared(lambda name: ChangeItem.objects.filter(proposed__name=name), [str])
    assert [item.proposed["name"] for item in prepared("改名")] == ["改名"]
    assert prepared("別名") == []
    assert prepared.compiled("default") is None


#: The policy's filters a prepared query is built from with a stand-in user (plan.prepared).
PREPARED_FILTERS = (
    ("change_requests_visible_to", ChangeRequest),
    ("evaluation_sheets_visible_to", EvaluationSheet),
)


def _users_of_every_kind():
    sangyo, kankyo = BureauFactory(name="産業経済局"), BureauFactory(name="環境局")
    return [
        UserFactory(role=Role.BUREAU_STAFF, bureaus=[sangyo]),
        UserFactory(role=Role.BUREAU_STAFF, bureaus=[sangyo, kankyo]),
        UserFactory(role=Role.BUREAU_STAFF, bureaus=[]),
        UserFactory(role=Role.COORDINATOR),
        UserFactory(role=Role.VIEWER),
        UserFactory(role=Role.SYSTEM_ADMIN),
        UserFactory(role=Role.BUREAU_STAFF, bureaus=[sangyo], is_active=False),
        UserFactory(role=Role.VIEWER, is_superuser=True),
    ]


@pytest.mark.parametrize(("name", "model"), PREPARED_FILTERS)
def test_the_policy_filters_read_nothing_of_a_user_but_what_the_prepared_key_carries(
    monkeypatch, name, model
):
    """A prepared query is compiled for the first user of a key and run for every other user of
    that key with their own key and bureaus (``plan.prepared.user_key``): right only while the
    policy's filter reads nothing else of a user. Every field and property of the user that the
    filter (built and compiled) reads is recorded; the bureaus are read through
    ``user_bureau_ids``, a value of the key."""
    watched = {field.attname for field in User._meta.concrete_fields} | {
        "pk",
        "is_authenticated",
        "is_anonymous",
        "is_staff",
        "bureaus",
        "groups",
        "user_permissions",
    }
    read: set[str] = set()
    users = _users_of_every_kind()
    targets = {id(user) for user in users}
    original = User.__getattribute__

    def recording(self, attribute):
        if id(self) in targets and attribute in watched:
            read.add(attribute)
        return original(self, attribute)

    monkeypatch.setattr(User, "__getattribute__", recording)
    for user in users:
        condition = getattr(permissions, name)(user)
        with contextlib.suppress(EmptyResultSet):  # Q(pk__in=[]): nobody's
            model.objects.filter(condition).query.sql_with_params()
    monkeypatch.undo()
    assert read  # the recording works: the filters read the role at least
    assert read <= prepared_module.USER_ATTRIBUTES_KEYED, sorted(read)


def test_a_value_not_of_its_kind_is_not_prepared():
    """``None`` for a key the ORM writes ``IS NULL``: substituted into ``= %s`` it would match
    nothing; the queryset is built with it instead."""
    world = build_plan_world()
    orphan = ChangeRequest.objects.create(
        edition=world.project.edition,
        title="事業なし",
        submitted_by=world.coordinator,
        submitted_at=timezone.now(),
    )
    prepared = Prepared(lambda pk: ChangeRequest.objects.filter(project=pk).order_by("pk"), [int])
    assert prepared(world.project.pk) == []
    assert prepared(None) == [orphan]


def test_a_condition_the_orm_drops_for_the_placeholders_is_not_prepared():
    """A position (a small positive integer field) against the placeholder's huge negative number:
    the ORM drops the condition (``__gte`` always true; one arm of an OR never true), so the SQL
    written for the placeholders would read the wrong rows for every value."""
    build_plan_world()
    links = list(ProjectBureau.objects.order_by("pk"))
    assert [link.position for link in links] == [1, 1]
    at_least = Prepared(
        lambda n: ProjectBureau.objects.filter(position__gte=n).order_by("pk"), [int]
    )
    assert at_least(99) == []
    assert at_least(1) == links
    assert at_least.compiled("default") is None
    either = Prepared(
        lambda n, pk: ProjectBureau.objects.filter(Q(position=n) | Q(pk=pk)).order_by("pk"),
        [int, int],
    )
    assert either(1, links[0].pk) == links
    assert either(99, links[0].pk) == links[:1]
    assert either.compiled("default") is None
