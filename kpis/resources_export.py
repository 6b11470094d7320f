"""django-import-export's resource of the yearly 「実績値」 sheet's export (the import:
``kpis.resources``): one row per KPI of a bureau for the year asked: code, 「事業目標」, projects,
「基準値」, 「目標値」, one read-only column per past year of the KPI's series, and the columns to fill
in (「実績年度」, 「表記」, 「確定状況」, 「出典・備考」), filled with the year's actual when there is
one (so that an unedited sheet imports as no change).
"""

from __future__ import annotations

from django.db.models import Prefetch
from import_export import fields, resources

from kpis.actual_sheet import (
    BASELINE,
    CODE,
    INDICATOR,
    NOTE,
    PROJECTS,
    STATUS,
    TARGET,
    TEXT,
    YEAR,
    past_header,
)
from kpis.models import Kpi, KpiActual, ProjectKpi
from plan.models import Edition


class ActualSheetExportResource(resources.Resource):
    """One row per KPI (of ``Kpi`` querysets) for ``year``. Four queries whatever the rows."""

    code = fields.Field(attribute="code", column_name=CODE)
    indicator = fields.Field(attribute="indicator", column_name=INDICATOR)
    projects = fields.Field(column_name=PROJECTS)
    baseline = fields.Field(column_name=BASELINE)
    target = fields.Field(column_name=TARGET)

    def __init__(self, *, year: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.year = year
        self.series: dict[tuple[str, int], KpiActual] = {}

    def before_export(self, queryset, **kwargs) -> None:
        plans = Edition.objects.filter(pk__in=queryset.values("edition_id")).values("plan_id")
        actuals = KpiActual.objects.filter(
            kpi__edition__plan_id__in=plans,
            kpi__code__in=queryset.values("code"),
            year__lte=self.year,
        ).select_related("kpi")
        self.series = {(actual.kpi.code, actual.year): actual for actual in actuals}
        past_years = sorted({year for _, year in self.series if year < self.year})
        for past_year in past_years:
            self.fields[f"past_{past_year}"] = fields.Field(
                column_name=past_header(past_year),
                dehydrate_method=lambda kpi, past_year=past_year: self._text(kpi, past_year),
            )
        for name, column, dehydrate in (
            ("year", YEAR, lambda kpi: self.year),
            ("text", TEXT, lambda kpi: self._text(kpi, self.year)),
            ("status", STATUS, self._status),
            ("note", NOTE, self._note),
        ):
            self.fields[name] = fields.Field(column_name=column, dehydrate_method=dehydrate)

    def filter_export(self, queryset, **kwargs):
        return queryset.prefetch_related(
            "values",
            Prefetch("project_links", queryset=ProjectKpi.objects.select_related("project")),
        ).order_by("code")

    def _text(self, kpi: Kpi, year: int) -> str:
        actual = self.series.get((kpi.code, year))
        return actual.text if actual is not None else ""

    def _status(self, kpi: Kpi) -> str:
        actual = self.series.get((kpi.code, self.year))
        return actual.get_status_display() if actual is not None else ""

    def _note(self, kpi: Kpi) -> str:
        actual = self.series.get((kpi.code, self.year))
        return actual.note if actual is not None else ""

    def dehydrate_projects(self, kpi: Kpi) -> str:
        return "\n".join(
            f"{link.project.code} {link.project.name}" for link in kpi.project_links.all()
        )

    def dehydrate_baseline(self, kpi: Kpi) -> str:
        return kpi.value_text("baseline")

    def dehydrate_target(self, kpi: Kpi) -> str:
        return kpi.value_text("target")
