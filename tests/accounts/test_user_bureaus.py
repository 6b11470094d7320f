"""The policy's fact ``user_bureau_ids``: a user's bureaus (every membership), read once a
request (kept on the user object), none for someone signed out or without a bureau."""

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.models import Role
from accounts.permissions import user_bureau_ids
from tests.factories import BureauFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_every_membership_once_a_request(django_assert_num_queries):
    first, second, _other = (
        BureauFactory(name=name) for name in ("産業経済局", "環境局", "港湾空港局")
    )
    user = UserFactory(username="both", role=Role.BUREAU_STAFF, bureaus=[first, second])
    with django_assert_num_queries(1):
        assert user_bureau_ids(user) == {first.pk, second.pk}
        assert user_bureau_ids(user) == {first.pk, second.pk}


def test_none(django_assert_num_queries):
    viewer = UserFactory(username="viewer", role=Role.VIEWER)
    with django_assert_num_queries(1):
        assert user_bureau_ids(viewer) == set()
    with django_assert_num_queries(0):
        assert user_bureau_ids(AnonymousUser()) == set()
