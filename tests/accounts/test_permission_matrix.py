"""The permission matrix: every role × every action × own/other bureau's object.

The same table is checked twice: against the policy (accounts/permissions.py, through
``user.has_perm``) and through the real admin URLs with the test client, where every refused
request is a forged POST that must be answered 403 (or a redirect to sign-in) and change nothing.
An allowed save by bureau staff becomes a change request (the official record waits for a
coordinator); an allowed save by a coordinator is applied at once.

The objects:
- "own" project: 産業経済局 and 港湾空港局 are responsible (共管).
- "other" project: 都市整備局 only.
The actors: staff of 産業経済局 (owner), staff of 港湾空港局 (co-owner), staff of 教育委員会 (another
bureau), a coordinator (環境局), a viewer, a system administrator, and an anonymous visitor.
For "add", own/other is the bureau the new project is given: the actor's own bureau, or 都市整備局.
For "memberships", own/other is the actor's own user record, or another user's.
"""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import reverse

from accounts import permissions
from accounts.models import Bureau, User
from kpis.models import Kpi
from plan.models import ChangeRequest, Project
from tests.admin_forms import read_form
from tests.world import PolicyWorld, build_policy_world

pytestmark = pytest.mark.django_db

ACTORS = (
    "owner_staff",
    "co_owner_staff",
    "other_staff",
    "coordinator",
    "viewer",
    "sysadmin",
    "anonymous",
)
ACTIONS = ("view", "add", "change", "delete", "bulk_delete", "memberships")

# actor → action → (own, other). T = allowed, F = refused.
T, F = True, False
PROJECT_MATRIX = {
    "owner_staff":    {"view": (T, T), "add": (T, F), "change": (T, F), "delete": (F, F), "bulk_delete": (F, F), "memberships": (F, F)},
    "co_owner_staff": {"view": (T, T), "add": (T, F), "change": (T, F), "delete": (F, F), "bulk_delete": (F, F), "memberships": (F, F)},
    "other_staff":    {"view": (T, T), "add": (T, F), "change": (F, F), "delete": (F, F), "bulk_delete": (F, F), "memberships": (F, F)},
    "coordinator":    {"view": (T, T), "add": (T, T), "change": (T, T), "delete": (T, T), "bulk_delete": (T, T), "memberships": (F, F)},
    "viewer":         {"view": (T, T), "add": (F, F), "change": (F, F), "delete": (F, F), "bulk_delete": (F, F), "memberships": (F, F)},
    "sysadmin":       {"view": (T, T), "add": (F, F), "change": (F, F), "delete": (F, F), "bulk_delete": (F, F), "memberships": (F, T)},
    "anonymous":      {"view": (F, F), "add": (F, F), "change": (F, F), "delete": (F, F), "bulk_delete": (F, F), "memberships": (F, F)},
}  # fmt: skip

# The KPI shared by the own and the other project, and a KPI of the other project only.
KPI_MATRIX = {
    "owner_staff":    {"view": (T, T), "change": (T, F), "delete": (F, F)},
    "co_owner_staff": {"view": (T, T), "change": (T, F), "delete": (F, F)},
    "other_staff":    {"view": (T, T), "change": (F, F), "delete": (F, F)},
    "coordinator":    {"view": (T, T), "change": (T, T), "delete": (T, T)},
    "viewer":         {"view": (T, T), "change": (F, F), "delete": (F, F)},
    "sysadmin":       {"view": (T, T), "change": (F, F), "delete": (F, F)},
    "anonymous":      {"view": (F, F), "change": (F, F), "delete": (F, F)},
}  # fmt: skip

PROJECT_CELLS = [
    (actor, action, scope) for actor in ACTORS for action in ACTIONS for scope in ("own", "other")
]
KPI_CELLS = [
    (actor, action, scope)
    for actor in ACTORS
    for action in ("view", "change", "delete")
    for scope in ("own", "other")
]


def test_the_matrix_leaves_no_cell_out():
    assert len(PROJECT_CELLS) == 7 * 6 * 2
    assert all(set(row) == set(ACTIONS) for row in PROJECT_MATRIX.values())
    assert set(PROJECT_MATRIX) == set(KPI_MATRIX) == set(ACTORS)


@pytest.fixture
def world() -> PolicyWorld:
    return build_policy_world()


def actor_user(world: PolicyWorld, actor):
    return AnonymousUser() if actor == "anonymous" else world.actors[actor]


def add_bureau(world: PolicyWorld, actor, scope) -> Bureau:
    """The bureau a new project gets: the actor's own (if any), or 都市整備局 for "other"."""
    if scope == "other":
        return world.toshi
    own = {"owner_staff": world.sangyo, "co_owner_staff": world.kowan, "other_staff": world.kyoiku}
    return own.get(actor, world.kankyo)


def membership_target(world: PolicyWorld, actor, scope) -> User:
    if scope == "own" and actor != "anonymous":
        return world.actors[actor]
    return world.target


# --- Against the policy ----------------------------------------------------------------------


@pytest.mark.parametrize(("actor", "action", "scope"), PROJECT_CELLS)
def test_policy_projects(world, actor, action, scope):
    user = actor_user(world, actor)
    project = world.project(scope)
    if action == "view":
        allowed = user.has_perm("plan.view_project", project)
    elif action == "add":
        bureau = add_bureau(world, actor, scope)
        allowed = user.has_perm("plan.add_project") and permissions.may_assign_bureaus(
            user, {bureau.pk}
        )
    elif action == "change":
        allowed = user.has_perm("plan.change_project", project)
    elif action in ("delete", "bulk_delete"):
        allowed = user.has_perm("plan.delete_project", project)
    else:
        allowed = user.has_perm("accounts.change_user", membership_target(world, actor, scope))
    assert allowed is PROJECT_MATRIX[actor][action][scope == "other"]


@pytest.mark.parametrize(("actor", "action", "scope"), KPI_CELLS)
def test_policy_kpis(world, actor, action, scope):
    user = actor_user(world, actor)
    allowed = user.has_perm(f"kpis.{action}_kpi", world.kpi(scope))
    assert allowed is KPI_MATRIX[actor][action][scope == "other"]


# --- Through the admin URLs ------------------------------------------------------------------


def client_for(world: PolicyWorld, actor) -> Client:
    client = Client()
    if actor != "anonymous":
        client.force_login(world.actors[actor])
    return client


def reference_form(world: PolicyWorld, url: str, form_id: str) -> dict:
    """The form as a superuser sees it: what a forger would copy and post."""
    client = Client()
    client.force_login(world.superuser)
    response = client.get(url)
    assert response.status_code == 200
    return read_form(response.content.decode(), form_id)


def assert_refused(response):
    if response.status_code == 302:
        assert reverse("admin:login") in response["Location"], response["Location"]
    else:
        assert response.status_code == 403, response.status_code


STAFF_ACTORS = {"owner_staff", "co_owner_staff", "other_staff"}


def proposed_values(model_label: str, field: str) -> list:
    """What pending change requests propose for ``field`` of ``model_label`` records."""
    return [
        item.proposed.get(field)
        for request in ChangeRequest.objects.filter(status="pending")
        for item in request.items.all()
        if item.model_label == model_label and field in item.proposed
    ]


def snapshot(world: PolicyWorld):
    return {
        "projects": sorted(Project.objects.values_list("pk", "name", "summary")),
        "project_bureaus": sorted(Project.bureaus.through.objects.values_list("project", "bureau")),
        "kpis": sorted(Kpi.objects.values_list("pk", "indicator")),
        "memberships": sorted(User.bureaus.through.objects.values_list("user", "bureau")),
    }


@pytest.mark.parametrize(("actor", "action", "scope"), PROJECT_CELLS)
def test_admin_urls_projects(world, actor, action, scope):
    expected = PROJECT_MATRIX[actor][action][scope == "other"]
    client = client_for(world, actor)
    project = world.project(scope)
    before = snapshot(world)

    if action == "view":
        response = client.get(reverse("admin:plan_project_change", args=[project.pk]))
        if expected:
            assert response.status_code == 200
            assert project.name in response.content.decode()
        else:
            assert_refused(response)
        assert snapshot(world) == before
        return

    if action == "add":
        url = reverse("admin:plan_project_add")
        data = reference_form(world, url, "project_form")
        bureau = add_bureau(world, actor, scope)
        data.update(
            {
                "edition": str(project.edition_id),
                "code": "NEW1",
                "name": "新しい事業",
                "summary": "概要",
                "bureau_links-TOTAL_FORMS": "1",
                "bureau_links-0-position": "1",
                "bureau_links-0-bureau": str(bureau.pk),
            }
        )
        data["change_reason"] = "新しい事業の追加"
        response = client.post(url, data)
        created = Project.objects.filter(name="新しい事業")
        if expected and actor in STAFF_ACTORS:
            assert response.status_code == 302
            assert not created.exists()  # waits for a coordinator
            assert proposed_values("plan.project", "name") == ["新しい事業"]
            assert proposed_values("plan.projectbureau", "bureau_id") == [bureau.pk]
        elif expected:
            assert response.status_code == 302, response.context and response.context.get("errors")
            assert [b.name for b in created.get().bureaus.all()] == [bureau.name]
        else:
            assert not created.exists()
            if response.status_code == 200:  # staff: the form is refused with a Japanese error
                assert (
                    "所管局には、あなたの所属する局を少なくとも一つ含めてください。"
                    in response.content.decode()
                )
            else:
                assert_refused(response)
            assert snapshot(world) == before
        return

    if action == "change":
        url = reverse("admin:plan_project_change", args=[project.pk])
        data = reference_form(world, url, "project_form")
        data["summary"] = "書き換えた概要"
        data["change_reason"] = "概要の更新"
        response = client.post(url, data)
        project.refresh_from_db()
        if expected and actor in STAFF_ACTORS:
            assert response.status_code == 302
            assert project.summary == "概要"  # the official record waits for a coordinator
            assert proposed_values("plan.project", "summary") == ["書き換えた概要"]
        elif expected:
            assert response.status_code == 302
            assert project.summary == "書き換えた概要"
        else:
            assert_refused(response)
            assert snapshot(world) == before
        return

    if action == "delete":
        response = client.post(
            reverse("admin:plan_project_delete", args=[project.pk]), {"post": "yes"}
        )
    elif action == "bulk_delete":
        response = client.post(
            reverse("admin:plan_project_changelist"),
            {
                "action": "delete_selected",
                "_selected_action": [str(project.pk)],
                "post": "yes",
                "index": "0",
            },
        )
    else:  # memberships
        target = membership_target(world, actor, scope)
        url = reverse("admin:accounts_user_change", args=[target.pk])
        data = reference_form(world, url, "user_form")
        data["bureaus"] = [
            str(world.toshi.pk),
            str(world.kankyo.pk),
        ]
        response = client.post(url, data)
        if expected:
            assert response.status_code == 302
            assert sorted(b.name for b in target.bureaus.all()) == ["環境局", "都市整備局"]
        else:
            assert_refused(response)
            assert snapshot(world) == before
        return

    if expected:
        assert response.status_code == 302
        assert not Project.objects.filter(pk=project.pk).exists()
    else:
        assert_refused(response)
        assert snapshot(world) == before


@pytest.mark.parametrize(("actor", "action", "scope"), KPI_CELLS)
def test_admin_urls_kpis(world, actor, action, scope):
    expected = KPI_MATRIX[actor][action][scope == "other"]
    client = client_for(world, actor)
    kpi = world.kpi(scope)
    before = snapshot(world)
    url = reverse("admin:kpis_kpi_change", args=[kpi.pk])
    if action == "view":
        response = client.get(url)
        if expected:
            assert response.status_code == 200
        else:
            assert_refused(response)
        return
    if action == "change":
        data = reference_form(world, url, "kpi_form")
        data["indicator"] = "書き換えた指標"
        data["change_reason"] = "指標の更新"
        response = client.post(url, data)
        kpi.refresh_from_db()
        if expected and actor in STAFF_ACTORS:
            assert response.status_code == 302
            assert kpi.indicator != "書き換えた指標"
            assert proposed_values("kpis.kpi", "indicator") == ["書き換えた指標"]
        elif expected:
            assert response.status_code == 302
            assert kpi.indicator == "書き換えた指標"
        else:
            assert_refused(response)
            assert snapshot(world) == before
        return
    response = client.post(reverse("admin:kpis_kpi_delete", args=[kpi.pk]), {"post": "yes"})
    if expected:
        assert response.status_code == 302
        assert not Kpi.objects.filter(pk=kpi.pk).exists()
    else:
        assert_refused(response)
        assert snapshot(world) == before
