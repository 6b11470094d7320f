"""The 「達成状況」 dashboard: for a fiscal year, how many KPIs are in each status, by policy goal, by
measure and by bureau, with bars; and the drill-down list of the KPIs behind a count.

Read-only, for every signed-in role that may read KPIs. The statuses and counts are judged once per
state of the database and kept in the cache (``kpis.dashboard_statuses``); the rows are written by
``kpis.dashboard_html``. ``dashboard_view`` reads a constant number of queries whatever the size
of the edition, pinned by tests at two sizes: at most 17 with the session and the user (the
editions, the database's stamp, the goals, measures and bureaus, the user's bureaus; when the
stamp has moved also the years with actuals and the judgement's four, see ``judge_edition``);
11 for staff when nothing has changed since the last request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

from django.contrib.admin.views.main import ALL_VAR, PAGE_VAR
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import SafeString

from accounts import permissions
from accounts.models import Bureau
from kpis.achievement import THRESHOLDS, Status
from kpis.charts import BAR_HEIGHT, BAR_WIDTH, STATUS_COLOURS, Segment, status_bar
from kpis.dashboard_html import drill_down_html, table_rows_html
from kpis.dashboard_statuses import (
    JudgedYear,
    Summary,
    cached,
    database_stamp,
    years_with_actuals,
)
from plan.eras import fiscal_year_of, format_fiscal_year
from plan.models import Edition, Measure, PolicyGoal
from plan.params import whole_number

YEAR_OUT_OF_RANGE = "年度は計画期間の中から選んでください。計画期間の最初の年度を表示しています。"
GROUPS = {"goal": "政策目標", "measure": "基本施策", "bureau": "所管局"}
#: The drill-down's KPIs a page (as the admin's lists: 100 rows a page, all with ``?all=1``).
DRILL_PER_PAGE = 100


@dataclass
class Row:
    """One line of a table: a goal, measure or bureau, its counts by status and its bar."""

    key: str
    label: str
    counts: dict[str, int] = field(default_factory=dict)
    own: bool = False

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def cells(self) -> list[tuple[Status, int]]:
        return [(status, self.counts.get(status.value, 0)) for status in Status]

    @property
    def bar(self) -> list[Segment]:
        return status_bar(self.counts)


@dataclass
class Table:
    group: str
    title: str
    rows: list[Row]
    html: str = ""


@dataclass
class Labels:
    """The goals, measures and bureaus a table may list, in their order (three queries)."""

    goals: list[PolicyGoal]
    measures: list[Measure]
    bureaus: list[Bureau]

    @classmethod
    def of(cls, edition: Edition) -> Labels:
        return cls(
            goals=list(PolicyGoal.objects.filter(edition=edition)),
            measures=list(Measure.objects.filter(goal__edition=edition).select_related("goal")),
            bureaus=list(Bureau.objects.all()),
        )

    def goal_of(self) -> dict[int, int]:
        return {measure.pk: measure.goal_id for measure in self.measures}

    def choices(self, group: str) -> list[tuple[int, str]]:
        if group == "goal":
            return [(goal.pk, goal.label) for goal in self.goals]
        if group == "measure":
            return [(measure.pk, str(measure)) for measure in self.measures]
        return [(bureau.pk, bureau.name) for bureau in self.bureaus]


def build_tables(summary: Summary, labels: Labels, own_bureaus: set[int]) -> list[Table]:
    """The three tables; in the bureau table the user's own bureaus come first."""
    tables = []
    for group, title in GROUPS.items():
        counted = summary.groups[group]
        listed = [
            Row(str(pk), label, dict(counted[pk]))
            for pk, label in labels.choices(group)
            if pk in counted
        ]
        if group == "bureau":
            for row in listed:
                row.own = int(row.key) in own_bureaus
            listed.sort(key=lambda row: not row.own)
        tables.append(Table(group, title, listed))
    return tables


def _year(request, edition: Edition, years: list[int]) -> tuple[int, str]:
    """The year asked for (``?year=``) within the plan, else the latest with actuals."""
    plan = edition.plan
    default = max(years) if years else min(fiscal_year_of_today() - 1, plan.end_fiscal_year)
    default = max(default, plan.start_fiscal_year)
    raw = request.GET.get("year", "")
    if not raw:
        return default, ""
    year = whole_number(raw)
    if year is None or not plan.start_fiscal_year <= year <= plan.end_fiscal_year:
        return plan.start_fiscal_year, YEAR_OUT_OF_RANGE
    return year, ""


def fiscal_year_of_today() -> int:
    import datetime

    return fiscal_year_of(datetime.date.today())


def dashboard_view(request, admin_site) -> TemplateResponse:
    """GET ?edition=&year= the tables; with &status=, &group=&key= or &list=1 also the KPIs behind
    a count. A year outside the plan is refused with a message (the plan's first year is shown)."""
    if not request.user.has_perm("kpis.view_kpi"):
        raise PermissionDenied
    editions = list(Edition.objects.select_related("plan").order_by("-fiscal_year"))
    if not editions:
        return TemplateResponse(
            request,
            "admin/kpis/dashboard.html",
            {**admin_site.each_context(request), "title": "達成状況", "editions": []},
        )
    asked = request.GET.get("edition", "")
    edition = next((e for e in editions if str(e.pk) == asked), editions[0])
    stamp = database_stamp()
    years = cached(f"years:{edition.plan_id}", stamp, partial(years_with_actuals, edition.plan_id))
    year, year_error = _year(request, edition, years)
    labels = Labels.of(edition)
    judged = JudgedYear(edition, year, labels.goal_of, stamp)
    status = request.GET.get("status", "")
    status = status if status in Status.values else ""
    group = request.GET.get("group", "")
    group = group if group in GROUPS else ""
    key = request.GET.get("key", "")
    plan = edition.plan
    base_query = urlencode({"edition": edition.pk, "year": year})
    totals = Row("all", "すべての KPI", dict(judged.summary.totals))
    tables = build_tables(judged.summary, labels, _own_bureaus(request.user))
    for table in tables:
        table.html = _rows_html(table.rows, table.group, base_query)
    context = {
        **admin_site.each_context(request),
        "title": f"達成状況 {format_fiscal_year(year)}",
        "editions": editions,
        "edition": edition,
        "year": year,
        "year_error": year_error,
        "year_choices": [
            (each, format_fiscal_year(each))
            for each in range(plan.start_fiscal_year, plan.end_fiscal_year + 1)
        ],
        "totals": totals,
        "totals_html": _rows_html([totals], "", base_query),
        "tables": tables,
        "statuses": [(s, STATUS_COLOURS[s]) for s in Status],
        "rules": THRESHOLDS.explained(),
        "bar_width": BAR_WIDTH,
        "bar_height": BAR_HEIGHT,
        "base_query": base_query,
        "kpi_url": reverse("admin:kpis_kpi_changelist"),
    }
    if status or group or request.GET.get("list"):
        names = dict(labels.choices(group)) if group else {}
        rows = judged.details().drill_down(status=status, group=group, key=key)
        context["drill"] = {
            "status": Status(status).label if status else "すべての状況",
            "group": GROUPS.get(group, ""),
            "label": names.get(whole_number(key), ""),
            "rows": rows,
            **_drill_page(request, rows, admin_site),
        }
    return TemplateResponse(request, "admin/kpis/dashboard.html", context)


def _drill_page(request, rows: list, admin_site) -> dict:
    """The drill-down's page (``?p=``, ``DRILL_PER_PAGE`` KPIs a page, as the lists page) or all
    of its KPIs (``?all=1``), its rows' HTML and the pager: the page numbers (elided as the
    admin's lists elide them) and the query the pager's links keep."""
    kept = request.GET.copy()
    for name in (PAGE_VAR, ALL_VAR):
        kept.pop(name, None)
    paginator = Paginator(rows, DRILL_PER_PAGE)
    show_all = bool(request.GET.get(ALL_VAR))
    page = paginator.get_page(request.GET.get(PAGE_VAR))
    shown = rows if show_all else page.object_list
    pages = []
    if paginator.num_pages > 1 and not show_all:
        pages = list(paginator.get_elided_page_range(page.number))
    return {
        "count": len(rows),
        "html": drill_down_html(shown, admin_site),
        "query": kept.urlencode(),
        "page": page,
        "pages": pages,
        "ellipsis": Paginator.ELLIPSIS,
        "show_all": show_all and paginator.num_pages > 1,
    }


def _rows_html(rows: list[Row], group: str, base_query: str) -> SafeString:
    return table_rows_html(
        rows, group=group, base_query=base_query, bar_width=BAR_WIDTH, bar_height=BAR_HEIGHT
    )


def _own_bureaus(user) -> set[int]:
    """The bureaus listed first: the policy says whose lists start at their own bureaus (staff)."""
    if not permissions.lists_own_bureaus_first(user):
        return set()
    return permissions.user_bureau_ids(user)
