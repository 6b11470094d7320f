"""What a KPI's judgement reads (``kpis.achievement``): its baseline, target and actuals as plain
data, and reading them for many KPIs from the database in two queries.

``Figure`` and ``Reading`` are named tuples rather than dataclasses: an edition's dashboard makes
one for each of tens of thousands of stored values (at ×100 the 2024 edition, 5,100 KPIs with
15,300 actuals), and a tuple is made several times faster and leaves the garbage collector less to
walk.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from django.db import models


class Figure(NamedTuple):
    """A baseline, target or actual as plain data (the text and the structured parts)."""

    text: str = ""
    value: Decimal | None = None
    unit: str = ""
    qualifier: str = ""
    fiscal_year: int | None = None
    fiscal_year_end: int | None = None
    period: str = ""

    @classmethod
    def of(cls, record) -> Figure:
        """From a ``KpiValue`` or ``KpiActual`` (anything with the value parts)."""
        return cls(
            text=record.text,
            value=record.value,
            unit=record.unit,
            qualifier=record.qualifier,
            fiscal_year=record.fiscal_year,
            fiscal_year_end=record.fiscal_year_end,
            period=record.period,
        )

    @property
    def last_year(self) -> int | None:
        """The year the figure stands for: the end of a range, else its year."""
        return self.fiscal_year_end or self.fiscal_year


class Reading(NamedTuple):
    """One actual: the fiscal year it is for, its figure and how final it is (「速報値」/「確定値」)."""

    year: int
    figure: Figure
    status: str = ""


@dataclass(frozen=True)
class KpiFigures:
    """Everything ``assess`` needs about one KPI."""

    baseline: Figure | None
    target: Figure | None
    readings: tuple[Reading, ...] = ()
    plan_start_year: int = 2024
    plan_end_year: int = 2030

    def reading(self, year: int) -> Reading | None:
        for reading in self.readings:
            if reading.year == year:
                return reading
        return None


FIGURE_PARTS = ("text", "value", "unit", "qualifier", "fiscal_year", "fiscal_year_end", "period")


def figures_for_kpis(kpis: models.QuerySet, *, until: int | None = None) -> dict[int, KpiFigures]:
    """The plain data of every KPI of ``kpis`` (a ``Kpi`` queryset): two queries, whatever their
    number (the KPIs with their plan, baseline and target; the actuals of the series). With
    ``until``, only the actuals up to that fiscal year (all that ``assess`` reads for it).

    A KPI's series is every actual of a KPI with the same code in the same plan (the code is a
    KPI's identity from edition to edition); the baseline and target are the KPI's own.
    """
    from kpis.models import ActualStatus, KpiActual

    width = len(FIGURE_PARTS)
    rows = kpis.order_by().annotate(
        kpi_baseline=models.FilteredRelation("values", condition=models.Q(values__kind="baseline")),
        kpi_target=models.FilteredRelation("values", condition=models.Q(values__kind="target")),
    )
    rows = rows.values_list(
        "pk",
        "code",
        "edition__plan_id",
        "edition__plan__start_fiscal_year",
        "edition__plan__end_fiscal_year",
        *(f"kpi_baseline__{part}" for part in FIGURE_PARTS),
        *(f"kpi_target__{part}" for part in FIGURE_PARTS),
    )
    actuals = KpiActual.objects.filter(
        kpi__code__in=kpis.order_by().values("code"),
        kpi__edition__plan__in=kpis.order_by().values("edition__plan"),
    )
    if until is not None:
        actuals = actuals.filter(year__lte=until)
    series: dict[tuple[int, str], dict[int, Reading]] = {}
    labels = dict(ActualStatus.choices)
    for row in actuals.order_by("year", "kpi__edition__fiscal_year").values_list(
        "kpi__edition__plan_id", "kpi__code", "year", "status", *FIGURE_PARTS
    ):
        # One figure a year: the one reported under the latest edition.
        series.setdefault((row[0], row[1]), {})[row[2]] = Reading(
            row[2], Figure._make(row[4:]), labels.get(row[3], row[3])
        )
    figures = {}
    for row in rows:
        baseline, target = row[5 : 5 + width], row[5 + width :]
        figures[row[0]] = KpiFigures(
            # A KPI without a baseline or target joins NULLs (a stored text is never NULL).
            baseline=None if baseline[0] is None else Figure._make(baseline),
            target=None if target[0] is None else Figure._make(target),
            readings=tuple(series.get((row[2], row[1]), {}).values()),
            plan_start_year=row[3],
            plan_end_year=row[4],
        )
    return figures
