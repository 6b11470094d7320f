"""The read-only 「実績値と達成度」 panel of the KPI and project change pages: for each KPI, its
series of actuals with the 「達成度」 and status of each year, and its chart.

``kpi_panels(kpis)`` reads everything in a constant number of queries (four), whatever the number
of KPIs and actuals.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models

from kpis.achievement import Achievement, assess_series, figures_for_kpis
from kpis.charts import KpiChart, kpi_chart
from plan.eras import format_fiscal_year


@dataclass(frozen=True)
class SeriesRow:
    year: str
    text: str
    status: str
    achievement: Achievement


@dataclass(frozen=True)
class KpiPanel:
    code: str
    indicator: str
    baseline: str
    target: str
    rows: list[SeriesRow]
    chart: KpiChart | None

    @property
    def latest(self) -> Achievement | None:
        return self.rows[-1].achievement if self.rows else None


def kpi_panels(kpis: models.QuerySet) -> list[KpiPanel]:
    """One panel per KPI of ``kpis``, in their order."""
    figures = figures_for_kpis(kpis)
    panels = []
    for kpi_id, code, indicator in kpis.values_list("pk", "code", "indicator"):
        kpi_figures = figures[kpi_id]
        achievements = assess_series(kpi_figures)
        rows = [
            SeriesRow(
                year=format_fiscal_year(reading.year),
                text=reading.figure.text,
                status=reading.status,
                achievement=achievement,
            )
            for reading, achievement in zip(kpi_figures.readings, achievements, strict=True)
        ]
        panels.append(
            KpiPanel(
                code=code,
                indicator=indicator,
                baseline=kpi_figures.baseline.text if kpi_figures.baseline else "",
                target=kpi_figures.target.text if kpi_figures.target else "",
                rows=rows,
                chart=kpi_chart(kpi_figures, achievements, indicator),
            )
        )
    return panels


class AchievementPanelMixin:
    """A change page that shows the 「実績値と達成度」 panels of ``achievement_kpis(obj)`` below its
    form (read-only, for everyone who may see the page)."""

    change_form_template = "admin/kpis/change_form_with_achievement.html"

    def achievement_kpis(self, obj) -> models.QuerySet:
        raise NotImplementedError

    def reading_context(self, obj) -> dict:
        """The reading view (plan.admin.reading) shows the same panels."""
        context = super().reading_context(obj)  # type: ignore[misc]
        context["achievement_panels"] = kpi_panels(self.achievement_kpis(obj))
        return context

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk is not None:
            context["achievement_panels"] = kpi_panels(self.achievement_kpis(obj))
        return super().render_change_form(  # type: ignore[misc]
            request, context, add, change, form_url, obj
        )
