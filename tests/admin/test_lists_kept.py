"""The project and KPI lists' pages and filter choices are kept between views
(plan.admin.kept_list): each change of the plan, of a request or of a bureau is shown at the next
view. Nothing tells the cache of a change: the stamp is read from the database, so another
process's change is seen the same way."""

import pytest
from django.contrib import admin
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Bureau
from kpis.models import Kpi
from plan import changes
from plan.admin.base import MeasureListFilter
from plan.admin.kept_list import list_stamp
from plan.changes import ProposedChange
from plan.models import Edition, Measure, PolicyGoal, Project
from tests.admin_forms import client_as, without_csrf
from tests.world import submit_summary

pytestmark = pytest.mark.django_db

PROJECTS = "admin:plan_project_changelist"
KPIS = "admin:kpis_kpi_changelist"


def page(client, name: str, query: dict | None = None) -> str:
    response = client.get(reverse(name), query or {})
    assert response.status_code == 200
    return without_csrf(response.content.decode())


def apply(world, record, values: dict, edition) -> None:
    changes.change_direct_apply(
        acting_user=world.coordinator,
        edition=edition,
        changes=[ProposedChange.update(record, values)],
        reason="名称の整理",
        title=str(record),
    )


def test_a_projects_new_name_is_shown_at_the_next_view(world):
    client = client_as(world.coordinator)
    project = Project.objects.get(code="P002")
    assert ">海岸漂着物処理推進事業</a>" in page(client, PROJECTS)
    assert ">海岸漂着物処理推進事業</a>" in page(client, PROJECTS)  # kept
    apply(world, project, {"name": "海岸清掃推進事業"}, project.edition)

    html = page(client, PROJECTS)
    assert ">海岸清掃推進事業</a>" in html
    assert ">海岸漂着物処理推進事業</a>" not in html


def test_a_search_finds_a_new_name_at_the_next_view(world):
    client = client_as(world.coordinator)
    project = Project.objects.get(code="P002")
    assert "結果 0 (" in page(client, PROJECTS, {"q": "海岸清掃推進"})
    apply(world, project, {"name": "海岸清掃推進事業"}, project.edition)

    html = page(client, PROJECTS, {"q": "海岸清掃推進"})
    assert "結果 1 (" in html
    assert ">海岸清掃推進事業</a>" in html


def test_a_goals_and_a_measures_new_names_are_shown_at_the_next_view(world):
    client = client_as(world.coordinator)
    goal = PolicyGoal.objects.get(code="I")
    measure = Measure.objects.filter(goal=goal).order_by("number").first()
    before = page(client, PROJECTS)
    assert f"({measure.number}) {measure.title}<br>" in before
    assert f">{goal.label}</a>" in before  # the goal filter's choice
    apply(world, goal, {"title": "新しい目標"}, goal.edition)
    apply(world, measure, {"title": "新しい施策"}, goal.edition)

    html = page(client, PROJECTS)
    assert f"({measure.number}) 新しい施策<br>" in html
    assert ">政策目標I 新しい目標</a>" in html
    assert f">{goal.label}</a>" not in html


def test_a_measures_new_name_is_shown_in_its_filter_at_the_next_view(world):
    """The choices are kept apart from the pages (``CHOICE_MODELS``): a measure renamed alone
    (fails if the measures leave the choices' stamp)."""
    client = client_as(world.coordinator)
    measure = Measure.objects.filter(goal__code="I").order_by("number").first()
    choice = f'<a href="?listings__measure__id__exact={measure.pk}">I-({measure.number}) '
    assert f"{choice}{measure.title}</a>" in page(client, PROJECTS)
    apply(world, measure, {"title": "新しい施策"}, measure.goal.edition)

    html = page(client, PROJECTS)
    assert f"{choice}新しい施策</a>" in html
    assert f"{choice}{measure.title}</a>" not in html


def test_a_goals_new_name_is_shown_in_its_filter_at_the_next_view(world):
    """A goal renamed alone (fails if the goals leave the choices' stamp)."""
    client = client_as(world.coordinator)
    goal = PolicyGoal.objects.get(code="I")
    choice = f'<a href="?listings__measure__goal__id__exact={goal.pk}">'
    assert f"{choice}{goal.label}</a>" in page(client, PROJECTS)
    apply(world, goal, {"title": "新しい目標"}, goal.edition)

    html = page(client, PROJECTS)
    assert f"{choice}政策目標I 新しい目標</a>" in html
    assert f"{choice}{goal.label}</a>" not in html


def test_an_editions_and_its_plans_new_names_are_shown_in_its_filter_at_the_next_view(world):
    """The 「版」 filter names each edition with its plan (fails if the editions or the plans leave
    the choices' stamp)."""
    client = client_as(world.coordinator)
    edition = Project.objects.get(code="P002").edition
    other = Edition.objects.create(plan=edition.plan, fiscal_year=2025)
    for name in (PROJECTS, KPIS):
        assert f'<a href="?edition__id__exact={other.pk}">{edition.plan.name} ' in page(
            client, name
        )
    plan = edition.plan
    plan.name = "新しい計画"
    plan.save()
    for name in (PROJECTS, KPIS):
        html = page(client, name)
        assert f'<a href="?edition__id__exact={other.pk}">新しい計画 令和7年(2025年)版</a>' in html
    other.fiscal_year = 2026
    other.save()
    for name in (PROJECTS, KPIS):
        html = page(client, name)
        assert f'<a href="?edition__id__exact={other.pk}">新しい計画 令和8年(2026年)版</a>' in html


def test_a_goal_renamed_while_the_choices_are_read_is_shown_at_the_next_view(world, monkeypatch):
    """The stamp is read before the choices: had they been read first, a rename committed in
    between (by someone else) would be kept with the old name under the new stamp."""
    from plan import db_stamp

    stamp = db_stamp.database_stamp
    goal = PolicyGoal.objects.get(code="I")

    def renamed_then_stamped(*args):
        monkeypatch.setattr(db_stamp, "database_stamp", stamp)
        apply(world, goal, {"title": "新しい目標"}, goal.edition)
        return stamp(*args)

    monkeypatch.setattr(db_stamp, "database_stamp", renamed_then_stamped)
    client = client_as(world.coordinator)
    page(client, PROJECTS)

    assert ">政策目標I 新しい目標</a>" in page(client, PROJECTS)


def test_the_filters_choices_stay_kept_when_a_project_changes(world, monkeypatch):
    """A change of a project moves the lists' stamp but not the choices' part: the choices are not
    read again (the page is)."""
    read = []
    for filter_class in (admin.RelatedFieldListFilter, MeasureListFilter):
        original = filter_class.field_choices

        def counted(self, *args, original=original):
            read.append(self.field_path)
            return original(self, *args)

        monkeypatch.setattr(filter_class, "field_choices", counted)
    client = client_as(world.coordinator)
    project = Project.objects.get(code="P002")
    page(client, PROJECTS)
    assert sorted(read) == ["edition", "listings__measure", "listings__measure__goal"]
    apply(world, project, {"name": "海岸清掃推進事業"}, project.edition)

    assert ">海岸清掃推進事業</a>" in page(client, PROJECTS)
    assert len(read) == 3


def test_a_bureaus_new_name_is_shown_at_the_next_view(world):
    """Bureaus keep no history: they are read with the stamp."""
    client = client_as(world.coordinator)
    html = page(client, PROJECTS)
    assert '<span class="unbroken">産業経済局</span>' in html
    page(client, KPIS)  # kept
    bureau = Bureau.objects.get(name="産業経済局")
    bureau.name = "産業振興局"
    bureau.save()

    html = page(client, PROJECTS)
    assert '<span class="unbroken">産業振興局</span>' in html
    assert "産業経済局" not in html
    assert f'<a href="?bureaus__id__exact={bureau.pk}">産業振興局</a>' in html  # the filter
    assert "産業経済局" not in page(client, KPIS)


def test_a_change_request_is_shown_at_the_next_view(world):
    client = client_as(world.coordinator)
    project = Project.objects.get(code="P002")
    assert page(client, PROJECTS, {"request": "pending"}).count('class="field-code"') == 0
    submit_summary(world.sangyo, project, "海岸清掃を支援する。")

    assert page(client, PROJECTS, {"request": "pending"}).count('class="field-code"') == 1
    assert '<td class="field-request_status">審査待ち</td>' in page(client, PROJECTS)


def test_a_kpis_new_wording_is_shown_at_the_next_view(world):
    client = client_as(world.coordinator)
    kpi = Kpi.objects.order_by("code").first()
    assert f">{kpi.indicator}</a>" in page(client, KPIS)
    apply(world, kpi, {"indicator": "新しい事業目標"}, kpi.edition)

    html = page(client, KPIS)
    assert ">新しい事業目標</a>" in html
    assert f">{kpi.indicator}</a>" not in html


def test_the_kept_page_is_what_the_list_reads(world):
    """A kept view is the first view, byte for byte, for a coordinator and for staff, on pages
    of a search, a filter and a sort."""
    shown = [
        (PROJECTS, {}),
        (PROJECTS, {"q": "環境"}),
        (PROJECTS, {"listings__measure__goal__id__exact": PolicyGoal.objects.get(code="I").pk}),
        (PROJECTS, {"o": "-7", "own": "all"}),
        (KPIS, {}),
        (KPIS, {"o": "2", "own": "all"}),
    ]
    for user in (world.coordinator, world.sangyo):
        client = client_as(user)
        for name, query in shown:
            cache.clear()  # a page read the same for another person is kept for both
            with CaptureQueriesContext(connection) as first:
                first_view = page(client, name, query)
            with CaptureQueriesContext(connection) as kept:
                kept_view = page(client, name, query)
            assert kept_view == first_view
            # The kept view did not read the page again (fewer queries: no count, no rows).
            assert (name, query, len(kept) < len(first)) == (name, query, True)


def test_the_kept_page_would_be_stale_with_a_constant_stamp(world, monkeypatch):
    """The tests above rely on the stamp: with one that never moves, the kept page is shown."""
    from plan import db_stamp

    monkeypatch.setattr(db_stamp, "database_stamp", lambda *_args: "constant")
    client = client_as(world.coordinator)
    project = Project.objects.get(code="P002")
    before = page(client, PROJECTS)
    apply(world, project, {"name": "海岸清掃推進事業"}, project.edition)
    assert ">海岸清掃推進事業</a>" not in page(client, PROJECTS)
    assert ">海岸漂着物処理推進事業</a>" in before


def test_nothing_is_kept_without_a_stamp(world, monkeypatch):
    """No stamp (another transaction writing on PostgreSQL): the list is read as it is."""
    from plan import db_stamp

    monkeypatch.setattr(db_stamp, "database_stamp", lambda *_args: None)
    client = client_as(world.coordinator)
    project = Project.objects.get(code="P002")
    page(client, PROJECTS)
    project.name = "海岸清掃推進事業"
    project.save()
    assert ">海岸清掃推進事業</a>" in page(client, PROJECTS)


def test_the_stamp_is_read_once_a_request(rf, django_assert_num_queries):
    request = rf.get("/")
    with django_assert_num_queries(2):  # the tables' state, the bureaus
        stamp = list_stamp(request)
    with django_assert_num_queries(0):
        assert list_stamp(request) == stamp
