"""Admin for projects (「個別プロジェクト」) with their bureaus, listings and KPIs."""

from collections import defaultdict
from typing import NamedTuple

from django.contrib import admin
from django.contrib.admin.views.main import SEARCH_VAR
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.urls import path

from accounts import permissions
from accounts.admin_base import OwnBureauListFilter, PolicyTabularInline
from kpis.models import Kpi, ProjectKpi
from kpis.panels import AchievementPanelMixin
from plan.admin.base import KeysFirstPaginator, NormalizedSearchAdmin, lines, unfiltered
from plan.admin.display import bureau_names_by_project, unbroken
from plan.admin.history import ProjectHistoryMixin
from plan.admin.inline_rows import PreparedRowsInlineMixin
from plan.admin.kept_list import (
    KeptMeasureListFilter,
    KeptRelatedFieldListFilter,
    KeptRowsChangeList,
    KeptSubqueryFilter,
)
from plan.admin.reading import ProjectReading
from plan.admin.request_status import (
    RequestStatusListFilter,
    request_status_column,
    with_request_status,
)
from plan.admin.workbook import WorkbookAdminMixin
from plan.models import Listing, PolicyGoal, Project, ProjectBureau
from plan.prepared import kept, read_by_keys


class ListingCells(NamedTuple):
    """What the list's goal, measure and No columns show of one listing."""

    goal: str
    measure_number: int
    measure_title: str
    number: int


LISTING_CELLS = "_list_listing_cells"
BUREAU_NAMES = "_list_bureau_names"


def _listing_cells(*keys: int):
    return (
        Listing.objects.filter(project__in=keys)
        .order_by(*Listing._meta.ordering)
        .values_list(
            "project", "measure__goal__code", "measure__number", "measure__title", "number"
        )
    )


def read_list_cells(projects) -> None:
    """Give each project of a list's page its listings' cells (in the listings' order) and its
    bureaus' names (in their order), as plain values in two queries: what the prefetch of
    ``listings`` (with measures and goals) and ``bureau_links`` (with bureaus) gave the columns,
    without three or four model instances and a related manager's queryset per row."""
    projects = list(projects)
    keys = [project.pk for project in projects]
    listings: defaultdict[int, list[ListingCells]] = defaultdict(list)
    labels: dict[str, str] = {}
    rows = read_by_keys("plan.admin.projects.listing_cells", _listing_cells, keys)
    for project_id, goal_code, measure_number, measure_title, number in rows:
        if goal_code not in labels:
            labels[goal_code] = PolicyGoal(code=goal_code).short_label
        listings[project_id].append(
            ListingCells(labels[goal_code], measure_number, measure_title, number)
        )
    bureaus = bureau_names_by_project(keys)
    for project in projects:
        setattr(project, LISTING_CELLS, listings.get(project.pk, []))
        setattr(project, BUREAU_NAMES, bureaus.get(project.pk, []))


def listing_cells(project) -> list[ListingCells]:
    """The project's listings' cells: read for the page (``read_list_cells``), else from its
    listings."""
    cells = getattr(project, LISTING_CELLS, None)
    if cells is not None:
        return cells
    return [
        ListingCells(
            listing.measure.goal.short_label,
            listing.measure.number,
            listing.measure.title,
            listing.number,
        )
        for listing in project.listings.all()
    ]


def bureau_names(project) -> list[str]:
    names = getattr(project, BUREAU_NAMES, None)
    if names is not None:
        return names
    return [link.bureau.name for link in project.bureau_links.all()]


class ProjectChangeList(KeptRowsChangeList):
    """The project list: its page's listings and bureaus read as values (``read_list_cells``),
    not prefetched; the page kept between requests (``KeptRowsChangeList``)."""

    row_fields = ("id", "code", "name", "is_new")
    row_attributes = ("kpi_count", "request_status", LISTING_CELLS, BUREAU_NAMES)

    def read_cells(self, rows) -> None:
        read_list_cells(rows)


class SearchPaginator(KeysFirstPaginator):
    """A search's pages (``KeysFirstPaginator`` with ``rows``): the page's rows by key read by a
    query compiled once per process for each number of keys and each set of the list's joins
    (``plan.prepared``), the rest of its shape being the admin's (its annotations, the row's
    fields: ``ProjectChangeList.narrowed``)."""

    def read_rows(self, keys: list):
        refcount = self.object_list.query.alias_refcount
        joins = tuple(sorted(alias for alias, count in refcount.items() if count))
        rows = self.rows
        prepared = kept(
            ("plan.admin.projects.search_page", joins, len(keys)),
            lambda *given: rows().filter(pk__in=given),
            [int] * len(keys),
        )
        return prepared(*keys, fallback=lambda: super(SearchPaginator, self).read_rows(keys))


class ProjectBureauInline(PreparedRowsInlineMixin, PolicyTabularInline):
    model = ProjectBureau
    fields = ("position", "bureau")
    autocomplete_fields = ("bureau",)
    min_num = 1

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("project", "bureau")  # the row's name

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


class ProjectListingInline(PreparedRowsInlineMixin, PolicyTabularInline):
    model = Listing
    fields = ("measure", "number")
    autocomplete_fields = ("measure",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("measure__goal", "project")


class ProjectKpiInline(PreparedRowsInlineMixin, PolicyTabularInline):
    model = ProjectKpi
    fields = ("position", "kpi", "baseline", "target")
    readonly_fields = ("baseline", "target")
    autocomplete_fields = ("kpi",)
    verbose_name = "KPI"
    verbose_name_plural = "KPI (事業目標)"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("kpi", "project")
            .prefetch_related("kpi__values")
        )

    @admin.display(description="基準値 (年度)")
    def baseline(self, link) -> str:
        return link.kpi.value_text("baseline") if link.kpi_id else ""

    @admin.display(description="目標値")
    def target(self, link) -> str:
        return link.kpi.value_text("target") if link.kpi_id else ""


@admin.register(Project)
class ProjectAdmin(
    AchievementPanelMixin,
    ProjectReading,
    ProjectHistoryMixin,
    WorkbookAdminMixin,
    NormalizedSearchAdmin,
):
    """Queries: the list at most 19 whatever its rows and filters; the change form at most 23 for
    a coordinator and 25 for staff whatever its listings, bureaus and KPIs
    (tests/admin/test_page_query_counts.py)."""

    list_display = (
        "code",
        "goal_column",
        "measure_column",
        "number_column",
        "name_column",
        "bureau_column",
        "kpi_count",
        "request_status",
    )
    list_display_links = ("code", "name_column")
    list_filter = (
        OwnBureauListFilter,
        ("listings__measure__goal", KeptSubqueryFilter),
        ("listings__measure", KeptMeasureListFilter),
        ("bureaus", KeptSubqueryFilter),
        "is_new",
        ("edition", KeptRelatedFieldListFilter),
        RequestStatusListFilter,
    )
    search_fields = ("search_text",)
    search_help_text = (
        "事業コード・事業名・概要・KPI (コード・文言) で検索します"
        " (全角・半角、ひらがな・カタカナは区別しません)。"
    )
    fields = ("edition", "code", "name", "is_new", "summary", "predecessor")
    inlines = (ProjectBureauInline, ProjectListingInline, ProjectKpiInline)
    # The change form of every plan record, with the project's 評価票 round after round below it.
    change_form_template = "admin/plan/project/change_form.html"
    list_per_page = 100

    def get_readonly_fields(self, request, obj=None):
        """The link to the previous edition is made by 「次の版を作成」; from the plan's second
        edition on, 「<新>」 follows from it (a project without a predecessor is new)."""
        readonly = [*super().get_readonly_fields(request, obj), "predecessor"]
        if obj is not None and obj.edition_id and obj.edition.derives_new_marks:
            readonly.append("is_new")
        return readonly

    def change_request_context(self, obj) -> dict:
        return {"edition": obj.edition, "title": obj.name, "project": obj}

    def task(self, obj, records) -> tuple[set[int], set[int]]:
        """A project and its KPIs are one task (one change request): its KPIs are those of its
        KPI links among ``records`` (every link of the project, ``ProjectKpiInline``)."""
        return {obj.pk}, {r.kpi_id for r in records if isinstance(r, ProjectKpi)}

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

    request_status = request_status_column

    def get_changelist(self, request, **kwargs):
        return ProjectChangeList

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        """A search reads the matching keys once (their number is the count; the page's rows are
        read by key), rather than matching every text twice (the count, then the page)."""
        if request.GET.get(SEARCH_VAR, "").strip():

            def rows():
                return ProjectChangeList.narrowed(unfiltered(queryset).order_by())

            return SearchPaginator(queryset, per_page, orphans, allow_empty_first_page, rows=rows)
        return KeysFirstPaginator(queryset, per_page, orphans, allow_empty_first_page)

    def get_record_queryset(self, request):
        """The change form shows none of the list's annotations and prefetches; it reads the
        edition (published or not, deriving 「<新>」 or not)."""
        return super().get_queryset(request).select_related("edition")

    def get_queryset(self, request):
        return with_request_status(
            super()
            .get_queryset(request)
            .with_kpi_count()
            .with_list_order()
            .prefetch_related(
                Prefetch("listings", queryset=Listing.objects.select_related("measure__goal")),
                Prefetch("bureau_links", queryset=ProjectBureau.objects.select_related("bureau")),
            )
        )

    @admin.display(description="政策目標", ordering="goal_order")
    def goal_column(self, project) -> str:
        return lines(cells.goal for cells in listing_cells(project))

    @admin.display(description="基本施策", ordering="listing_order")
    def measure_column(self, project) -> str:
        return lines(
            f"({cells.measure_number}) {cells.measure_title}" for cells in listing_cells(project)
        )

    @admin.display(description="No")
    def number_column(self, project) -> str:
        return lines(cells.number for cells in listing_cells(project))

    @admin.display(description="事業/取組名", ordering="name")
    def name_column(self, project) -> str:
        return str(project)

    @admin.display(description="所管局", ordering="bureau_order")
    def bureau_column(self, project) -> str:
        return unbroken(bureau_names(project))

    @admin.display(description="KPI 数", ordering="kpi_count")
    def kpi_count(self, project) -> int:
        return project.kpi_count
