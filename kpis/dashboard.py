"""The 「達成状況」 dashboard: for a fiscal year, how many KPIs are in each status, by policy goal, by
measure and by bureau, with bars; and the drill-down list of the KPIs behind a count.

Read-only, for every signed-in role that may read KPIs. ``dashboard_view`` reads a constant number
of queries whatever the size of the edition (at most 17 with the session and the user: the editions,
the years with actuals, the KPIs' statuses (three, see ``assess_kpis``), the KPIs' measures and
bureaus, the goals, measures and bureaus, the user's bureaus, the drill-down's KPIs), pinned by a
test at two sizes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode

from accounts import permissions
from accounts.models import Bureau
from kpis.achievement import THRESHOLDS, Achievement, Status, assess_kpis
from kpis.charts import BAR_HEIGHT, BAR_WIDTH, STATUS_COLOURS, Segment, status_bar
from kpis.models import Kpi, KpiActual, ProjectKpi
from plan.eras import fiscal_year_of, format_fiscal_year
from plan.models import Edition, Measure, PolicyGoal

YEAR_OUT_OF_RANGE = "年度は計画期間の中から選んでください。計画期間の最初の年度を表示しています。"
GROUPS = {"goal": "政策目標", "measure": "基本施策", "bureau": "所管局"}


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


def _links(edition: Edition) -> tuple[dict[int, set[int]], dict[int, set[int]]]:
    """The measures and the bureaus of each KPI of the edition (two queries)."""
    links = ProjectKpi.objects.filter(kpi__edition=edition)
    measures: dict[int, set[int]] = defaultdict(set)
    for kpi_id, measure_id in links.values_list("kpi_id", "project__listings__measure_id"):
        if measure_id is not None:
            measures[kpi_id].add(measure_id)
    bureaus: dict[int, set[int]] = defaultdict(set)
    for kpi_id, bureau_id in links.values_list("kpi_id", "project__bureau_links__bureau_id"):
        if bureau_id is not None:
            bureaus[kpi_id].add(bureau_id)
    return measures, bureaus


@dataclass
class Grouping:
    """Which goals, measures and bureaus each KPI belongs to (a shared KPI to several)."""

    goals: list[PolicyGoal]
    measures: list[Measure]
    bureaus: list[Bureau]
    kpi_measures: dict[int, set[int]]
    kpi_bureaus: dict[int, set[int]]
    goal_of: dict[int, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.goal_of = {measure.pk: measure.goal_id for measure in self.measures}

    @classmethod
    def of(cls, edition: Edition) -> Grouping:
        kpi_measures, kpi_bureaus = _links(edition)
        return cls(
            goals=list(PolicyGoal.objects.filter(edition=edition)),
            measures=list(Measure.objects.filter(goal__edition=edition).select_related("goal")),
            bureaus=list(Bureau.objects.all()),
            kpi_measures=kpi_measures,
            kpi_bureaus=kpi_bureaus,
        )

    def keys(self, group: str, kpi_id: int) -> set[int]:
        if group == "measure":
            return self.kpi_measures.get(kpi_id, set())
        if group == "bureau":
            return self.kpi_bureaus.get(kpi_id, set())
        return {self.goal_of[pk] for pk in self.kpi_measures.get(kpi_id, set())}

    def choices(self, group: str) -> list[tuple[int, str]]:
        if group == "goal":
            return [(goal.pk, goal.label) for goal in self.goals]
        if group == "measure":
            return [(measure.pk, str(measure)) for measure in self.measures]
        return [(bureau.pk, bureau.name) for bureau in self.bureaus]


def build_tables(
    statuses: dict[int, Achievement], grouping: Grouping, own_bureaus: set[int]
) -> list[Table]:
    """The three tables; in the bureau table the user's own bureaus come first."""
    tables = []
    for group, title in GROUPS.items():
        rows = {pk: Row(str(pk), label) for pk, label in grouping.choices(group)}
        for kpi_id, achievement in statuses.items():
            for key in grouping.keys(group, kpi_id):
                counts = rows[key].counts
                counts[achievement.status] = counts.get(achievement.status, 0) + 1
        listed = [row for row in rows.values() if row.total]
        if group == "bureau":
            for row in listed:
                row.own = int(row.key) in own_bureaus
            listed.sort(key=lambda row: not row.own)
        tables.append(Table(group, title, listed))
    return tables


def drill_down(
    statuses: dict[int, Achievement],
    grouping: Grouping,
    kpis: QuerySet,
    *,
    status: str,
    group: str,
    key: str,
) -> list[tuple[Kpi, Achievement]]:
    """The KPIs behind a count: with the status (if any) and of the goal, measure or bureau."""
    chosen = [
        kpi_id
        for kpi_id, achievement in statuses.items()
        if (not status or achievement.status == status)
        and (not group or (key.isdigit() and int(key) in grouping.keys(group, kpi_id)))
    ]
    by_pk = kpis.filter(pk__in=chosen).only("pk", "code", "indicator").in_bulk()
    return [(by_pk[pk], statuses[pk]) for pk in sorted(chosen, key=lambda pk: by_pk[pk].code)]


def _year(request, edition: Edition, years: list[int]) -> tuple[int, str]:
    """The year asked for (``?year=``) within the plan, else the latest with actuals."""
    plan = edition.plan
    default = max(years) if years else min(fiscal_year_of_today() - 1, plan.end_fiscal_year)
    default = max(default, plan.start_fiscal_year)
    raw = request.GET.get("year", "")
    if not raw:
        return default, ""
    if not raw.isdigit() or not plan.start_fiscal_year <= int(raw) <= plan.end_fiscal_year:
        return plan.start_fiscal_year, YEAR_OUT_OF_RANGE
    return int(raw), ""


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
    years = sorted(
        set(
            KpiActual.objects.filter(kpi__edition__plan=edition.plan_id)
            .order_by()
            .values_list("year", flat=True)
            .distinct()
        )
    )
    year, year_error = _year(request, edition, years)
    kpis = Kpi.objects.filter(edition=edition)
    statuses = assess_kpis(kpis, year)
    grouping = Grouping.of(edition)
    status = request.GET.get("status", "")
    status = status if status in Status.values else ""
    group = request.GET.get("group", "")
    group = group if group in GROUPS else ""
    key = request.GET.get("key", "")
    plan = edition.plan
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
        "totals": Row("all", "すべての KPI", _count(statuses)),
        "tables": build_tables(statuses, grouping, _own_bureaus(request.user)),
        "statuses": [(s, STATUS_COLOURS[s]) for s in Status],
        "rules": THRESHOLDS.explained(),
        "bar_width": BAR_WIDTH,
        "bar_height": BAR_HEIGHT,
        "base_query": urlencode({"edition": edition.pk, "year": year}),
        "kpi_url": reverse("admin:kpis_kpi_changelist"),
    }
    if status or group or request.GET.get("list"):
        labels = dict(grouping.choices(group)) if group else {}
        context["drill"] = {
            "status": Status(status).label if status else "すべての状況",
            "group": GROUPS.get(group, ""),
            "label": labels.get(int(key), "") if key.isdigit() else "",
            "rows": drill_down(statuses, grouping, kpis, status=status, group=group, key=key),
        }
    return TemplateResponse(request, "admin/kpis/dashboard.html", context)


def _count(statuses: dict[int, Achievement]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for achievement in statuses.values():
        counts[achievement.status] = counts.get(achievement.status, 0) + 1
    return counts


def _own_bureaus(user) -> set[int]:
    """The bureaus listed first: the policy says whose lists start at their own bureaus (staff)."""
    if not permissions.lists_own_bureaus_first(user):
        return set()
    return permissions.user_bureau_ids(user)
