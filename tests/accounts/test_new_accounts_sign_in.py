"""An account the system administrator creates with a role can sign in at once (「スタッフ権限」
follows the role); a refused sign-in says why when the password was right."""

import pytest
from django.urls import reverse

from accounts.models import Role, User
from tests.admin_forms import client_as, read_form
from tests.factories import BureauFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Kokura-Castle-8823"
INACTIVE = (
    "このアカウントは無効になっています (「有効」がオフです)。システム管理者に連絡してください。"
)
WRONG = "正しいユーザー名とパスワードを入力してください"


def sign_in(client, username: str, password: str):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": reverse("admin:index")},
    )


def create_through_the_add_form(role: str, bureaus: list[int]) -> User:
    sysadmin = UserFactory(username="sysadmin", role=Role.SYSTEM_ADMIN)
    client = client_as(sysadmin)
    url = reverse("admin:accounts_user_add")
    data = read_form(client.get(url).content.decode(), "user_form")
    data.pop("bureaus", None)
    data.update(
        {
            "username": "newuser",
            "usable_password": "true",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "role": role,
        }
    )
    if bureaus:
        data["bureaus"] = [str(pk) for pk in bureaus]
    assert client.post(url, data).status_code == 302
    return User.objects.get(username="newuser")


@pytest.mark.parametrize(
    "role", [Role.BUREAU_STAFF, Role.COORDINATOR, Role.VIEWER], ids=lambda role: role.value
)
def test_an_account_created_in_the_admin_signs_in(client, role):
    bureau = BureauFactory(name="環境局")
    account = create_through_the_add_form(role, [bureau.pk])
    assert account.is_staff is True
    response = sign_in(client, "newuser", PASSWORD)
    assert (response.status_code, response["Location"]) == (302, reverse("admin:index"))
    assert client.get(reverse("admin:index")).status_code == 200


def test_an_inactive_account_is_told_so_not_that_the_password_is_wrong(client):
    UserFactory(username="retired", password=PASSWORD, role=Role.VIEWER, is_active=False)
    page = sign_in(client, "retired", PASSWORD).content.decode()
    assert INACTIVE in page
    assert WRONG not in page
    # A wrong password says nothing about the account.
    page = sign_in(client, "retired", "wrong-Password-1").content.decode()
    assert WRONG in page and INACTIVE not in page


def test_staff_access_is_not_a_separate_switch(client):
    account = UserFactory(username="legacy", password=PASSWORD, role=Role.BUREAU_STAFF)
    User.objects.filter(pk=account.pk).update(is_staff=False)  # as an account made before
    account.refresh_from_db()
    account.save(update_fields=["role"])
    account.refresh_from_db()
    assert account.is_staff is True
    sysadmin = UserFactory(username="sysadmin", role=Role.SYSTEM_ADMIN)
    page = client_as(sysadmin).get(reverse("admin:accounts_user_change", args=[account.pk]))
    assert 'name="is_staff"' not in page.content.decode()
