"""Admin for KPIs: each KPI with its baseline and target, and the projects that share it."""

from django import forms
from django.contrib import admin
from django.db.models import Prefetch

from accounts.admin_base import OwnBureauListFilter, PolicyInlineMixin, PolicyTabularInline
from kpis.models import VALUE_FIELDS, Kpi, KpiValue, ProjectKpi
from kpis.value_text import disagreement
from plan.admin import NormalizedSearchAdmin, lines
from plan.admin.request_status import (
    RequestStatusListFilter,
    request_status_column,
    with_request_status,
)


class KpiValueForm(forms.ModelForm):
    """A baseline or target whose typed 数値・単位・修飾語 contradict its 公表表記 is refused."""

    class Meta:
        model = KpiValue
        fields = ("kind", *VALUE_FIELDS)
        widgets = {
            "text": forms.Textarea(attrs={"rows": 2, "cols": 60}),
            "value": forms.NumberInput(attrs={"size": 12}),
            "unit": forms.TextInput(attrs={"size": 8}),
            "fiscal_year": forms.NumberInput(attrs={"size": 6, "class": "vIntegerField"}),
            "fiscal_year_end": forms.NumberInput(attrs={"size": 6, "class": "vIntegerField"}),
        }

    def clean(self):
        cleaned_data = super().clean()
        message = disagreement(
            cleaned_data.get("text") or "",
            cleaned_data.get("value"),
            cleaned_data.get("unit") or "",
            cleaned_data.get("qualifier") or "",
        )
        if message is not None and not cleaned_data.get("DELETE"):
            self.add_error("value", message)
        return cleaned_data


class KpiValueInline(PolicyInlineMixin, admin.StackedInline):
    """Stacked, three lines a value, so that every part (修飾語, 年度, 削除) fits a 1366 px screen."""

    model = KpiValue
    form = KpiValueForm
    fieldsets = (
        (
            None,
            {
                "fields": (
                    ("kind", "text"),
                    ("value", "unit", "qualifier"),
                    ("fiscal_year", "fiscal_year_end", "period"),
                )
            },
        ),
    )
    extra = 0
    max_num = 2


class SharingProjectInline(PolicyTabularInline):
    model = ProjectKpi
    fields = ("project", "position")
    autocomplete_fields = ("project",)
    verbose_name = "この KPI を持つ事業"
    verbose_name_plural = "この KPI を持つ事業 (共有)"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("project", "kpi")  # the row's name


@admin.register(Kpi)
class KpiAdmin(NormalizedSearchAdmin):
    """Queries: the change form at most 26 whatever the number of projects sharing the KPI
    (tests/admin/test_page_query_counts.py)."""

    list_display = (
        "code",
        "indicator",
        "baseline",
        "target",
        "project_column",
        "project_count",
        "request_status",
    )
    list_display_links = ("code", "indicator")
    list_filter = (
        OwnBureauListFilter,
        "project_links__project__bureaus",
        "edition",
        RequestStatusListFilter,
    )
    search_fields = ("search_text",)
    search_help_text = (
        "KPI コード・事業目標の文言で検索します (全角・半角、ひらがな・カタカナは区別しません)。"
    )
    fields = ("edition", "code", "indicator", "predecessor")
    readonly_fields = ("predecessor",)  # made by 「次の版を作成」
    inlines = (KpiValueInline, SharingProjectInline)

    def change_request_context(self, obj) -> dict:
        return {"edition": obj.edition, "title": f"KPI「{obj.indicator[:60]}」", "kpi": obj}

    def task(self, obj) -> tuple[set[int], set[int]]:
        """A KPI belongs to the task of each project that has it (one change request)."""
        return set(ProjectKpi.objects.filter(kpi=obj).values_list("project", flat=True)), {obj.pk}

    request_status = request_status_column

    class Media:
        css = {"all": ("plan/admin.css",)}

    def get_queryset(self, request):
        return with_request_status(
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
