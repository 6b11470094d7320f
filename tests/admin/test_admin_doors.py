"""Every other door of the admin asks the same policy: forms, inlines, popups, history,
autocomplete, the index, the own-bureau filter, and attempts to raise one's own rights."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts.models import Role, User
from plan.models import ChangeRequest, Project
from tests.admin_forms import client_as, read_form
from tests.factories import (
    BureauFactory,
    KpiFactory,
    ListingFactory,
    ProjectFactory,
    ProjectKpiFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    sangyo, toshi, kankyo = (
        BureauFactory(name="産業経済局"),
        BureauFactory(name="都市整備局"),
        BureauFactory(name="環境局"),
    )
    own = ProjectFactory(name="自局の事業", bureaus=[sangyo])
    other = ProjectFactory(name="他局の事業", edition=own.edition, bureaus=[toshi])
    listing = ListingFactory(project=own, number=1)
    ListingFactory(project=other, measure=listing.measure, number=2)
    ProjectKpiFactory(project=own, kpi=KpiFactory(edition=own.edition, indicator="自局の指標"))
    ProjectKpiFactory(project=other, kpi=KpiFactory(edition=own.edition, indicator="他局の指標"))
    staff = UserFactory(username="sangyo", role=Role.BUREAU_STAFF, bureaus=[sangyo])
    return {
        "sangyo": sangyo,
        "toshi": toshi,
        "kankyo": kankyo,
        "own": own,
        "other": other,
        "staff": staff,
        "coordinator": UserFactory(username="coordinator", role=Role.COORDINATOR, bureaus=[kankyo]),
        "viewer": UserFactory(username="viewer", role=Role.VIEWER),
        "sysadmin": UserFactory(username="sysadmin", role=Role.SYSTEM_ADMIN),
    }


def test_another_bureaus_project_opens_read_only(world):
    response = client_as(world["staff"]).get(
        reverse("admin:plan_project_change", args=[world["other"].pk])
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="_save"' not in html
    assert 'name="summary"' not in html
    assert 'name="kpi_links-0-kpi"' not in html  # the KPI inline is read-only too
    assert "他局の指標" in html


def test_own_project_opens_for_editing_without_creating_bureaus_or_measures(world):
    response = client_as(world["staff"]).get(
        reverse("admin:plan_project_change", args=[world["own"].pk])
    )
    html = response.content.decode()
    assert 'name="_save"' in html
    assert 'name="kpi_links-0-kpi"' in html
    assert 'id="add_id_bureau_links-0-bureau"' not in html  # no "+" to create a bureau
    assert 'id="change_id_bureau_links-0-bureau"' not in html
    assert 'name="listings-0-measure"' not in html  # listings are the coordinator's
    assert 'id="add_id_kpi_links-0-kpi"' in html  # staff may create a KPI for their project


def test_coordinator_gets_no_plus_for_bureaus_either(world):
    html = (
        client_as(world["coordinator"])
        .get(reverse("admin:plan_project_change", args=[world["own"].pk]))
        .content.decode()
    )
    assert 'name="listings-0-measure"' in html
    assert 'id="add_id_bureau_links-0-bureau"' not in html


def test_staff_cannot_hand_their_project_to_another_bureau(world):
    client = client_as(world["staff"])
    url = reverse("admin:plan_project_change", args=[world["own"].pk])
    data = read_form(client.get(url).content.decode(), "project_form")
    data["bureau_links-0-bureau"] = str(world["toshi"].pk)
    response = client.post(url, data)
    assert response.status_code == 200
    assert (
        "所管局には、あなたの所属する局を少なくとも一つ含めてください。"
        in response.content.decode()
    )
    assert [b.name for b in world["own"].bureaus.all()] == ["産業経済局"]


def test_staff_may_propose_a_co_owning_bureau(world):
    client = client_as(world["staff"])
    url = reverse("admin:plan_project_change", args=[world["own"].pk])
    data = read_form(client.get(url).content.decode(), "project_form")
    data.update(
        {
            "bureau_links-TOTAL_FORMS": "2",
            "bureau_links-1-position": "2",
            "bureau_links-1-bureau": str(world["toshi"].pk),
            "bureau_links-1-project": str(world["own"].pk),
            "change_reason": "都市整備局と共管になったため",
        }
    )
    response = client.post(url, data)
    change_request = ChangeRequest.objects.get()
    assert response["Location"] == reverse(
        "admin:plan_changerequest_change", args=[change_request.pk]
    )
    assert [b.name for b in world["own"].bureaus.all()] == ["産業経済局"]  # until approved
    items = [
        (i.operation, i.model_label, i.proposed["bureau_id"]) for i in change_request.items.all()
    ]
    assert items == [("create", "plan.projectbureau", world["toshi"].pk)]


def test_forged_inline_rows_on_another_bureaus_project_are_refused(world):
    coordinator_form = client_as(world["coordinator"]).get(
        reverse("admin:plan_project_change", args=[world["other"].pk])
    )
    data = read_form(coordinator_form.content.decode(), "project_form")
    data["bureau_links-0-bureau"] = str(world["sangyo"].pk)  # take the project over
    response = client_as(world["staff"]).post(
        reverse("admin:plan_project_change", args=[world["other"].pk]), data
    )
    assert response.status_code == 403
    assert [b.name for b in world["other"].bureaus.all()] == ["都市整備局"]


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:accounts_user_changelist",
        "admin:accounts_user_add",
        "admin:accounts_bureau_add",
        "admin:auth_group_changelist",
    ],
)
def test_staff_cannot_reach_user_bureau_or_group_administration(world, url_name):
    assert client_as(world["staff"]).get(reverse(url_name)).status_code == 403


def test_staff_cannot_edit_their_own_user_or_memberships(world):
    staff = world["staff"]
    url = reverse("admin:accounts_user_change", args=[staff.pk])
    client = client_as(staff)
    assert client.get(url).status_code == 403
    response = client.post(
        url, {"username": "sangyo", "role": Role.COORDINATOR, "bureaus": [world["toshi"].pk]}
    )
    assert response.status_code == 403
    staff.refresh_from_db()
    assert staff.role == Role.BUREAU_STAFF
    assert [b.name for b in staff.bureaus.all()] == ["産業経済局"]


def test_system_administrator_cannot_raise_their_own_rights(world):
    sysadmin = world["sysadmin"]
    client = client_as(sysadmin)
    url = reverse("admin:accounts_user_change", args=[sysadmin.pk])
    html = client.get(url).content.decode()
    assert 'name="_save"' not in html
    assert 'name="is_superuser"' not in html
    response = client.post(
        url, {"username": "sysadmin", "role": Role.COORDINATOR, "is_superuser": "on"}
    )
    assert response.status_code == 403
    sysadmin.refresh_from_db()
    assert (sysadmin.role, sysadmin.is_superuser) == (Role.SYSTEM_ADMIN, False)


def test_system_administrator_form_offers_no_superuser_or_permission_fields(world):
    html = (
        client_as(world["sysadmin"])
        .get(reverse("admin:accounts_user_change", args=[world["staff"].pk]))
        .content.decode()
    )
    assert 'name="role"' in html
    assert 'name="bureaus"' in html
    for field in ("is_superuser", "user_permissions", "groups"):
        assert f'name="{field}"' not in html


def test_history_is_readable_by_all_roles_and_not_by_anonymous(world):
    url = reverse("admin:plan_project_history", args=[world["other"].pk])
    assert client_as(world["staff"]).get(url).status_code == 200
    assert client_as(world["viewer"]).get(url).status_code == 200
    response = Client().get(url)
    assert response.status_code == 302 and reverse("admin:login") in response["Location"]


def test_autocomplete_requires_sign_in(world):
    params = {"term": "指標", "app_label": "kpis", "model_name": "projectkpi", "field_name": "kpi"}
    assert client_as(world["staff"]).get(reverse("admin:autocomplete"), params).status_code == 200
    response = Client().get(reverse("admin:autocomplete"), params)
    assert response.status_code == 302


def index_models(user) -> dict[str, list[str]]:
    response = client_as(user).get(reverse("admin:index"))
    return {
        app["app_label"]: sorted(m["object_name"] for m in app["models"])
        for app in response.context["app_list"]
    }


def test_index_shows_each_role_only_what_it_can_use(world):
    plan_models = ["Edition", "Measure", "Plan", "PolicyGoal", "Project"]
    assert index_models(world["staff"]) == {
        "accounts": ["Bureau"],
        "kpis": ["Kpi", "KpiActual"],
        "plan": ["ChangeRequest", *plan_models],  # their own change requests
    }
    assert "ChangeRequest" in index_models(world["coordinator"])["plan"]
    assert index_models(world["viewer"]) == {
        "accounts": ["Bureau"],
        "kpis": ["Kpi", "KpiActual"],
        "plan": plan_models,
    }
    assert index_models(world["sysadmin"])["accounts"] == [
        "AccountChangeRecord",
        "Bureau",
        "FailedSignInRecord",
        "LockoutRecord",
        "SignInRecord",
        "User",
    ]


def test_viewer_index_offers_no_add_links(world):
    response = client_as(world["viewer"]).get(reverse("admin:index"))
    for app in response.context["app_list"]:
        for model in app["models"]:
            assert model["add_url"] is None, model["object_name"]


def changelist_names(client, params=None) -> list[str]:
    response = client.get(reverse("admin:plan_project_changelist"), params or {})
    return sorted(project.name for project in response.context["cl"].result_list)


def test_staff_start_on_their_own_bureaus_projects_and_can_see_all(world):
    client = client_as(world["staff"])
    assert changelist_names(client) == ["自局の事業"]
    assert changelist_names(client, {"own": "all"}) == ["他局の事業", "自局の事業"]
    html = client.get(reverse("admin:plan_project_changelist")).content.decode()
    assert "自局のみ" in html


def test_coordinator_starts_on_the_whole_plan(world):
    assert changelist_names(client_as(world["coordinator"])) == ["他局の事業", "自局の事業"]


def test_kpi_list_has_the_same_own_bureau_filter(world):
    response = client_as(world["staff"]).get(reverse("admin:kpis_kpi_changelist"))
    assert [kpi.indicator for kpi in response.context["cl"].result_list] == ["自局の指標"]


def test_no_admin_offers_django_import_exports_own_import_and_export():
    """Its views would let everyone who enters the admin import and export unless its permission
    codes were configured; the Excel doors are the project's own, behind the policy."""
    from django.contrib import admin

    assert "import_export" not in settings.INSTALLED_APPS
    assert not [
        model_admin
        for model_admin in admin.site._registry.values()
        if any(cls.__module__.startswith("import_export") for cls in type(model_admin).__mro__)
    ]


def test_django_permission_rows_grant_nothing_outside_the_policy(world):
    """A permission granted by hand in Django's tables is ignored: the policy is the only source."""
    from django.contrib.auth.models import Permission

    viewer = world["viewer"]
    viewer.user_permissions.add(Permission.objects.get(codename="change_project"))
    viewer = User.objects.get(pk=viewer.pk)
    assert not viewer.has_perm("plan.change_project", world["own"])
    assert Project.objects.filter(name="自局の事業").exists()
