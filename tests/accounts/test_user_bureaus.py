"""The policy's facts ``user_bureau_ids``: a user's bureaus (every membership), read once a
request (kept on the user object), none for someone signed out or without a bureau; and
``project_bureau_ids``, a project's bureaus."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from accounts.permissions import project_bureau_ids, user_bureau_ids
from plan.models import Project
from tests.factories import BureauFactory, ProjectFactory, UserFactory

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


def test_a_projects_bureaus_from_its_links_alone_or_from_those_prefetched(
    django_assert_num_queries,
):
    """``project_bureau_ids``: the links' bureau keys in one query without the projects' table
    (the links' ordering joined it), or none when the links were prefetched."""
    first, second = (BureauFactory(name=name) for name in ("産業経済局", "環境局"))
    project = ProjectFactory(bureaus=[first, second])
    with CaptureQueriesContext(connection) as read:
        assert project_bureau_ids(project) == {first.pk, second.pk}
    (query,) = read.captured_queries
    assert "plan_project" not in query["sql"].replace("plan_projectbureau", "")
    prefetched = Project.objects.prefetch_related("bureau_links").get(pk=project.pk)
    with django_assert_num_queries(0):
        assert project_bureau_ids(prefetched) == {first.pk, second.pk}
    assert project_bureau_ids(None) == set()
