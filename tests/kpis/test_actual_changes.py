"""A KPI's 「実績値」 goes through the one change engine: staff of a bureau owning one of the KPI's
projects propose it (a change request), coordinators enter it directly, viewers read."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from kpis.models import ActualStatus, Kpi, KpiActual
from plan.changes import ProposedChange, change_propose, change_request_approve
from plan.models import ChangeRequest

pytestmark = pytest.mark.django_db


def actual_of(kpi: Kpi, text: str = "512MW") -> ProposedChange:
    return ProposedChange.create(
        KpiActual,
        {
            "kpi_id": kpi.pk,
            "year": 2024,
            "text": text,
            "value": Decimal("512"),
            "unit": "MW",
            "status": ActualStatus.PRELIMINARY,
        },
        key="actual",
    )


def own_kpi() -> Kpi:
    """K035 放置竹林整備面積, a KPI of a project of 産業経済局."""
    return Kpi.objects.get(code="K035")


def other_kpi() -> Kpi:
    """A KPI none of whose projects belong to 産業経済局."""
    return Kpi.objects.exclude(project_links__project__bureaus__name="産業経済局").order_by("code")[
        0
    ]


def test_staff_propose_an_actual_and_it_waits_for_approval(world):
    kpi = own_kpi()
    proposal = change_propose(
        acting_user=world.sangyo,
        edition=kpi.edition,
        changes=[actual_of(kpi)],
        reason="令和6年度の実績",
        title="実績値",
        kpi=kpi,
    )
    assert proposal.applied is False
    assert proposal.change_request.status == ChangeRequest.Status.PENDING
    assert KpiActual.objects.count() == 0

    change_request_approve(acting_user=world.coordinator, change_request=proposal.change_request)
    actual = KpiActual.objects.get()
    assert (actual.kpi, actual.year, actual.text, actual.value) == (
        kpi,
        2024,
        "512MW",
        Decimal("512"),
    )
    record = actual.history.get()
    assert (record.proposed_by, record.approved_by) == (world.sangyo, world.coordinator)


def test_a_coordinator_enters_an_actual_directly(world):
    kpi = other_kpi()
    proposal = change_propose(
        acting_user=world.coordinator,
        edition=kpi.edition,
        changes=[actual_of(kpi, "3件")],
        reason="",
        title="実績値",
        kpi=kpi,
    )
    assert proposal.applied is True
    assert KpiActual.objects.get().text == "3件"


@pytest.mark.parametrize("who", ["sangyo_on_other", "viewer"])
def test_others_may_not_propose_an_actual(world, who):
    user, kpi = {
        "sangyo_on_other": (world.sangyo, other_kpi()),
        "viewer": (world.viewer, own_kpi()),
    }[who]
    with pytest.raises(PermissionDenied):
        change_propose(
            acting_user=user,
            edition=kpi.edition,
            changes=[actual_of(kpi)],
            reason="x",
            title="実績値",
            kpi=kpi,
        )
    assert ChangeRequest.objects.count() == 0


@pytest.mark.parametrize(
    ("role", "readable", "changeable"),
    [("sangyo", True, True), ("viewer", True, False), ("coordinator", True, True)],
)
def test_the_policy_on_actuals(world, role, readable, changeable):
    user = getattr(world, role)
    actual = KpiActual.objects.create(kpi=own_kpi(), year=2024, text="512MW")
    assert user.has_perm("kpis.view_kpiactual", actual) is readable
    assert user.has_perm("kpis.change_kpiactual", actual) is changeable


@pytest.mark.parametrize("who", ["sangyo", "coordinator"])
def test_a_published_editions_kpi_still_takes_its_actuals(world, who):
    """Publishing freezes the edition's text, not the yearly figures reported on its KPIs."""
    kpi = own_kpi()
    edition = kpi.edition
    edition.status, edition.published_at = edition.Status.PUBLISHED, timezone.now()
    edition.save()
    proposal = change_propose(
        acting_user=getattr(world, who),
        edition=kpi.edition,
        changes=[actual_of(kpi)],
        reason="令和6年度の実績",
        title="実績値",
        kpi=kpi,
    )
    assert proposal.applied is (who == "coordinator")
    if who == "sangyo":
        change_request_approve(
            acting_user=world.coordinator, change_request=proposal.change_request
        )
    assert KpiActual.objects.get().text == "512MW"
