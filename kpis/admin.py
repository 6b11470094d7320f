"""Admin for KPIs: each KPI with its baseline and target, the projects that share it, and its
series of actuals (実績値) with their 「達成度」; and the actuals themselves."""

from functools import partial

from django import forms
from django.contrib import admin
from django.db.models import Prefetch
from django.urls import path

from accounts import permissions
from accounts.admin_base import OwnBureauListFilter, PolicyInlineMixin, PolicyTabularInline
from accounts.models import Bureau
from kpis.admin_actuals import ActualSheetAdminMixin
from kpis.dashboard import dashboard_view
from kpis.models import VALUE_FIELDS, Kpi, KpiActual, KpiValue, ProjectKpi
from kpis.panels import AchievementPanelMixin
from kpis.value_text import disagreement, value_parts
from plan.admin import NormalizedSearchAdmin, PlanContentAdmin, lines
from plan.admin.base import KeysFirstPaginator
from plan.admin.change_form import ChangeReasonForm
from plan.admin.inline_rows import PreparedRowsInlineMixin
from plan.admin.kept_list import KeptRelatedFieldListFilter, KeptRowsChangeList, KeptSubqueryFilter
from plan.admin.request_status import (
    RequestStatusListFilter,
    request_status_column,
    with_request_status,
)
from plan.eras import format_fiscal_year
from plan.params import whole_number
from plan.prepared import read_by_keys


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
    #: Django's stacked.html written out in Python (the same HTML): accounts/admin_stacked_html.py.
    template = "admin/edit_inline/stacked_written.html"


class SharingProjectInline(PreparedRowsInlineMixin, PolicyTabularInline):
    model = ProjectKpi
    fields = ("project", "position")
    autocomplete_fields = ("project",)
    verbose_name = "この KPI を持つ事業"
    verbose_name_plural = "この KPI を持つ事業 (共有)"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("project", "kpi")  # the row's name


VALUE_TEXTS = "_list_value_texts"
PROJECT_NAMES = "_list_project_names"


def _value_texts(*keys: int):
    return (
        KpiValue.objects.filter(kpi__in=keys)
        .order_by(*KpiValue._meta.ordering)
        .values_list("kpi", "kind", "text")
    )


def _project_names(*keys: int):
    return (
        ProjectKpi.objects.filter(kpi__in=keys)
        .order_by(*ProjectKpi._meta.ordering)
        .values_list("kpi", "project__name")
    )


def read_list_cells(kpis) -> None:
    """Give each KPI of a list's page its values' texts by kind and its projects' names (in the
    links' order), as plain values in two queries: what the prefetch of ``values`` and
    ``project_links`` (with projects) gave the columns (both prepared:
    ``plan.prepared.read_by_keys``), without a model instance and a related manager's queryset
    per value and link."""
    kpis = list(kpis)
    keys = [kpi.pk for kpi in kpis]
    texts: dict[int, dict[str, str]] = {}
    values = read_by_keys("kpis.admin.value_texts", _value_texts, keys)
    for kpi_id, kind, text in values:
        texts.setdefault(kpi_id, {}).setdefault(kind, text)  # the first of its kind, as value_text
    names: dict[int, list[str]] = {}
    links = read_by_keys("kpis.admin.project_names", _project_names, keys)
    for kpi_id, name in links:
        names.setdefault(kpi_id, []).append(name)
    for kpi in kpis:
        setattr(kpi, VALUE_TEXTS, texts.get(kpi.pk, {}))
        setattr(kpi, PROJECT_NAMES, names.get(kpi.pk, []))


def value_text(kpi, kind: str) -> str:
    texts = getattr(kpi, VALUE_TEXTS, None)
    return kpi.value_text(kind) if texts is None else texts.get(kind, "")


def project_names(kpi) -> list[str]:
    names = getattr(kpi, PROJECT_NAMES, None)
    return [link.project.name for link in kpi.project_links.all()] if names is None else names


class KpiChangeList(KeptRowsChangeList):
    """The KPI list: its page's values and projects read as values (``read_list_cells``), not
    prefetched; the page kept between requests (``KeptRowsChangeList``)."""

    row_fields = ("id", "code", "indicator")
    row_attributes = ("request_status", VALUE_TEXTS, PROJECT_NAMES)

    def read_cells(self, rows) -> None:
        read_list_cells(rows)


@admin.register(Kpi)
class KpiAdmin(AchievementPanelMixin, NormalizedSearchAdmin):
    """Queries: the change form at most 18 for a coordinator and 21 for staff whatever the number
    of projects sharing the KPI (tests/admin/test_page_query_counts.py)."""

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
        ("project_links__project__bureaus", KeptSubqueryFilter),
        ("edition", KeptRelatedFieldListFilter),
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

    def task(self, obj, records) -> tuple[set[int], set[int]]:
        """A KPI belongs to the task of each project that has it (one change request): those of
        its project links among ``records`` (every link of the KPI, ``SharingProjectInline``)."""
        return {r.project_id for r in records if isinstance(r, ProjectKpi)}, {obj.pk}

    request_status = request_status_column

    class Media:
        css = {"all": ("plan/admin.css",)}

    def get_changelist(self, request, **kwargs):
        """The bureau filter filters by subquery: the list needs no DISTINCT."""
        return KpiChangeList

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        """The page's keys first: the 「変更申請」 column's subqueries run for the page's 100 KPIs,
        not for every KPI sorted (on PostgreSQL at ×100: 67 → a few ms)."""
        return KeysFirstPaginator(queryset, per_page, orphans, allow_empty_first_page)

    def achievement_kpis(self, obj):
        return Kpi.objects.filter(pk=obj.pk)

    def get_urls(self):
        view = self.admin_site.admin_view(partial(dashboard_view, admin_site=self.admin_site))
        return [path("achievement/", view, name="kpis_achievement"), *super().get_urls()]

    def get_record_queryset(self, request):
        """The change form shows none of the list's annotations and prefetches; it reads the
        edition (published or not)."""
        return super().get_queryset(request).select_related("edition")

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
        return value_text(kpi, "baseline")

    @admin.display(description="目標値")
    def target(self, kpi) -> str:
        return value_text(kpi, "target")

    @admin.display(description="事業")
    def project_column(self, kpi) -> str:
        return lines(project_names(kpi))

    @admin.display(description="共有数")
    def project_count(self, kpi) -> int:
        return len(project_names(kpi))


class KpiActualForm(ChangeReasonForm):
    """An actual as reported; the structured parts left empty are read from the text (「512MW」)."""

    class Meta:
        model = KpiActual
        fields = ("kpi", "year", "text", *VALUE_FIELDS[1:], "status", "note")

    def clean(self):
        cleaned_data = super().clean()
        parts = VALUE_FIELDS[1:]
        if cleaned_data.get("text") and all(cleaned_data.get(name) in (None, "") for name in parts):
            cleaned_data.update(value_parts(cleaned_data["text"]))
        return cleaned_data


class ActualBureauListFilter(admin.SimpleListFilter):
    """所管局: the actuals of the KPIs of a bureau's projects (a shared KPI under each bureau)."""

    title = "所管局"
    parameter_name = "bureau"

    def lookups(self, request, model_admin):
        return [(str(pk), name) for pk, name in Bureau.objects.values_list("pk", "name")]

    def queryset(self, request, queryset):
        bureau = whole_number(self.value())
        if bureau is not None:
            return queryset.filter(kpi__in=Kpi.objects.for_bureaus([bureau]))
        return queryset


@admin.register(KpiActual)
class KpiActualAdmin(ActualSheetAdminMixin, PlanContentAdmin):
    """「実績値」: staff's saves become change requests, coordinators' apply (plan.changes); the
    yearly sheet's export and import (``ActualSheetAdminMixin``) go through the same engine."""

    form = KpiActualForm
    list_display = ("kpi_code", "kpi", "year_label", "text", "status", "entered_by")
    list_display_links = ("kpi_code", "kpi")
    list_filter = ("year", "status", ActualBureauListFilter)
    list_select_related = ("kpi", "entered_by")
    search_fields = ("kpi__code", "kpi__search_text", "text")
    readonly_fields = ("entered_by",)
    list_per_page = 100

    def get_fields(self, request, obj=None):
        return [*KpiActualForm.Meta.fields, "entered_by"]

    def change_request_context(self, obj) -> dict:
        kpi = obj.kpi
        return {
            "edition": kpi.edition,
            "title": f"{format_fiscal_year(obj.year)}の実績値「{kpi.indicator[:50]}」",
            "kpi": kpi,
        }

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        """Staff choose among their own bureaus' KPIs (the policy refuses any other anyway)."""
        if db_field.name == "kpi":
            queryset = Kpi.objects.select_related("edition")
            if permissions.requires_approval(request.user):
                queryset = queryset.for_bureaus(permissions.user_bureau_ids(request.user))
            kwargs["queryset"] = queryset
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        """Who entered it: the person saving (the record itself is written by the change engine)."""
        if not change:
            obj.entered_by = request.user

    @admin.display(description="KPI コード", ordering="kpi__code")
    def kpi_code(self, actual) -> str:
        return actual.kpi.code

    @admin.display(description="実績年度", ordering="year")
    def year_label(self, actual) -> str:
        return format_fiscal_year(actual.year)
