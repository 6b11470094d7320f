"""Reading views: a goal lists its measures and their projects, a measure its projects in No order,
a project its bureaus, listings and KPIs; no inputs or editor hints; editors keep their forms."""

import re

import pytest
from django.urls import reverse

from accounts.models import Role
from plan.models import Measure, PolicyGoal, Project
from tests.admin_forms import client_as
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

EDITOR_HINTS = [
    "Excel の取込はこの列で行を照合する",
    "この版で新しく加わった事業",
    "閉じる",
    "削除しますか",
]


def content(response) -> str:
    html = response.content.decode()
    return html[html.index('id="content-main"') :]


def assert_reading(html: str):
    assert "<input" not in html.replace('<input type="hidden"', "")
    assert "<select" not in html and "<textarea" not in html
    for hint in EDITOR_HINTS:
        assert hint not in html, hint


def test_a_goal_lists_its_measures_and_their_projects(world, django_assert_max_num_queries):
    goal = PolicyGoal.objects.get(code="I")
    client = client_as(world.viewer)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("admin:plan_policygoal_change", args=[goal.pk]))
    html = content(response)
    assert_reading(html)
    measures = re.findall(r"<h2><a [^>]*>([^<]+)</a></h2>", html)
    assert measures == [
        "I-(1) エネルギーの脱炭素化",
        "I-(2) イノベーションの推進",
        "I-(3) 脱炭素型ライフスタイルの推進",
        "I-(4) ゼロカーボン・ドライブや持続可能な公共交通ネットワーク等の推進",
    ]
    assert "水素拠点化推進事業" in html
    assert '<span class="unbroken">港湾空港局</span>' in html


def test_a_measure_lists_its_projects_in_no_order(world):
    measure = Measure.objects.get(goal__code="I", number=1)
    html = content(
        client_as(world.viewer).get(reverse("admin:plan_measure_change", args=[measure.pk]))
    )
    assert_reading(html)
    numbers = [int(n) for n in re.findall(r'<td class="number">(\d+)</td>', html)]
    assert numbers == [1, 2, 3, 4, 5]
    assert "個別プロジェクト (5件)" in html


@pytest.mark.parametrize("who", ["viewer", "sangyo"])
def test_a_project_reads_without_a_form(world, who):
    project = Project.objects.get(code="P022")  # 環境局's: 産業経済局 staff may only read it
    response = client_as(getattr(world, who)).get(
        reverse("admin:plan_project_change", args=[project.pk])
    )
    html = content(response)
    assert_reading(html)
    assert "IV-(5) アジアカーボンニュートラルセンターの機能・体質強化" in html
    assert "50社程度・約500億円 (R12年度)" in html
    assert reverse("admin:plan_project_history", args=[project.pk]) in response.content.decode()


def test_editors_keep_the_form(world):
    project = Project.objects.get(code="P002")  # 産業経済局's own
    for user in (world.sangyo, world.coordinator):
        html = client_as(user).get(reverse("admin:plan_project_change", args=[project.pk]))
        assert 'name="summary"' in html.content.decode()


def test_a_system_administrator_reads_too():
    from django.core.management import call_command

    from accounts.management.commands.setup_demo import EDITION_FIXTURE

    call_command("loaddata", str(EDITION_FIXTURE), verbosity=0)
    admin = UserFactory(role=Role.SYSTEM_ADMIN)
    goal = PolicyGoal.objects.get(code="II")
    html = content(client_as(admin).get(reverse("admin:plan_policygoal_change", args=[goal.pk])))
    assert_reading(html)
