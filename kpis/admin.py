"""Admin for KPIs: each KPI with its baseline and target, and the projects that share it."""

from django.contrib import admin
from django.db.models import Prefetch

from accounts.admin_base import OwnBureauListFilter, PolicyTabularInline
from kpis.models import Kpi, KpiValue, ProjectKpi
from plan.admin import NormalizedSearchAdmin, lines


class KpiValueInline(PolicyTabularInline):
    model = KpiValue
    fields = (
        "kind",
        "text",
        "value",
        "unit",
        "qualifier",
        "fiscal_year",
        "fiscal_year_end",
        "period",
    )
    max_num = 2


class SharingProjectInline(PolicyTabularInline):
    model = ProjectKpi
    fields = ("project", "position")
    autocomplete_fields = ("project",)
    verbose_name = "この KPI を持つ事業"
    verbose_name_plural = "この KPI を持つ事業 (共有)"


@admin.register(Kpi)
class KpiAdmin(NormalizedSearchAdmin):
    list_display = ("code", "indicator", "baseline", "target", "project_column", "project_count")
    list_display_links = ("code", "indicator")
    list_filter = (OwnBureauListFilter, "project_links__project__bureaus", "edition")
    search_fields = ("search_text",)
    search_help_text = "事業目標の文言で検索します (全角・半角は区別しません)。"
    fields = ("edition", "code", "indicator")
    inlines = (KpiValueInline, SharingProjectInline)

    def change_request_context(self, obj) -> dict:
        return {"edition": obj.edition, "title": f"KPI「{obj.indicator[:60]}」", "kpi": obj}

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                "values",
                Prefetch("project_links", queryset=ProjectKpi.objects.select_related("project")),
            )
        )

    @admin.display(description="基準値 (年度)")
    def baseline(self, kpi) -> str:
        return kpi.value_text("baseline")

    @admin.display(description="目標値")
    def target(self, kpi) -> str:
        return kpi.value_text("target")

    @admin.display(description="事業")
    def project_column(self, kpi) -> str:
        return lines(link.project.name for link in kpi.project_links.all())

    @admin.display(description="共有数")
    def project_count(self, kpi) -> int:
        return len(kpi.project_links.all())


from kpis import admin_actuals  # noqa: E402, F401  (the yearly 実績値 sheet's admin)
