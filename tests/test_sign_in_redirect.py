"""Where a sign-in lands: the requested page when it is on this site, the admin index otherwise."""

import pytest
from django.urls import reverse

from accounts.models import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/admin/", "//evil.example/", "javascript:alert(1)", ""],
)
def test_sign_in_with_a_foreign_or_empty_next_lands_on_the_admin_index(client, next_url):
    UserFactory(username="sangyo", password="right-Pass-2024", role=Role.BUREAU_STAFF)
    response = client.post(
        reverse("admin:login"),
        {"username": "sangyo", "password": "right-Pass-2024", "next": next_url},
    )
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_sign_in_with_a_page_of_this_site_as_next_goes_there(client):
    UserFactory(username="sangyo", password="right-Pass-2024", role=Role.BUREAU_STAFF)
    response = client.post(
        reverse("admin:login"),
        {"username": "sangyo", "password": "right-Pass-2024", "next": "/admin/plan/project/"},
    )
    assert response["Location"] == "/admin/plan/project/"
