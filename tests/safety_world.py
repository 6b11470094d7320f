"""A small plan with bureau staff and coordinators, shared by the tests of stale forms, decisions,
line breaks, long text and the approval race."""

from accounts.models import Role
from tests.factories import (
    BureauFactory,
    KpiFactory,
    KpiValueFactory,
    ListingFactory,
    ProjectFactory,
    ProjectKpiFactory,
    UserFactory,
)


def make_world() -> dict:
    sangyo, kankyo, toshi = (BureauFactory(name=n) for n in ("産業経済局", "環境局", "都市整備局"))
    project = ProjectFactory(
        name="鳥獣被害対策事業", summary="有害鳥獣から市民を守る。", bureaus=[sangyo]
    )
    other = ProjectFactory(name="道路サポーター事業", edition=project.edition, bureaus=[toshi])
    ListingFactory(project=project, number=7)
    kpi = KpiFactory(edition=project.edition, indicator="市内再エネ導入量")
    KpiValueFactory(kpi=kpi, kind="target", text="最大1400MW (R12年度)")
    ProjectKpiFactory(project=project, kpi=kpi)
    return {
        "project": project,
        "other": other,
        "kpi": kpi,
        "sangyo": sangyo,
        "toshi": toshi,
        "staff": UserFactory(
            username="sangyo", email="sangyo@example.jp", role=Role.BUREAU_STAFF, bureaus=[sangyo]
        ),
        "coordinator": UserFactory(
            username="coordinator",
            email="coordinator@example.jp",
            role=Role.COORDINATOR,
            bureaus=[kankyo],
        ),
        "coordinator2": UserFactory(
            username="coordinator2", email="c2@example.jp", role=Role.COORDINATOR, bureaus=[kankyo]
        ),
    }
