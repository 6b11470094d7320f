"""The KPI statuses a sheet shows beside the self-assessment: the one adapter to the achievement
module (``kpis.achievement``), so that the evaluation depends on it through one function."""

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
    """The status of each KPI (by pk) for the fiscal year ``year``, one of ``STATUSES``, as the
    achievement module (``kpis.achievement.assess_kpis``) judges it. Queries: that module's
    constant number for the KPIs at once (never one per KPI)."""
    from kpis.achievement import Status, assess_kpis
    from kpis.models import Kpi

    kpis = list(kpis)
    found = assess_kpis(Kpi.objects.filter(pk__in=[kpi.pk for kpi in kpis]), year)
    return {
        kpi.pk: Status(found[kpi.pk].status).label if kpi.pk in found else UNRATED for kpi in kpis
    }


def kept_kpi_statuses(edition, kpis: Iterable, year: int) -> dict[int, str]:
    """``kpi_statuses`` of the edition's KPIs, read from the 「達成状況」 dashboard's judgement of
    the edition and year (``kpis.dashboard_statuses.JudgedYear``), which is kept in the cache per
    database stamp, and judged (and kept) now if it is not: it judges every KPI of the edition with
    the same ``assess_kpis``, and a KPI's judgement reads only its own figures, so each status is
    the one ``kpi_statuses`` gives. A KPI of another edition is judged on its own. Queries: the
    stamp; when judged, the dashboard's judgement's (five, see ``judge_edition``)."""
    from kpis.achievement import Status
    from kpis.dashboard_statuses import JudgedYear, database_stamp
    from plan.models import Measure

    def goal_of() -> dict[int, int]:
        return dict(Measure.objects.filter(goal__edition=edition).values_list("pk", "goal_id"))

    kpis = list(kpis)
    judged = JudgedYear(edition, year, goal_of, database_stamp()).details().kpis
    statuses = {kpi.pk: Status(judged[kpi.pk][2]).label for kpi in kpis if kpi.pk in judged}
    others = [kpi for kpi in kpis if kpi.pk not in judged]
    if others:
        statuses.update(kpi_statuses(others, year))
    return statuses


def assessment_warnings(
    self_assessment: str, kpis: Iterable, statuses: dict[int, str]
) -> list[str]:
    """What the bureau should look at again before submitting: a self-assessment of A (「目標を達成」)
    beside a KPI that is 「遅れ」 or 「やや遅れ」, or B beside one that is 「遅れ」."""
    lagging = {Grade.A: (BEHIND, SLIGHTLY_BEHIND), Grade.B: (BEHIND,)}.get(self_assessment, ())
    return [
        f"自己評価は「{Grade(self_assessment).label}」ですが、KPI「{kpi.code} {kpi.indicator}」は"
        f"「{statuses[kpi.pk]}」です。"
        for kpi in kpis
        if statuses.get(kpi.pk) in lagging
    ]
