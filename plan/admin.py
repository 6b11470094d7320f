"""Admin for the plan: goals, measures, projects and their listings. Declarations only; every
permission question goes to the policy through accounts.admin_base."""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch
from django.urls import path
from django.utils.html import format_html_join

from accounts import permissions
from accounts.admin_base import OwnBureauListFilter, PolicyModelAdmin, PolicyTabularInline
from kpis.models import ProjectKpi
from plan.admin_changes import ChangeRequestAdminMixin
from plan.admin_requests import project_history_view, project_restore_view
from plan.admin_workbook import WorkbookAdminMixin
from plan.models import Edition, Listing, Measure, Plan, PolicyGoal, Project, ProjectBureau


class PlanContentAdmin(ChangeRequestAdminMixin, PolicyModelAdmin):
    """The plan's records: permissions from the policy, writes through plan.services."""


class NormalizedSearchAdmin(PlanContentAdmin):
    """Search through the model's ``search()`` queryset method (NFKC: 全角/半角を区別しない)."""

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        return queryset.search(search_term), False


def lines(values) -> str:
    return format_html_join("", "{}<br>", ((value,) for value in values))


class MeasureListFilter(admin.RelatedFieldListFilter):
    """基本施策の絞り込み。名前に政策目標を含むので、政策目標を一度に読む。"""

    def field_choices(self, field, request, model_admin):
        return [(measure.pk, str(measure)) for measure in Measure.objects.select_related("goal")]


@admin.register(Plan)
class PlanAdmin(PlanContentAdmin):
    list_display = ("name", "start_fiscal_year", "end_fiscal_year")

    def change_request_context(self, obj) -> dict:
        return {"edition": None, "title": f"計画「{obj.name}」"}


@admin.register(Edition)
class EditionAdmin(PlanContentAdmin):
    list_display = ("__str__", "plan", "fiscal_year")
    list_select_related = ("plan",)
    list_filter = ("plan",)

    def change_request_context(self, obj) -> dict:
        return {"edition": obj if obj.pk else None, "title": f"版「{obj}」"}


class MeasureInline(PolicyTabularInline):
    model = Measure
    fields = ("number", "title")
    show_change_link = True


@admin.register(PolicyGoal)
class PolicyGoalAdmin(PlanContentAdmin):
    list_display = ("label", "edition", "display_order", "measure_count")
    list_select_related = ("edition__plan",)
    list_filter = ("edition",)
    search_fields = ("title", "tagline")
    inlines = (MeasureInline,)

    def change_request_context(self, obj) -> dict:
        return {"edition": obj.edition, "title": f"政策目標「{obj.label}」"}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(measure_count=Count("measures"))

    @admin.display(description="基本施策数", ordering="measure_count")
    def measure_count(self, goal) -> int:
        return goal.measure_count


class MeasureListingInline(PolicyTabularInline):
    model = Listing
    fields = ("number", "project")
    autocomplete_fields = ("project",)
    ordering = ("number",)


@admin.register(Measure)
class MeasureAdmin(PlanContentAdmin):
    list_display = ("__str__", "goal", "number", "listing_count")
    list_select_related = ("goal__edition__plan",)
    list_filter = ("goal__edition", "goal")
    search_fields = ("title", "goal__title")
    autocomplete_fields = ("goal",)
    inlines = (MeasureListingInline,)

    def change_request_context(self, obj) -> dict:
        return {"edition": obj.goal.edition, "title": f"基本施策「{obj}」"}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(listing_count=Count("listings"))

    @admin.display(description="掲載事業数", ordering="listing_count")
    def listing_count(self, measure) -> int:
        return measure.listing_count


class ProjectBureauInline(PolicyTabularInline):
    model = ProjectBureau
    fields = ("position", "bureau")
    autocomplete_fields = ("bureau",)
    min_num = 1

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        user = request.user

        class CheckedBureauFormSet(formset):
            def clean(self):
                super().clean()
                bureau_ids = {
                    form.cleaned_data["bureau"].pk
                    for form in self.forms
                    if form.cleaned_data.get("bureau") and not form.cleaned_data.get("DELETE")
                }
                if not permissions.may_assign_bureaus(user, bureau_ids):
                    raise ValidationError(permissions.BUREAU_ASSIGNMENT_REFUSED)

        return CheckedBureauFormSet


class ProjectListingInline(PolicyTabularInline):
    model = Listing
    fields = ("measure", "number")
    autocomplete_fields = ("measure",)


class ProjectKpiInline(PolicyTabularInline):
    model = ProjectKpi
    fields = ("position", "kpi", "baseline", "target")
    readonly_fields = ("baseline", "target")
    autocomplete_fields = ("kpi",)
    verbose_name = "KPI"
    verbose_name_plural = "KPI (事業目標)"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("kpi").prefetch_related("kpi__values")

    @admin.display(description="基準値 (年度)")
    def baseline(self, link) -> str:
        return link.kpi.value_text("baseline") if link.kpi_id else ""

    @admin.display(description="目標値")
    def target(self, link) -> str:
        return link.kpi.value_text("target") if link.kpi_id else ""


@admin.register(Project)
class ProjectAdmin(WorkbookAdminMixin, NormalizedSearchAdmin):
    list_display = (
        "code",
        "goal_column",
        "measure_column",
        "number_column",
        "name_column",
        "bureau_column",
        "kpi_count",
    )
    list_display_links = ("code", "name_column")
    list_filter = (
        OwnBureauListFilter,
        "listings__measure__goal",
        ("listings__measure", MeasureListFilter),
        "bureaus",
        "is_new",
        "edition",
    )
    search_fields = ("search_text",)
    search_help_text = "事業名・概要・KPI の文言で検索します (全角・半角は区別しません)。"
    fields = ("edition", "code", "name", "is_new", "summary")
    inlines = (ProjectBureauInline, ProjectListingInline, ProjectKpiInline)
    list_per_page = 100

    def change_request_context(self, obj) -> dict:
        return {"edition": obj.edition, "title": obj.name, "project": obj}

    def history_view(self, request, object_id, extra_context=None):
        return project_history_view(self, request, object_id)

    def get_urls(self):
        def restore(request, object_id, history_id):
            return project_restore_view(self, request, object_id, history_id)

        return [
            *self.workbook_urls(),
            path(
                "<path:object_id>/history/<int:history_id>/restore/",
                self.admin_site.admin_view(restore),
                name="plan_project_restore",
            ),
            *super().get_urls(),
        ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .with_kpi_count()
            .prefetch_related(
                Prefetch("listings", queryset=Listing.objects.select_related("measure__goal")),
                Prefetch("bureau_links", queryset=ProjectBureau.objects.select_related("bureau")),
            )
        )

    @admin.display(description="政策目標")
    def goal_column(self, project) -> str:
        return lines(listing.measure.goal.short_label for listing in project.listings.all())

    @admin.display(description="基本施策")
    def measure_column(self, project) -> str:
        return lines(
            f"({listing.measure.number}) {listing.measure.title}"
            for listing in project.listings.all()
        )

    @admin.display(description="No")
    def number_column(self, project) -> str:
        return lines(listing.number for listing in project.listings.all())

    @admin.display(description="事業/取組名", ordering="name")
    def name_column(self, project) -> str:
        return str(project)

    @admin.display(description="所管局")
    def bureau_column(self, project) -> str:
        return " ".join(link.bureau.name for link in project.bureau_links.all())

    @admin.display(description="KPI 数", ordering="kpi_count")
    def kpi_count(self, project) -> int:
        return project.kpi_count
