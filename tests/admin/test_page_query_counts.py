"""Every admin page reads a bounded number of queries, whatever the number of rows behind it.

Each page is requested at two sizes (a few rows, and many times as many): the same cap holds at
both, so the count does not grow with the rows (a listing, a sharing project, a version, a request).
How fast the pages are is measured in the page benchmark (benchmarks/pages.py), not here.
"""

import re
from dataclasses import dataclass

import pytest
from django.urls import reverse

from accounts.models import Bureau, Role, User
from kpis.models import Kpi, ProjectKpi
from plan import changes
from plan.changes import ProposedChange
from plan.models import ChangeRequest, PolicyGoal, Project
from tests.factories import (
    BureauFactory,
    KpiFactory,
    KpiValueFactory,
    ListingFactory,
    MeasureFactory,
    PolicyGoalFactory,
    ProjectFactory,
    ProjectKpiFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

SIZES = [3, 24]


@dataclass(frozen=True)
class SizedWorld:
    """What ``build`` makes: the project, its shared KPI, their goal and bureau, and the people."""

    project: Project
    kpi: Kpi
    goal: PolicyGoal
    bureau: Bureau
    staff: User
    coordinator: User


def build(rows: int) -> SizedWorld:
    """A project listed ``rows`` times with ``rows`` versions, a KPI it shares with ``rows`` other
    projects of the same bureau, and ``rows`` pending change requests by the bureau's staff."""
    bureau, other = BureauFactory(), BureauFactory()
    goal = PolicyGoalFactory()
    project = ProjectFactory(bureaus=[bureau, other])
    for _ in range(rows):
        ListingFactory(project=project, measure=MeasureFactory(goal=goal))
    kpi = KpiFactory(edition=project.edition)
    KpiValueFactory(kpi=kpi, kind="baseline", text="10件 (R5年度)")
    KpiValueFactory(kpi=kpi, kind="target", text="20件 (R12年度)")
    ProjectKpiFactory(project=project, kpi=kpi)
    sharing = [ProjectFactory(edition=project.edition, bureaus=[bureau]) for _ in range(rows)]
    for shared in sharing:
        ProjectKpiFactory(project=shared, kpi=kpi)
        ListingFactory(project=shared, measure=MeasureFactory(goal=goal))
    for number in range(rows):
        project.summary = f"概要 {number}"
        project.save()
    staff = UserFactory(role=Role.BUREAU_STAFF, bureaus=[bureau])
    for shared in sharing:
        changes.change_request_submit(
            acting_user=staff,
            edition=shared.edition,
            changes=[ProposedChange.update(shared, {"summary": "見直した概要"})],
            reason="見直し",
            title=shared.name,
            project=shared,
        )
    return SizedWorld(
        project=project,
        kpi=kpi,
        goal=goal,
        bureau=bureau,
        staff=staff,
        coordinator=UserFactory(role=Role.COORDINATOR),
    )


def history_rows(response) -> int:
    table = response.content.decode().split('id="change-history"', 1)[1].split("</table>", 1)[0]
    return table.count("<tr>") - 1  # less the header


def changelist_rows(response) -> int:
    return len(re.findall(r'<tr[^>]*>\s*<td class="action-checkbox">', response.content.decode()))


@pytest.mark.parametrize("rows", SIZES)
@pytest.mark.parametrize(("role", "cap"), [("coordinator", 23), ("staff", 25)])
def test_project_change_form(client, django_assert_max_num_queries, rows, role, cap):
    world = build(rows)
    client.force_login(getattr(world, role))
    with django_assert_max_num_queries(cap):
        response = client.get(reverse("admin:plan_project_change", args=[world.project.pk]))
    assert response.status_code == 200
    formsets = {
        f.opts.model._meta.model_name: f.formset for f in response.context["inline_admin_formsets"]
    }
    assert len(formsets["listing"].forms) == rows


@pytest.mark.parametrize("rows", SIZES)
@pytest.mark.parametrize(("role", "cap"), [("coordinator", 18), ("staff", 21)])
def test_kpi_change_form(client, django_assert_max_num_queries, rows, role, cap):
    world = build(rows)
    client.force_login(getattr(world, role))
    with django_assert_max_num_queries(cap):
        response = client.get(reverse("admin:kpis_kpi_change", args=[world.kpi.pk]))
    assert response.status_code == 200
    assert ProjectKpi.objects.filter(kpi=world.kpi).count() == rows + 1


@pytest.mark.parametrize("rows", SIZES)
@pytest.mark.parametrize(("role", "cap", "kept_cap"), [("coordinator", 16, 8), ("staff", 18, 10)])
def test_project_history_page(client, django_assert_max_num_queries, rows, role, cap, kept_cap):
    world = build(rows)
    client.force_login(getattr(world, role))
    url = reverse("admin:plan_project_history", args=[world.project.pk])
    # The stamp and the bureaus' names, the history models, the previous versions and related
    # records, the people: the same at 3 and 24.
    with django_assert_max_num_queries(cap):
        response = client.get(url)
    assert response.status_code == 200
    assert history_rows(response) > rows
    # Again on an unchanged database: the rows kept (plan.admin.history.project_history_rows), so
    # the session, the user, the project, the permission questions, the stamp, bureaus, people.
    with django_assert_max_num_queries(kept_cap):
        again = client.get(url)
    assert history_rows(again) == history_rows(response)


@pytest.mark.parametrize("rows", SIZES)
def test_project_history_page_after_changes_to_the_project_and_its_kpi(
    client, django_assert_max_num_queries, rows
):
    """The project's and its KPIs' previous versions are among the page's rows (they are chosen
    by their own keys): shown without a query of their own, with the page's project and edition
    named from the project the page read."""
    world = build(rows)
    for number in range(rows):
        old = number < rows - 1
        changes.change_direct_apply(
            acting_user=world.coordinator,
            edition=world.project.edition,
            changes=[
                ProposedChange.update(
                    world.project, {"summary": f"旧い概要{number}" if old else "新しい概要"}
                ),
                ProposedChange.update(
                    world.kpi, {"indicator": f"旧い指標{number}" if old else "新しい指標"}
                ),
            ],
            reason="更新",
            title="更新",
            project=world.project,
        )
        world.project.refresh_from_db()
        world.kpi.refresh_from_db()
    client.force_login(world.coordinator)
    with django_assert_max_num_queries(17):
        response = client.get(reverse("admin:plan_project_history", args=[world.project.pk]))
    html = response.content.decode()
    before = rows - 2
    assert (
        f"<td>事業目標 (指標): <del>旧</del>い指標<del>{before}</del> → <ins>新し</ins>い指標<br></td>"
        in html
    )
    assert (
        f"<td>概要: <del>旧</del>い概要<del>{before}</del> → <ins>新し</ins>い概要<br></td>" in html
    )


@pytest.mark.parametrize("rows", SIZES)
def test_audit_log(client, django_assert_max_num_queries, rows):
    world = build(rows)
    client.force_login(world.coordinator)
    # The filters' choices (people, bureaus), the stamp and the bounded counts per model: the same
    # at 3 and 24. Made by factories, as the initial load is: the filter that shows the initial load.
    url, shown = reverse("admin:plan_changerequest_audit"), {"source": "initial"}
    with django_assert_max_num_queries(40):
        response = client.get(url, shown)
    assert response.status_code == 200
    assert history_rows(response) == {3: 32, 24: 100}[rows]
    # Again on an unchanged database: the count, the page's keys and its rows kept (plan.admin.audit).
    with django_assert_max_num_queries(9):
        again = client.get(url, shown)
    assert history_rows(again) == {3: 32, 24: 100}[rows]


@pytest.mark.parametrize("rows", SIZES)
@pytest.mark.parametrize(
    "filter_name", ["", "listings__measure__goal__id__exact", "bureaus__id__exact"]
)
def test_project_list_filters(client, django_assert_max_num_queries, rows, filter_name):
    world = build(rows)
    client.force_login(world.coordinator)
    value = {"": None, "listings__measure__goal__id__exact": world.goal.pk}.get(
        filter_name, world.bureau.pk
    )
    url, shown = (
        reverse("admin:plan_project_changelist"),
        {filter_name: value} if filter_name else {},
    )
    # The first view: the stamp of what the list reads, then the filters' choices, the counts, the
    # page and its cells (plan.admin.kept_list).
    with django_assert_max_num_queries(19):
        response = client.get(url, shown)
    assert changelist_rows(response) == rows + 1
    # Again on an unchanged database: the choices, the counts and the page's rows kept.
    with django_assert_max_num_queries(10):
        again = client.get(url, shown)
    assert changelist_rows(again) == rows + 1


@pytest.mark.parametrize("rows", SIZES)
@pytest.mark.parametrize(("role", "cap"), [("coordinator", 11), ("staff", 12)])
def test_change_request_queue(client, django_assert_max_num_queries, rows, role, cap):
    world = build(rows)
    client.force_login(getattr(world, role))
    with django_assert_max_num_queries(cap):
        response = client.get(
            reverse("admin:plan_changerequest_changelist"),
            {"bureaus__id__exact": world.bureau.pk},
        )
    assert response.status_code == 200
    assert ChangeRequest.objects.count() == rows
    assert response.content.decode().count('class="field-title"') == rows


@pytest.mark.parametrize("rows", SIZES)
@pytest.mark.parametrize(("role", "cap"), [("coordinator", 10), ("staff", 11)])
def test_change_request_queue_unfiltered(client, django_assert_max_num_queries, rows, role, cap):
    """Unfiltered, the queue counts its requests once (the full count is the list's count)."""
    world = build(rows)
    client.force_login(getattr(world, role))
    with django_assert_max_num_queries(cap):
        response = client.get(reverse("admin:plan_changerequest_changelist"))
    assert response.status_code == 200
    assert response.content.decode().count('class="field-title"') == rows


def test_the_edition_choices_are_read_with_their_plans(client):
    """Each edition's name names its plan: the change form reads as many queries whatever the
    number of editions (it read each edition's plan with a query of its own)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import EditionFactory

    world = build(3)
    client.force_login(world.coordinator)
    url = reverse("admin:plan_project_change", args=[world.project.pk])
    counts, options = [], []
    for year in (2026, 2027, None):
        client.get(url)  # the first view after a change reads the KPI panels again
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        counts.append(len(queries))
        select = response.content.decode().split('name="edition"', 1)[1].split("</select>")[0]
        options.append(select.count("<option"))
        if year:
            EditionFactory(plan=world.project.edition.plan, fiscal_year=year)
    assert options == [2, 3, 4]  # 「---------」 and the editions
    assert counts == [19, 19, 19]  # no query more with more editions
