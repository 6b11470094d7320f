"""The project list sorts by goal, by measure (then No) and by bureau, each project once."""

import pytest
from django.urls import reverse

from accounts.models import Role
from plan.models import Project
from tests.admin_forms import client_as
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

#: list_display: code, goal, measure, No, name, bureau, KPI 数 (the column numbers of ?o=).
GOAL, MEASURE, BUREAU = 2, 3, 6


def codes(client, order: str) -> list[str]:
    response = client.get(reverse("admin:plan_project_changelist"), {"o": order})
    return [project.code for project in response.context["cl"].result_list]


@pytest.fixture
def viewer(edition_2024):
    return client_as(UserFactory(role=Role.VIEWER))


def test_by_goal_as_published_each_project_once(viewer):
    listed = codes(viewer, f"{GOAL}.1")
    assert len(listed) == len(set(listed)) == 90
    # the foundation (「下支え」) first, then I–IV; P022 (「下支え」-(3) and IV) sorts with the foundation
    assert listed[:3] == ["P001", "P002", "P003"]
    assert listed.index("P022") < listed.index("P026")  # P026: the first of goal I
    assert codes(viewer, f"-{GOAL}.1")[0] != "P001"


def test_by_measure_then_no(viewer):
    listed = codes(viewer, f"{MEASURE}.1")
    assert listed[:3] == ["P001", "P002", "P003"]
    assert listed[-1] == "P090"
    reversed_ = codes(viewer, f"-{MEASURE}.1")
    assert reversed_[0] == "P090"


def test_by_bureau_in_the_citys_order(viewer):
    listed = codes(viewer, f"{BUREAU}.1")
    first_bureaus = [
        Project.objects.get(code=code).bureau_links.order_by("position").first().bureau.name
        for code in listed
    ]
    assert first_bureaus[0] == "環境局"
    assert first_bureaus[-1] == "上下水道局"
    assert len(listed) == 90
