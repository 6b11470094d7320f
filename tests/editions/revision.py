"""The revision the issue describes, on 令和7年版 made from the 2024 edition: end one project
(P002), add one (P091), revise one target (K003). Used by the comparison and browser tests."""

from __future__ import annotations

from kpis.models import KpiValue
from plan.changes import ProposedChange, Ref, change_propose
from plan.models import Listing, Measure, Project, ProjectBureau


def revise_2025(new, coordinator) -> None:
    ended = Project.objects.get(edition=new, code="P002")
    measure = Measure.objects.get(goal__edition=new, goal__code="", number=1)
    bureau_id = ended.bureau_links.get().bureau_id
    target = KpiValue.objects.get(kpi__edition=new, kpi__code="K003", kind="target")
    for changes in (
        [ProposedChange.delete(ended)],
        [
            ProposedChange.create(
                Project,
                {
                    "edition_id": new.pk,
                    "code": "P091",
                    "name": "海洋プラスチック削減推進事業",
                    "summary": "海岸のプラスチックごみを減らす。",
                },
                key="new",
            ),
            ProposedChange.create(
                ProjectBureau,
                {"project_id": Ref("new"), "bureau_id": bureau_id, "position": 1},
                key="new:b",
            ),
            ProposedChange.create(
                Listing,
                {"measure_id": measure.pk, "project_id": Ref("new"), "number": 14},
                key="new:l",
            ),
        ],
        [ProposedChange.update(target, {"text": "280団体 (R11年度末)", "value": "280"})],
    ):
        change_propose(
            acting_user=coordinator, edition=new, changes=changes, reason="改訂", title="改訂"
        )
