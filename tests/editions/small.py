"""A small edition for the edition tests: two goals' worth of records, each kind of content once."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from accounts.models import Bureau, Role, User
from kpis.models import Kpi, KpiValue, ProjectKpi
from plan.models import Edition, Listing, Measure, PolicyGoal, Project
from tests.factories import (
    BureauFactory,
    EditionFactory,
    KpiFactory,
    KpiValueFactory,
    ListingFactory,
    MeasureFactory,
    PolicyGoalFactory,
    ProjectFactory,
    ProjectKpiFactory,
    UserFactory,
)

FROZEN_2024 = "令和6年(2024年)版は公表済のため変更できません。"


@dataclass(frozen=True)
class SmallEdition:
    edition: Edition
    goal: PolicyGoal
    measure: Measure
    project: Project
    other: Project
    listing: Listing
    kpi: Kpi
    baseline: KpiValue
    target: KpiValue
    link: ProjectKpi
    kankyo: Bureau
    sangyo: Bureau
    coordinator: User
    staff: User
    viewer: User


def build_small_edition(fiscal_year: int = 2024) -> SmallEdition:
    kankyo, sangyo = BureauFactory(name="環境局"), BureauFactory(name="産業経済局")
    edition = EditionFactory(fiscal_year=fiscal_year)
    goal = PolicyGoalFactory(edition=edition, code="I", display_order=1)
    measure = MeasureFactory(goal=goal, number=1, title="再生可能エネルギーの導入")
    project = ProjectFactory(
        edition=edition, code="P001", name="太陽光発電の導入", bureaus=[sangyo, kankyo]
    )
    other = ProjectFactory(edition=edition, code="P002", name="省エネ診断", bureaus=[kankyo])
    listing = ListingFactory(measure=measure, project=project, number=1)
    ListingFactory(measure=measure, project=other, number=2)
    kpi = KpiFactory(edition=edition, code="K001", indicator="市内再エネ導入量")
    baseline = KpiValueFactory(
        kpi=kpi,
        kind="baseline",
        text="436MW (R2年度)",
        value=436,
        unit="MW",
        fiscal_year=2020,
        period="fiscal_year",
    )
    target = KpiValueFactory(
        kpi=kpi,
        kind="target",
        text="1,000MW (R12年度)",
        value=1000,
        unit="MW",
        fiscal_year=2030,
        period="fiscal_year",
    )
    link = ProjectKpiFactory(project=project, kpi=kpi, position=1)
    baseline.refresh_from_db()  # the stored Decimal, as the engine compares it
    target.refresh_from_db()
    return SmallEdition(
        edition=edition,
        goal=goal,
        measure=measure,
        project=project,
        other=other,
        listing=listing,
        kpi=kpi,
        baseline=baseline,
        target=target,
        link=link,
        kankyo=kankyo,
        sangyo=sangyo,
        coordinator=UserFactory(username="coordinator", role=Role.COORDINATOR, bureaus=[kankyo]),
        staff=UserFactory(username="sangyo", role=Role.BUREAU_STAFF, bureaus=[sangyo]),
        viewer=UserFactory(username="viewer", role=Role.VIEWER),
    )


def mark_published(edition: Edition) -> Edition:
    """Publish without the checks (the freeze tests are about what publication does)."""
    Edition.objects.filter(pk=edition.pk).update(
        status=Edition.Status.PUBLISHED, published_at=timezone.now()
    )
    edition.refresh_from_db()
    return edition
