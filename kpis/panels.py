"""The read-only 「実績値と達成度」 panel of the KPI and project change pages: for each KPI, its
series of actuals with the 「達成度」 and status of each year, and its chart.

``kpi_panels(kpis)`` reads everything in a constant number of queries (four), whatever the number
of KPIs and actuals.

A page's panels depend only on what is stored (the KPIs of the record, their baselines, targets
and actuals, the plan's years), the same for everyone who may see the page: ``panels_html`` keeps
their HTML in Django's cache with the stamp of those tables (``plan.db_stamp``, one query), so that
a page whose KPIs did not change since it was last shown neither reads nor judges nor draws them
again (the first view after a change does, as before).
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable
from dataclasses import dataclass

from django.db import models
from django.template.loader import get_template, render_to_string
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from kpis import achievement, chart_svg, charts, figures
from kpis.achievement import Achievement, assess_series, figures_for_kpis
from kpis.charts import KpiChart, kpi_chart
from kpis.models import Kpi, KpiActual, KpiValue, ProjectKpi
from plan import db_stamp, eras
from plan.eras import format_fiscal_year
from plan.models import Edition, Plan

PANEL_TEMPLATE = "admin/kpis/achievement_panel.html"
#: The models whose records the panels show (a KPI, its values and actuals, its projects' links,
#: the plan's years).
STAMPED = (Plan, Edition, Kpi, KpiValue, KpiActual, ProjectKpi)


def _code_fingerprint() -> str:
    """The modules that compute the panels and the template that writes them."""
    modules = (achievement, figures, charts, chart_svg, eras, sys.modules[__name__])
    digest = hashlib.sha256(db_stamp.fingerprint(*modules).encode())
    digest.update(get_template(PANEL_TEMPLATE).template.source.encode())  # type: ignore[attr-defined]
    return digest.hexdigest()[:12]


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


_KEPT: db_stamp.StampedCache | None = None


def _kept() -> db_stamp.StampedCache:
    global _KEPT
    if _KEPT is None:
        _KEPT = db_stamp.StampedCache(f"kpis.panels:{_code_fingerprint()}")
    return _KEPT


def panels_html(key: str, kpis: Callable[[], models.QuerySet]) -> SafeString:
    """The HTML of the panels of ``kpis()`` (``PANEL_TEMPLATE``), kept under ``key`` (the record
    whose page shows them) with the stamp of ``STAMPED``, read before the KPIs."""
    stamp = db_stamp.database_stamp(STAMPED)

    def render() -> SafeString:
        html = render_to_string(PANEL_TEMPLATE, {"achievement_panels": kpi_panels(kpis())})
        return SafeString(html)

    return _kept().cached(f"{get_language()}:{key}", stamp, render)


class AchievementPanelMixin:
    """A change page that shows the 「実績値と達成度」 panels of ``achievement_kpis(obj)`` below its
    form (read-only, for everyone who may see the page)."""

    change_form_template = "admin/kpis/change_form_with_achievement.html"

    def achievement_kpis(self, obj) -> models.QuerySet:
        raise NotImplementedError

    def achievement_panels_html(self, obj) -> SafeString:
        """The panels of ``obj``'s page (``panels_html``)."""
        key = f"{obj._meta.label_lower}:{obj.pk}"
        return panels_html(key, lambda: self.achievement_kpis(obj))

    def reading_context(self, obj) -> dict:
        """The reading view (plan.admin.reading) shows the same panels."""
        context = super().reading_context(obj)  # type: ignore[misc]
        context["achievement_panels_html"] = self.achievement_panels_html(obj)
        return context

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk is not None:
            context["achievement_panels_html"] = self.achievement_panels_html(obj)
        return super().render_change_form(  # type: ignore[misc]
            request, context, add, change, form_url, obj
        )
