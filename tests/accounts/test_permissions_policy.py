"""The policy's answers for each role (test_permission_matrix.py checks them through admin URLs too)."""

import pytest

from accounts.models import Role
from tests.factories import (
    UserFactory,
)
from tests.world import PolicyWorld, build_policy_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> PolicyWorld:
    return build_policy_world()


def user(role, bureaus=()):
    return UserFactory(role=role, bureaus=list(bureaus))


def test_bureau_staff_change_only_their_own_bureaus_projects(world):
    staff = user(Role.BUREAU_STAFF, [world.sangyo])
    assert staff.has_perm("plan.view_project", world.other_project)
    assert staff.has_perm("plan.change_project", world.own_project)
    assert not staff.has_perm("plan.change_project", world.other_project)
    assert not staff.has_perm("plan.delete_project", world.own_project)
    assert staff.has_perm("plan.add_project")
    assert not staff.has_perm("plan.change_measure", world.measure)
    assert not staff.has_perm("accounts.change_bureau", world.sangyo)
    assert not staff.has_perm("accounts.view_user")


def test_a_shared_kpi_may_be_changed_by_any_owning_bureau(world):
    staff = user(Role.BUREAU_STAFF, [world.sangyo])
    assert staff.has_perm("kpis.change_kpi", world.shared_kpi)
    assert not staff.has_perm("kpis.change_kpi", world.other_kpi)


def test_staff_without_a_bureau_change_nothing(world):
    staff = user(Role.BUREAU_STAFF)
    assert staff.has_perm("plan.view_project", world.own_project)
    assert not staff.has_perm("plan.change_project")
    assert not staff.has_perm("plan.add_project")


def test_coordinator_changes_the_whole_plan_but_not_accounts(world):
    coordinator = user(Role.COORDINATOR, [world.kankyo])
    assert coordinator.has_perm("plan.change_project", world.own_project)
    assert coordinator.has_perm("plan.delete_project", world.own_project)
    assert coordinator.has_perm("plan.change_measure", world.measure)
    assert coordinator.has_perm("kpis.change_kpi", world.other_kpi)
    assert not coordinator.has_perm("accounts.change_user")
    assert not coordinator.has_perm("accounts.change_bureau", world.sangyo)


def test_viewer_views_everything_and_changes_nothing(world):
    viewer = user(Role.VIEWER)
    assert viewer.has_perm("plan.view_project", world.own_project)
    assert viewer.has_perm("kpis.view_kpi", world.shared_kpi)
    assert not viewer.has_perm("plan.change_project", world.own_project)
    assert not viewer.has_perm("plan.add_project")
    assert viewer.has_perm("accounts.view_bureau", world.sangyo)
    assert not viewer.has_perm("accounts.view_user")


def test_system_administrator_manages_accounts_only(world):
    administrator = user(Role.SYSTEM_ADMIN)
    assert administrator.has_perm("accounts.change_user")
    assert administrator.has_perm("accounts.add_bureau")
    assert administrator.has_perm("plan.view_project", world.own_project)
    assert not administrator.has_perm("plan.change_project", world.own_project)


def test_inactive_and_anonymous_users_have_no_permission(world):
    from django.contrib.auth.models import AnonymousUser

    inactive = user(Role.COORDINATOR)
    inactive.is_active = False
    assert not inactive.has_perm("plan.view_project", world.own_project)
    assert not AnonymousUser().has_perm("plan.view_project", world.own_project)


def test_unknown_permission_strings_are_refused(world):
    coordinator = user(Role.COORDINATOR)
    assert not coordinator.has_perm("plan.approve_project")
    assert not coordinator.has_perm("nonsense")
