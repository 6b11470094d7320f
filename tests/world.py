"""The test worlds: who and what the tests act on, as typed attributes rather than string keys.

- ``World``: the people acting on the loaded 2024 edition (the ``world`` fixture of conftest.py).
- ``PlanWorld``: a small plan of two bureaus' projects and a KPI, with bureau staff, two
  coordinators and a viewer (change requests, stale forms, decisions, line breaks, the race).
- ``DoorsWorld``: a project of one's own bureau and one of another, each with its own KPI (the
  admin's doors).
- ``PolicyWorld``: a 「共管」 project and another bureau's project sharing a KPI, and one actor per
  row of the permission matrix.
- ``AccountsWorld``: system administrators, a superuser and ordinary accounts (account
  administration).
"""

from dataclasses import dataclass

from accounts.models import Bureau, Role, User
from kpis.models import Kpi
from plan.models import ChangeRequest, Measure, Project
from tests.factories import (
    BureauFactory,
    KpiFactory,
    KpiValueFactory,
    ListingFactory,
    MeasureFactory,
    ProjectFactory,
    ProjectKpiFactory,
    UserFactory,
)


@dataclass(frozen=True)
class World:
    """The people of the 2024 edition's tests: staff of 産業経済局, a coordinator and a viewer."""

    sangyo: User
    coordinator: User
    viewer: User


def build_world() -> World:
    """On the loaded 2024 edition (its 産業経済局)."""
    sangyo = Bureau.objects.get(name="産業経済局")
    return World(
        sangyo=UserFactory(username="sangyo", role=Role.BUREAU_STAFF, bureaus=[sangyo]),
        coordinator=UserFactory(username="coordinator", role=Role.COORDINATOR),
        viewer=UserFactory(username="viewer", role=Role.VIEWER),
    )


@dataclass(frozen=True)
class PlanWorld:
    """「鳥獣被害対策事業」 of 産業経済局 (No. 7 of its measure, with the KPI 「市内再エネ導入量」) and
    「道路サポーター事業」 of 都市整備局; staff of each bureau, two coordinators of 環境局, a viewer."""

    project: Project
    other: Project
    kpi: Kpi
    sangyo: Bureau
    toshi: Bureau
    kankyo: Bureau
    staff: User
    toshi_staff: User
    coordinator: User
    coordinator2: User
    viewer: User


def build_plan_world(*, kpi_shared: bool = False) -> PlanWorld:
    """With ``kpi_shared``, 「道路サポーター事業」 reports on the KPI too (a 「共有」 KPI)."""
    sangyo, kankyo, toshi = (BureauFactory(name=n) for n in ("産業経済局", "環境局", "都市整備局"))
    project = ProjectFactory(
        name="鳥獣被害対策事業", summary="有害鳥獣から市民を守る。", bureaus=[sangyo]
    )
    other = ProjectFactory(name="道路サポーター事業", edition=project.edition, bureaus=[toshi])
    ListingFactory(project=project, number=7)
    kpi = KpiFactory(edition=project.edition, indicator="市内再エネ導入量")
    KpiValueFactory(kpi=kpi, kind="target", text="最大1400MW (R12年度)")
    ProjectKpiFactory(project=project, kpi=kpi)
    if kpi_shared:
        ProjectKpiFactory(project=other, kpi=kpi)
    return PlanWorld(
        project=project,
        other=other,
        kpi=kpi,
        sangyo=sangyo,
        toshi=toshi,
        kankyo=kankyo,
        staff=UserFactory(
            username="sangyo", email="sangyo@example.jp", role=Role.BUREAU_STAFF, bureaus=[sangyo]
        ),
        toshi_staff=UserFactory(username="toshi", role=Role.BUREAU_STAFF, bureaus=[toshi]),
        coordinator=UserFactory(
            username="coordinator",
            email="coordinator@example.jp",
            role=Role.COORDINATOR,
            bureaus=[kankyo],
        ),
        coordinator2=UserFactory(
            username="coordinator2", email="c2@example.jp", role=Role.COORDINATOR, bureaus=[kankyo]
        ),
        viewer=UserFactory(username="viewer", role=Role.VIEWER),
    )


@dataclass(frozen=True)
class DoorsWorld:
    """「自局の事業」 of 産業経済局 and 「他局の事業」 of 都市整備局 (Nos. 1 and 2 of one measure), each
    with its own KPI (「自局の指標」, 「他局の指標」); staff of 産業経済局, a coordinator of 環境局, a
    viewer and a system administrator."""

    sangyo: Bureau
    toshi: Bureau
    kankyo: Bureau
    own: Project
    other: Project
    staff: User
    coordinator: User
    viewer: User
    sysadmin: User


def build_doors_world() -> DoorsWorld:
    sangyo, toshi, kankyo = (
        BureauFactory(name="産業経済局"),
        BureauFactory(name="都市整備局"),
        BureauFactory(name="環境局"),
    )
    own = ProjectFactory(name="自局の事業", bureaus=[sangyo])
    other = ProjectFactory(name="他局の事業", edition=own.edition, bureaus=[toshi])
    listing = ListingFactory(project=own, number=1)
    ListingFactory(project=other, measure=listing.measure, number=2)
    ProjectKpiFactory(project=own, kpi=KpiFactory(edition=own.edition, indicator="自局の指標"))
    ProjectKpiFactory(project=other, kpi=KpiFactory(edition=own.edition, indicator="他局の指標"))
    return DoorsWorld(
        sangyo=sangyo,
        toshi=toshi,
        kankyo=kankyo,
        own=own,
        other=other,
        staff=UserFactory(username="sangyo", role=Role.BUREAU_STAFF, bureaus=[sangyo]),
        coordinator=UserFactory(username="coordinator", role=Role.COORDINATOR, bureaus=[kankyo]),
        viewer=UserFactory(username="viewer", role=Role.VIEWER),
        sysadmin=UserFactory(username="sysadmin", role=Role.SYSTEM_ADMIN),
    )


@dataclass(frozen=True)
class PolicyWorld:
    """The objects and actors of the permission matrix.

    「自局の事業」 is 「共管」 of 産業経済局 and 港湾空港局; 「他局の事業」 is 都市整備局's; both are
    listed under ``measure``. 「共有の指標」 is reported by both projects, 「他局の指標」 by the other
    only. ``actors`` holds one user per matrix row except "anonymous": staff of 産業経済局 (owner),
    of 港湾空港局 (co-owner) and of 教育委員会, a coordinator of 環境局, a viewer and a system
    administrator. ``target`` is staff of 都市整備局 whose memberships others try to change.
    """

    sangyo: Bureau
    kowan: Bureau
    kyoiku: Bureau
    toshi: Bureau
    kankyo: Bureau
    measure: Measure
    own_project: Project
    other_project: Project
    shared_kpi: Kpi
    other_kpi: Kpi
    actors: dict[str, User]
    target: User
    superuser: User

    def project(self, scope: str) -> Project:
        """The project of scope "own" or "other"."""
        return self.own_project if scope == "own" else self.other_project

    def kpi(self, scope: str) -> Kpi:
        """The KPI of scope "own" (the shared one) or "other"."""
        return self.shared_kpi if scope == "own" else self.other_kpi


def build_policy_world() -> PolicyWorld:
    sangyo = BureauFactory(name="産業経済局")
    kowan = BureauFactory(name="港湾空港局")
    kyoiku = BureauFactory(name="教育委員会")
    toshi = BureauFactory(name="都市整備局")
    kankyo = BureauFactory(name="環境局")
    measure = MeasureFactory()
    own_project = ProjectFactory(name="自局の事業", bureaus=[sangyo, kowan])
    other_project = ProjectFactory(name="他局の事業", edition=own_project.edition, bureaus=[toshi])
    ListingFactory(measure=measure, project=own_project, number=1)
    ListingFactory(measure=measure, project=other_project, number=2)
    shared_kpi = KpiFactory(edition=own_project.edition, indicator="共有の指標")
    KpiValueFactory(kpi=shared_kpi, kind="target", text="100% (R12年度)")
    other_kpi = KpiFactory(edition=own_project.edition, indicator="他局の指標")
    ProjectKpiFactory(project=own_project, kpi=shared_kpi, position=1)
    ProjectKpiFactory(project=other_project, kpi=shared_kpi, position=1)
    ProjectKpiFactory(project=other_project, kpi=other_kpi, position=2)
    actors = {
        "owner_staff": UserFactory(username="owner", role=Role.BUREAU_STAFF, bureaus=[sangyo]),
        "co_owner_staff": UserFactory(username="coowner", role=Role.BUREAU_STAFF, bureaus=[kowan]),
        "other_staff": UserFactory(username="otherstaff", role=Role.BUREAU_STAFF, bureaus=[kyoiku]),
        "coordinator": UserFactory(username="coord", role=Role.COORDINATOR, bureaus=[kankyo]),
        "viewer": UserFactory(username="view", role=Role.VIEWER),
        "sysadmin": UserFactory(username="sysadmin", role=Role.SYSTEM_ADMIN),
    }
    return PolicyWorld(
        sangyo=sangyo,
        kowan=kowan,
        kyoiku=kyoiku,
        toshi=toshi,
        kankyo=kankyo,
        measure=measure,
        own_project=own_project,
        other_project=other_project,
        shared_kpi=shared_kpi,
        other_kpi=other_kpi,
        actors=actors,
        target=UserFactory(username="target", role=Role.BUREAU_STAFF, bureaus=[toshi]),
        superuser=User.objects.create_superuser("root", "root@example.com", "pass-Root-12345"),
    )


@dataclass(frozen=True)
class AccountsWorld:
    """Two system administrators, a superuser, staff of 都市整備局 and a viewer."""

    sysadmin: User
    other_sysadmin: User
    superuser: User
    staff: User
    viewer: User


def build_accounts_world(*, superuser_password: str) -> AccountsWorld:
    toshi = BureauFactory(name="都市整備局")
    return AccountsWorld(
        sysadmin=UserFactory(username="sysadmin", role=Role.SYSTEM_ADMIN),
        other_sysadmin=UserFactory(username="sysadmin2", role=Role.SYSTEM_ADMIN),
        superuser=User.objects.create_superuser("root", "root@example.jp", superuser_password),
        staff=UserFactory(username="toshi", role=Role.BUREAU_STAFF, bureaus=[toshi]),
        viewer=UserFactory(username="viewer", role=Role.VIEWER),
    )


def submit_summary(user: User, project: Project, summary: str) -> ChangeRequest:
    """``user``'s change request of ``project``'s 概要 (「年度の更新」), through the engine."""
    from plan import changes
    from plan.changes import ProposedChange

    return changes.change_request_submit(
        acting_user=user,
        edition=project.edition,
        changes=[ProposedChange.update(project, {"summary": summary})],
        reason="年度の更新",
        title=project.name,
        project=project,
    )
