"""What the evaluation's pages show, read from the database with bounded queries: a sheet with its
KPIs, the 「提出状況」 of a round by bureau, and the staff's to-do on the admin index."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from accounts import permissions
from accounts.models import Bureau
from evaluation.achievement import assessment_warnings, kpi_statuses
from evaluation.models import EvaluationRound, EvaluationSheet
from evaluation.states import NOT_SUBMITTED, RoundStatus, SheetState
from kpis.models import ActualStatus, KpiActual, ProjectKpi
from plan.models import ProjectBureau


def deadline_label(day: datetime.date) -> str:
    """「6月30日」."""
    return f"{day.month}月{day.day}日"


@dataclass
class KpiRow:
    """One KPI on a sheet: its baseline and target, the official actual of the round's year (and
    who entered it), what this sheet proposes, its status, and the other projects sharing it."""

    kpi: object
    baseline: str
    target: str
    official: KpiActual | None
    proposed_text: str
    proposed_status: str
    status: str
    shared_with: list[str] = field(default_factory=list)


def sheet_kpi_rows(sheet: EvaluationSheet, posted: dict[int, tuple[str, str]] | None = None):
    """The KPI rows of a sheet (a constant number of queries). ``posted``: what the person typed
    (shown again after a refusal, so that nothing is lost)."""
    links = (
        ProjectKpi.objects.filter(project=sheet.project)
        .select_related("kpi")
        .prefetch_related(
            "kpi__values",
            Prefetch(
                "kpi__project_links",
                queryset=ProjectKpi.objects.select_related("project").order_by("project__code"),
            ),
        )
        .order_by("position")
    )
    kpis = [link.kpi for link in links]
    official = {
        actual.kpi_id: actual
        for actual in KpiActual.objects.filter(
            kpi__in=kpis, year=sheet.round.fiscal_year
        ).select_related("entered_by")
    }
    statuses = kpi_statuses(kpis, sheet.round.fiscal_year)
    rows = []
    for kpi in kpis:
        current = official.get(kpi.pk)
        draft = sheet.draft_actuals.get(str(kpi.pk), {})
        text = draft.get("text", current.text if current else "")
        status = draft.get("status", current.status if current else ActualStatus.PRELIMINARY)
        if posted is not None and kpi.pk in posted:
            text, status = posted[kpi.pk]
        rows.append(
            KpiRow(
                kpi=kpi,
                baseline=kpi.value_text("baseline"),
                target=kpi.value_text("target"),
                official=current,
                proposed_text=text,
                proposed_status=status,
                status=statuses[kpi.pk],
                shared_with=[
                    link.project.name
                    for link in kpi.project_links.all()
                    if link.project_id != sheet.project_id
                ],
            )
        )
    return rows, assessment_warnings(sheet.self_assessment, kpis, statuses)


@dataclass
class BureauProgress:
    bureau: Bureau
    counts: list[int]
    total: int
    overdue: int


def _state_counts(evaluation_round: EvaluationRound) -> list[tuple[int | None, str, int]]:
    """(bureau, state, sheets) of the round's sheets by their projects' bureaus, then (None, state,
    sheets) of all of them, in one query. From the round's sheets straight to their projects'
    bureau links: Django's ORM would join the projects' table in between (a lookup per sheet, a
    third of the time at x100) and group by the bureaus' names."""
    sheet, link = EvaluationSheet._meta, ProjectBureau._meta
    quote = connection.ops.quote_name
    sheets, links = quote(sheet.db_table), quote(link.db_table)
    project, round_id = (quote(sheet.get_field(name).column) for name in ("project", "round"))
    state = quote(sheet.get_field("state").column)
    bureau, link_project = (quote(link.get_field(name).column) for name in ("bureau", "project"))
    sql = (
        f"SELECT l.{bureau}, s.{state}, COUNT(*) FROM {sheets} s INNER JOIN {links} l "
        f"ON l.{link_project} = s.{project} WHERE s.{round_id} = %s GROUP BY l.{bureau}, s.{state} "
        f"UNION ALL SELECT NULL, {state}, COUNT(*) FROM {sheets} WHERE {round_id} = %s "
        f"GROUP BY {state}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [evaluation_round.pk, evaluation_round.pk])
        return cursor.fetchall()


def round_progress(evaluation_round: EvaluationRound, today: datetime.date | None = None):
    """「提出状況」: per bureau, how many of its sheets are in each state, and how many are overdue
    (not submitted after the deadline). A co-owned project counts for each of its bureaus; the
    totals count each sheet once. Two queries, whatever the number of projects: the counts
    (``_state_counts``), then the counted bureaus' names and order; the bureaus are unsaved
    ``Bureau`` objects with the name and order read."""
    today = today or timezone.localdate()
    late = today > evaluation_round.deadline
    by_bureau: dict[int, dict[str, int]] = {}
    by_state: dict[str, int] = {}
    for pk, state, n in _state_counts(evaluation_round):
        if pk is None:
            by_state[state] = n
        else:
            by_bureau.setdefault(pk, {})[state] = n
    bureaus = {
        pk: Bureau(pk=pk, name=name, display_order=display_order)
        for pk, name, display_order in Bureau.objects.filter(pk__in=by_bureau).values_list(
            "pk", "name", "display_order"
        )
    }
    rows = []
    for pk in sorted(bureaus, key=lambda pk: (bureaus[pk].display_order, bureaus[pk].name)):
        counts = [by_bureau[pk].get(state, 0) for state in SheetState.values]
        if not sum(counts):
            continue
        unsubmitted = sum(by_bureau[pk].get(state, 0) for state in NOT_SUBMITTED)
        rows.append(BureauProgress(bureaus[pk], counts, sum(counts), unsubmitted if late else 0))
    totals = [by_state.get(state, 0) for state in SheetState.values]
    overdue = sum(by_state.get(state, 0) for state in NOT_SUBMITTED) if late else 0
    return rows, BureauProgress(Bureau(name="合計"), totals, sum(totals), overdue)


@dataclass(frozen=True)
class Todo:
    evaluation_round: EvaluationRound
    unsubmitted: int
    total: int

    @property
    def label(self) -> str:
        """「令和6年度実績の評価票: 未提出 3件 (期限6月30日)」."""
        return (
            f"{self.evaluation_round.title}の評価票: 未提出 {self.unsubmitted}件 "
            f"(期限{deadline_label(self.evaluation_round.deadline)})"
        )


def todos(user) -> list[Todo]:
    """The open rounds with the sheets the user's bureaus still owe (staff), or with every
    unsubmitted sheet (coordinators). Two queries at most: the open rounds, then their sheets
    counted by round (staff: the sheets of their bureaus' projects, found through the sheets'
    (round, project) index rather than by joining every sheet to its project's bureaus)."""
    if permissions.may_manage_rounds(user):
        scope = Q()
    elif permissions.requires_approval(user):
        mine = ProjectBureau.objects.filter(bureau_id__in=permissions.user_bureau_ids(user))
        scope = Q(project_id__in=mine.values("project_id"))
    else:
        return []
    rounds = list(EvaluationRound.objects.filter(status=RoundStatus.OPEN).order_by("deadline"))
    if not rounds:
        return []
    counts = {
        round_id: (unsubmitted, total)
        for round_id, unsubmitted, total in EvaluationSheet.objects.filter(
            scope, round_id__in=[evaluation_round.pk for evaluation_round in rounds]
        )
        .values_list("round_id")
        .annotate(unsubmitted=Count("pk", filter=Q(state__in=NOT_SUBMITTED)), total=Count("pk"))
        .values_list("round_id", "unsubmitted", "total")
        .order_by()
    }
    return [Todo(r, *counts[r.pk]) for r in rounds if counts.get(r.pk, (0, 0))[1]]
