"""The KPI statuses a sheet shows beside the self-assessment: the one adapter to the achievement
module (``kpis.achievement``), so that the evaluation depends on it through one function.

Until that module is installed, every KPI is 「評価不可」.
"""

from __future__ import annotations

from collections.abc import Iterable

from evaluation.states import Grade

ACHIEVED, ON_TRACK, SLIGHTLY_BEHIND, BEHIND, UNRATED = (
    "達成",
    "順調",
    "やや遅れ",
    "遅れ",
    "評価不可",
)
#: The statuses in the order the report counts them.
STATUSES = (ACHIEVED, ON_TRACK, SLIGHTLY_BEHIND, BEHIND, UNRATED)


def kpi_statuses(kpis: Iterable, year: int) -> dict[int, str]:
    """The status of each KPI (by pk) for the fiscal year ``year``, one of ``STATUSES``.

    Wire the achievement module here (its statuses are the same words). Query bound: whatever
    that module needs for the KPIs at once (never one query per KPI).
    """
    kpis = list(kpis)
    try:
        from kpis import achievement  # type: ignore[attr-defined]
    except ImportError:
        achievement = None
    compute = getattr(achievement, "kpi_statuses", None)
    if compute is None:
        return {kpi.pk: UNRATED for kpi in kpis}
    found = compute(kpis, year)
    return {kpi.pk: found.get(kpi.pk, UNRATED) for kpi in kpis}


def assessment_warnings(
    self_assessment: str, kpis: Iterable, statuses: dict[int, str]
) -> list[str]:
    """What the bureau should look at again before submitting: a self-assessment of A (目標を達成)
    beside a KPI that is 「遅れ」 or 「やや遅れ」, or B beside one that is 「遅れ」."""
    lagging = {Grade.A: (BEHIND, SLIGHTLY_BEHIND), Grade.B: (BEHIND,)}.get(self_assessment, ())
    return [
        f"自己評価は「{Grade(self_assessment).label}」ですが、KPI「{kpi.code} {kpi.indicator}」は"
        f"「{statuses[kpi.pk]}」です。"
        for kpi in kpis
        if statuses.get(kpi.pk) in lagging
    ]
