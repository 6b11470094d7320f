"""What the kept pages (``plan.db_stamp``: the project and KPI lists, the KPI panels) show after
changes that their stamp does not read directly: a person's bureaus or role (the list's scope), a
bureau's place in the city's order, an amended change request (its items keep no history: the
request's thread moves), a transaction rolled back after a page was kept inside it, and the
people who share an entry (each sees what their rights show, whoever filled it)."""

import pytest
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse

from accounts.models import Bureau, Role
from kpis.models import Kpi, KpiActual
from plan import changes
from plan.changes import ProposedChange
from plan.models import Project
from tests.admin_forms import client_as, without_csrf
from tests.factories import UserFactory
from tests.world import submit_summary

pytestmark = pytest.mark.django_db

PROJECTS = reverse("admin:plan_project_changelist")
KPIS = reverse("admin:kpis_kpi_changelist")


def page(user, url: str, query: dict | None = None) -> str:
    response = client_as(user).get(url, query or {})
    assert response.status_code == 200
    return without_csrf(response.content.decode())


def apply(world, record, values: dict) -> None:
    changes.change_direct_apply(
        acting_user=world.coordinator,
        edition=record.edition,
        changes=[ProposedChange.update(record, values)],
        reason="名称の整理",
        title=str(record),
    )


def test_staff_see_the_projects_of_their_new_bureau_at_the_next_view(world):
    """The list starts at 「自局のみ」: its key names the person's bureaus, not the person."""
    assert "結果 9 (" in page(world.sangyo, PROJECTS)  # 産業経済局
    assert "結果 9 (" in page(world.sangyo, PROJECTS)  # kept
    world.sangyo.bureaus.set([Bureau.objects.get(name="都市整備局")])

    assert "結果 8 (" in page(world.sangyo, PROJECTS)
    assert "結果 9 (" in page(UserFactory(role=Role.BUREAU_STAFF, bureaus=[2]), PROJECTS)


def test_a_new_role_changes_where_the_list_starts_at_the_next_view(world):
    assert "結果 9 (" in page(world.sangyo, PROJECTS)
    world.sangyo.role = Role.VIEWER
    world.sangyo.save()

    html = page(world.sangyo, PROJECTS)
    assert "結果 9 (" not in html
    assert html.count('<td class="field-kpi_count">') == 90


def test_a_bureaus_new_place_orders_the_list_at_the_next_view(world):
    """Bureaus keep no history: their order (the 「所管局」 sort, the bureau filter) is read with
    the stamp."""
    by_bureau = {"own": "all", "o": "6"}
    toshi = Bureau.objects.get(name="都市整備局")
    for user in (world.coordinator, world.sangyo):
        before = page(user, PROJECTS, by_bureau)
        assert first_bureau(before) == "環境局"
        assert before.index(">環境局</a>") < before.index(">都市整備局</a>")
    toshi.display_order = 0
    toshi.save()

    for user in (world.coordinator, world.sangyo):
        html = page(user, PROJECTS, by_bureau)
        assert first_bureau(html) == "都市整備局"
        assert html.index(">都市整備局</a>") < html.index(">環境局</a>")


def first_bureau(html: str) -> str:
    cell = html.split('<td class="field-bureau_column">', 1)[1]
    return cell.split("</td>", 1)[0].removeprefix('<span class="unbroken">').split("<", 1)[0]


def test_an_amended_request_is_shown_at_the_next_view(world):
    """An amendment replaces the request's items (no history) in place: its event moves the stamp
    (the request is not the newest, so the requests' table alone would not)."""
    project = Project.objects.get(code="P002")
    kpi = Kpi.objects.get(code="K002")
    request = submit_summary(world.sangyo, project, "海岸清掃を支援する。")
    other = Project.objects.get(code="P003")
    staff = UserFactory(role=Role.BUREAU_STAFF, bureaus=list(other.bureaus.all()))
    submit_summary(staff, other, "要約")
    for user in (world.coordinator, world.sangyo):
        assert page(user, KPIS, {"request": "pending", "own": "all"}).count("field-code") == 0

    amended = changes.change_request_submit(
        acting_user=world.sangyo,
        edition=project.edition,
        changes=[
            ProposedChange.update(project, {"summary": "海岸清掃を支援する。"}),
            ProposedChange.update(kpi, {"indicator": "漂着ごみによる事故の防止"}),
        ],
        reason="KPI の文言も",
        title=project.name,
        project=project,
    )

    assert amended.pk == request.pk and amended.revision == 2
    for user in (world.coordinator, world.sangyo):
        html = page(user, KPIS, {"request": "pending", "own": "all"})
        assert html.count('<th class="field-code">') == 1
        assert ">K002</a>" in html


def test_a_list_kept_inside_a_rolled_back_transaction_is_not_shown(world):
    """On SQLite a rolled-back transaction's keys are given again to the next write: the time of
    the newest historical row tells the two states apart."""
    project = Project.objects.get(code="P002")
    page(world.coordinator, PROJECTS)
    with pytest.raises(RuntimeError), transaction.atomic():
        apply(world, project, {"name": "取り消される事業"})
        assert ">取り消される事業</a>" in page(world.coordinator, PROJECTS)
        raise RuntimeError
    project.refresh_from_db()
    apply(world, project, {"name": "海岸清掃推進事業"})

    for user in (world.coordinator, world.sangyo):
        html = page(user, PROJECTS, {"own": "all"})
        assert ">海岸清掃推進事業</a>" in html
        assert "取り消される事業" not in html


def test_panels_kept_inside_a_rolled_back_transaction_are_not_shown(world):
    kpi = Kpi.objects.get(code="K002")
    url = reverse("admin:kpis_kpi_change", args=[kpi.pk])
    add = {"kpi": kpi, "year": 2024, "status": "final"}
    with pytest.raises(RuntimeError), transaction.atomic():
        KpiActual.objects.create(**add, text="5件", value=5, unit="件")
        assert "<td>5件</td>" in page(world.viewer, url)
        raise RuntimeError
    KpiActual.objects.create(**add, text="7件", value=7, unit="件")

    for user in (world.viewer, world.coordinator):
        html = page(user, url)
        assert "<td>7件</td>" in html
        assert "<td>5件</td>" not in html


def test_an_entry_filled_by_one_role_shows_another_only_their_rights(world):
    """The rows are shared; the actions and the links to change are asked of each person."""
    coordinator_first = page(world.coordinator, PROJECTS)
    viewer_after = page(world.viewer, PROJECTS)
    staff_after = page(world.sangyo, PROJECTS, {"own": "all"})
    cache.clear()
    assert page(world.viewer, PROJECTS) == viewer_after
    assert page(world.sangyo, PROJECTS, {"own": "all"}) == staff_after
    cache.clear()
    assert page(world.coordinator, PROJECTS) == coordinator_first
    shown = (coordinator_first, staff_after, viewer_after)
    assert [html.count('<option value="delete_selected">') for html in shown] == [1, 0, 0]
    assert [html.count('<option value="export_selected">') for html in shown] == [1, 1, 1]
