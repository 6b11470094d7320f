"""Admin for projects (個別プロジェクト) with their bureaus, listings and KPIs."""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.urls import path

from accounts import permissions
from accounts.admin_base import OwnBureauListFilter, PolicyTabularInline
from kpis.models import Kpi, ProjectKpi
from kpis.panels import AchievementPanelMixin
from plan.admin.base import MeasureListFilter, NormalizedSearchAdmin, lines
from plan.admin.history import ProjectHistoryMixin
from plan.admin.workbook import WorkbookAdminMixin
from plan.models import Listing, Project, ProjectBureau


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
class ProjectAdmin(
    AchievementPanelMixin, ProjectHistoryMixin, WorkbookAdminMixin, NormalizedSearchAdmin
):
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

    def achievement_kpis(self, obj):
        """The project's KPIs, in their ①②③ order (a shared KPI shows its one series here too)."""
        return Kpi.objects.filter(project_links__project=obj).order_by("project_links__position")

    def get_urls(self):
        return [
            *self.workbook_urls(),
            path(
                "<path:object_id>/history/<int:history_id>/restore/",
                self.admin_site.admin_view(self.restore_view),
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
