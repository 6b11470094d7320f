"""System administrators manage accounts, but cannot become someone with more rights: they cannot
change (or set the password of, or delete) a superuser or another system administrator, cannot make
anyone a system administrator or superuser, and every role they grant is recorded (who, when, to
whom) in a list they can read. Every refused request here is a forged POST to a real admin URL."""

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from accounts import permissions
from accounts.models import Bureau, Role, User
from tests.admin_forms import client_as, read_form
from tests.factories import UserFactory
from tests.world import AccountsWorld, build_accounts_world

pytestmark = pytest.mark.django_db

PROTECTED = (
    "システム管理者は、自分自身・ほかのシステム管理者・スーパーユーザーの利用者情報 "
    "(パスワードを含む) を変更できません。"
)
ROLE_REFUSED = "「システム管理者」の役割は与えられません。システム管理者を増やすのは、サーバーで create_system_admin コマンドを実行する人です。"
OLD_PASSWORD = "pass-Word-12345"  # tests.factories.UserFactory's


@pytest.fixture
def world() -> AccountsWorld:
    return build_accounts_world(superuser_password=OLD_PASSWORD)


def form_of(user_url: str, as_user, form_id: str) -> dict:
    """The form as a superuser sees it: what a forger would copy and post."""
    response = client_as(as_user).get(user_url)
    assert response.status_code == 200
    return read_form(response.content.decode(), form_id)


def snapshot() -> list:
    return sorted(
        User.objects.values_list(
            "username", "role", "is_superuser", "is_staff", "is_active", "password"
        )
    )


@pytest.mark.parametrize("target", ["superuser", "other_sysadmin"])
def test_sysadmin_cannot_set_the_password_of_a_superuser_or_another_sysadmin(world, target):
    account = getattr(world, target)
    url = reverse("admin:auth_user_password_change", args=[account.pk])
    before = snapshot()
    client = client_as(world.sysadmin)
    assert client.get(url).status_code == 403
    response = client.post(
        url,
        {"password1": "taken-Over-2024", "password2": "taken-Over-2024", "usable_password": "true"},
    )
    assert response.status_code == 403
    assert PROTECTED in response.content.decode()
    assert snapshot() == before
    assert User.objects.get(pk=account.pk).check_password(OLD_PASSWORD)


@pytest.mark.parametrize("target", ["superuser", "other_sysadmin"])
def test_sysadmin_cannot_change_or_delete_a_superuser_or_another_sysadmin(world, target):
    account = getattr(world, target)
    url = reverse("admin:accounts_user_change", args=[account.pk])
    data = form_of(url, world.superuser, "user_form")
    data.update({"role": Role.VIEWER, "email": "taken@example.jp"})
    data.pop("is_active", None)  # switch the account off
    before = snapshot()
    client = client_as(world.sysadmin)
    page = client.get(url)
    assert page.status_code == 200  # they may read it
    assert 'name="_save"' not in page.content.decode()
    assert PROTECTED in page.content.decode()
    response = client.post(url, data)
    assert response.status_code == 403
    assert PROTECTED in response.content.decode()
    response = client.post(
        reverse("admin:accounts_user_delete", args=[account.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert PROTECTED in response.content.decode()
    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "delete_selected", "_selected_action": [str(account.pk)], "post": "yes"},
    )
    assert response.status_code == 403
    assert snapshot() == before


def test_sysadmin_cannot_create_a_sysadmin(world):
    url = reverse("admin:accounts_user_add")
    data = form_of(url, world.sysadmin, "user_form")
    data.pop("bureaus")
    assert 'value="system_admin"' not in client_as(world.sysadmin).get(url).content.decode()
    data.update(
        {
            "username": "newadmin",
            "usable_password": "true",
            "password1": "Hibikinada-Wind-77",
            "password2": "Hibikinada-Wind-77",
            "role": Role.SYSTEM_ADMIN,
        }
    )
    response = client_as(world.sysadmin).post(url, data)
    assert response.status_code == 200
    assert ROLE_REFUSED in response.content.decode()
    assert not User.objects.filter(username="newadmin").exists()


def test_sysadmin_cannot_create_a_superuser_by_forging_fields(world):
    url = reverse("admin:accounts_user_add")
    data = form_of(url, world.sysadmin, "user_form")
    data.pop("bureaus")
    data.update(
        {
            "username": "newviewer",
            "usable_password": "true",
            "password1": "Mojiko-Retro-4419",
            "password2": "Mojiko-Retro-4419",
            "role": Role.VIEWER,
            "is_superuser": "on",
            "groups": ["1"],
            "user_permissions": ["1", "2"],
        }
    )
    response = client_as(world.sysadmin).post(url, data)
    assert response.status_code == 302
    created = User.objects.get(username="newviewer")
    assert (created.role, created.is_superuser) == (Role.VIEWER, False)
    assert not created.user_permissions.exists()


def test_sysadmin_cannot_promote_anyone_to_sysadmin_or_superuser(world):
    viewer = world.viewer
    url = reverse("admin:accounts_user_change", args=[viewer.pk])
    client = client_as(world.sysadmin)
    html = client.get(url).content.decode()
    assert 'value="system_admin"' not in html
    assert 'value="coordinator"' in html
    data = read_form(html, "user_form")
    data["role"] = Role.SYSTEM_ADMIN
    before = snapshot()
    response = client.post(url, data)
    assert response.status_code == 200
    assert ROLE_REFUSED in response.content.decode()
    assert snapshot() == before

    data.update({"role": Role.VIEWER, "is_superuser": "on", "user_permissions": ["1"]})
    assert client.post(url, data).status_code == 302
    viewer.refresh_from_db()
    assert (viewer.role, viewer.is_superuser) == (Role.VIEWER, False)
    assert not viewer.user_permissions.exists()


def test_sysadmin_still_manages_ordinary_accounts(world):
    staff = world.staff
    client = client_as(world.sysadmin)
    url = reverse("admin:auth_user_password_change", args=[staff.pk])
    response = client.post(
        url,
        {"password1": "reset-Pass-2024", "password2": "reset-Pass-2024", "usable_password": "true"},
    )
    assert response.status_code == 302
    staff.refresh_from_db()
    assert staff.check_password("reset-Pass-2024")


def test_granting_the_coordinator_role_is_recorded_and_shown_to_sysadmins(world):
    staff = world.staff
    url = reverse("admin:accounts_user_change", args=[staff.pk])
    client = client_as(world.sysadmin)
    data = read_form(client.get(url).content.decode(), "user_form")
    data["role"] = Role.COORDINATOR
    data["bureaus"] = [str(Bureau.objects.get(name="都市整備局").pk)]
    assert client.post(url, data).status_code == 302
    staff.refresh_from_db()
    assert staff.role == Role.COORDINATOR

    entry = LogEntry.objects.get(change_message__startswith="役割")
    assert (entry.user, entry.object_id, entry.object_repr, entry.get_change_message()) == (
        world.sysadmin,
        str(staff.pk),
        "toshi",
        "役割を「所管局担当者」から「取りまとめ担当」に変更しました。",
    )
    records = client.get(reverse("admin:accounts_accountchangerecord_changelist"))
    assert records.status_code == 200
    rows = [
        (str(record.user), record.object_repr, record.get_change_message())
        for record in records.context["cl"].result_list
    ]
    assert (
        "sysadmin",
        "toshi",
        "役割を「所管局担当者」から「取りまとめ担当」に変更しました。",
    ) in rows


def test_a_new_account_with_a_role_is_recorded(world):
    url = reverse("admin:accounts_user_add")
    client = client_as(world.sysadmin)
    data = read_form(client.get(url).content.decode(), "user_form")
    data.pop("bureaus")
    data.update(
        {
            "username": "newcoord",
            "usable_password": "true",
            "password1": "Kokura-Castle-8823",
            "password2": "Kokura-Castle-8823",
            "role": Role.COORDINATOR,
        }
    )
    assert client.post(url, data).status_code == 302
    assert list(
        LogEntry.objects.filter(change_message__startswith="役割").values_list(
            "user__username", "object_repr", "change_message"
        )
    ) == [("sysadmin", "newcoord", "役割「取りまとめ担当」で作成しました。")]


@pytest.mark.parametrize("role", ["bureau_staff", "coordinator", "viewer"])
def test_the_change_record_is_the_sysadmins_only(world, role):
    user = UserFactory(username=f"someone-{role}", role=role)
    url = reverse("admin:accounts_accountchangerecord_changelist")
    assert client_as(user).get(url).status_code == 403


def test_the_policy_says_who_manages_which_account(world):
    sysadmin = world.sysadmin
    assert permissions.may_manage_account(sysadmin, world.staff)
    assert not permissions.may_manage_account(sysadmin, world.superuser)
    assert not permissions.may_manage_account(sysadmin, world.other_sysadmin)
    assert not permissions.may_manage_account(sysadmin, sysadmin)
    assert not permissions.may_manage_account(world.viewer, world.staff)
    assert [role for role in Role.values if permissions.may_assign_role(sysadmin, role)] == [
        Role.BUREAU_STAFF,
        Role.COORDINATOR,
        Role.VIEWER,
    ]
    assert not permissions.may_assign_role(world.viewer, Role.VIEWER)


def test_create_system_admin_makes_a_system_administrator_who_is_not_a_superuser(monkeypatch):
    from django.core.management import CommandError, call_command

    monkeypatch.setenv("SYSTEM_ADMIN_PASSWORD", "Wakamatsu-Bridge-5521")
    call_command("create_system_admin", "itkanri", "--email", "itkanri@example.jp")
    created = User.objects.get(username="itkanri")
    assert (created.role, created.is_staff, created.is_superuser) == (
        Role.SYSTEM_ADMIN,
        True,
        False,
    )
    assert created.check_password("Wakamatsu-Bridge-5521")

    viewer = UserFactory(username="promoted", role=Role.VIEWER, is_staff=False)
    call_command("create_system_admin", "promoted")
    viewer.refresh_from_db()
    assert (viewer.role, viewer.is_staff, viewer.check_password(OLD_PASSWORD)) == (
        Role.SYSTEM_ADMIN,
        True,
        True,
    )

    monkeypatch.setenv("SYSTEM_ADMIN_PASSWORD", "Kx1!")
    with pytest.raises(CommandError, match="このパスワードは短すぎます"):
        call_command("create_system_admin", "itkanri2")
    assert not User.objects.filter(username="itkanri2").exists()
