"""The report of a round (「進捗評価報告」): a summary by policy goal and measure (sheets by
self-assessment and final grade, KPIs by status, with bars), then every project's sheet; as a
print-friendly page and as an xlsx workbook.

``build_report`` reads everything with a constant number of queries (goals, measures, listings,
sheets with their projects' bureaus and KPIs, the year's actuals), whatever the number of projects.
"""

from __future__ import annotations

import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.utils.safestring import SafeString
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from evaluation.achievement import STATUSES, kept_kpi_statuses
from evaluation.models import EvaluationRound, EvaluationSheet
from evaluation.report_html import sheet_article
from evaluation.states import Grade
from kpis.dashboard_statuses import cyclic_collection_paused
from kpis.models import KpiActual, ProjectKpi
from plan.models import Listing, Measure, PolicyGoal, ProjectBureau

#: The width of a bar in the SVG's units (the page scales it).
BAR_WIDTH = 240
NO_GRADE = "未記入"
NOT_CONFIRMED = "未確定"
GRADE_KEYS = (*Grade.values, "")


@dataclass(frozen=True)
class Segment:
    """One part of a stacked bar: where it starts, how wide it is, its class (its colour, in the
    stylesheet: no inline style), and what it counts."""

    x: float
    width: float
    css: str
    label: str
    count: int


@dataclass
class Tally:
    """Counts for a goal, a measure or the whole round."""

    self_assessment: Counter = field(default_factory=Counter)
    final_grade: Counter = field(default_factory=Counter)
    kpi_status: Counter = field(default_factory=Counter)
    sheets: int = 0
    kpis: int = 0

    def add(self, entries: list[SheetEntry]) -> Tally:
        kpi_status: dict[int, str] = {}
        for entry in entries:
            self.self_assessment[entry.sheet.self_assessment] += 1
            self.final_grade[entry.sheet.final_grade] += 1
            kpi_status.update((row.kpi.pk, row.status) for row in entry.kpis)
        self.sheets = len(entries)
        self.kpis = len(kpi_status)
        self.kpi_status = Counter(kpi_status.values())
        return self

    def grade_rows(self, counter: Counter, none_label: str) -> list[tuple[str, str, int]]:
        return [
            (f"grade-{key or 'none'}", f"{key}" if key else none_label, counter[key])
            for key in GRADE_KEYS
        ]

    @property
    def self_assessment_rows(self):
        return self.grade_rows(self.self_assessment, NO_GRADE)

    @property
    def final_grade_rows(self):
        return self.grade_rows(self.final_grade, NOT_CONFIRMED)

    @property
    def kpi_status_rows(self):
        return [
            (f"status-{index}", status, self.kpi_status[status])
            for index, status in enumerate(STATUSES)
        ]

    @property
    def self_assessment_bar(self):
        return bar(self.self_assessment_rows)

    @property
    def final_grade_bar(self):
        return bar(self.final_grade_rows)

    @property
    def kpi_status_bar(self):
        return bar(self.kpi_status_rows)


def bar(rows: list[tuple[str, str, int]]) -> list[Segment]:
    """A stacked bar of ``BAR_WIDTH`` for the rows (css, label, count) with a count."""
    total = sum(count for _css, _label, count in rows)
    segments, x = [], 0.0
    for css, label, count in rows:
        if not count:
            continue
        width = BAR_WIDTH * count / total
        segments.append(Segment(round(x, 2), round(width, 2), css, label, count))
        x += width
    return segments


@dataclass(frozen=True)
class KpiLine:
    kpi: object
    actual: str
    status: str


@dataclass
class SheetEntry:
    sheet: EvaluationSheet
    bureaus: list[str]
    kpis: list[KpiLine]

    @property
    def article(self) -> SafeString:
        """The sheet as the report's HTML (``evaluation.report_html``)."""
        return sheet_article(self)


@dataclass
class MeasureSummary:
    measure: Measure
    tally: Tally

    @property
    def label(self) -> str:
        """「(1) 自然の適切な保全と回復」."""
        return f"({self.measure.number}) {self.measure.title}"


@dataclass
class GoalSummary:
    goal: PolicyGoal
    tally: Tally
    measures: list[MeasureSummary]
    #: The sheets of the projects whose first listing is under this goal (each sheet once).
    entries: list[SheetEntry]


@dataclass
class Report:
    evaluation_round: EvaluationRound
    total: Tally
    goals: list[GoalSummary]


@dataclass(frozen=True)
class KpiRef:
    """What the report shows of a KPI (read as plain values: one object per KPI, not per link)."""

    pk: int
    code: str
    indicator: str


#: What the report and its workbook read of a sheet and its project (only these are loaded).
SHEET_FIELDS = (
    "round_id",
    "project__code",
    "project__name",
    "state",
    "self_assessment",
    "final_grade",
    "achievements",
    "issues",
)


def _entries(evaluation_round: EvaluationRound) -> dict[int, SheetEntry]:
    """Each project's sheet with its bureaus' names and its KPIs, by project id. Queries: the
    sheets (with their projects), the bureaus' names, the KPI links with their KPIs' codes and
    indicators, ``kept_kpi_statuses``'s (the stamp; the edition's judgement when not kept) and the
    year's actuals; the bureaus and KPIs are read as plain values, by the round's projects
    (a subquery), never through a related manager per project."""
    sheets = list(
        EvaluationSheet.objects.filter(round=evaluation_round)
        .select_related("project")
        .only(*SHEET_FIELDS)
        .order_by("project__code")
    )
    in_round = EvaluationSheet.objects.filter(round=evaluation_round).values("project_id")
    bureaus: dict[int, list[str]] = defaultdict(list)
    for project_id, name in (
        ProjectBureau.objects.filter(project_id__in=in_round)
        .order_by("position")
        .values_list("project_id", "bureau__name")
    ):
        bureaus[project_id].append(name)
    links: dict[int, list[int]] = defaultdict(list)
    kpis: dict[int, KpiRef] = {}
    for project_id, kpi_id, code, indicator in (
        ProjectKpi.objects.filter(project_id__in=in_round)
        .order_by("position")
        .values_list("project_id", "kpi_id", "kpi__code", "kpi__indicator")
    ):
        links[project_id].append(kpi_id)
        if kpi_id not in kpis:
            kpis[kpi_id] = KpiRef(kpi_id, code, indicator)
    statuses = kept_kpi_statuses(
        evaluation_round.edition, kpis.values(), evaluation_round.fiscal_year
    )
    actuals = dict(
        KpiActual.objects.filter(kpi_id__in=kpis, year=evaluation_round.fiscal_year).values_list(
            "kpi_id", "text"
        )
    )
    return {
        sheet.project_id: SheetEntry(
            sheet,
            bureaus.get(sheet.project_id, []),
            [
                KpiLine(kpis[kpi_id], actuals.get(kpi_id, ""), statuses[kpi_id])
                for kpi_id in links.get(sheet.project_id, ())
            ],
        )
        for sheet in sheets
    }


def build_report(evaluation_round: EvaluationRound) -> Report:
    """The report's data (see the module's docstring for the queries). Python's cyclic garbage
    collector is paused meanwhile (``cyclic_collection_paused``): the report makes a few hundred
    thousand short-lived objects without cycles (at ×100 the 2024 edition, 9,000 sheets with their
    projects, 5,100 KPIs judged), whose collections took a fifth to a quarter of its time."""
    with cyclic_collection_paused():
        return _build_report(evaluation_round)


def _build_report(evaluation_round: EvaluationRound) -> Report:
    entries = _entries(evaluation_round)
    goals = PolicyGoal.objects.filter(edition=evaluation_round.edition_id).prefetch_related(
        Prefetch("measures", queryset=Measure.objects.order_by("number"))
    )
    # Each measure's projects in the order of its listings' numbers: plain values, not a model
    # per listing (9,700 at ×100 the 2024 edition).
    listed: dict[int, list[int]] = defaultdict(list)
    for measure_id, project_id in (
        Listing.objects.filter(measure__goal__edition=evaluation_round.edition_id)
        .order_by("number")
        .values_list("measure_id", "project_id")
    ):
        listed[measure_id].append(project_id)
    placed: set[int] = set()
    summaries = []
    for goal in goals.order_by("display_order"):
        measures, goal_projects = [], []
        in_goal: set[int] = set()
        for measure in goal.measures.all():
            projects = [pk for pk in listed.get(measure.pk, ()) if pk in entries]
            measure_entries = [entries[pk] for pk in projects]
            measures.append(MeasureSummary(measure, Tally().add(measure_entries)))
            new = [pk for pk in projects if pk not in in_goal]
            goal_projects += new
            in_goal.update(new)
        own = [pk for pk in goal_projects if pk not in placed]
        placed.update(own)
        summaries.append(
            GoalSummary(
                goal,
                Tally().add([entries[pk] for pk in goal_projects]),
                measures,
                sorted((entries[pk] for pk in own), key=lambda entry: entry.sheet.project.code),
            )
        )
    return Report(evaluation_round, Tally().add(list(entries.values())), summaries)


# --- The workbook ----------------------------------------------------------------------------


def _write_row(sheet, row: list) -> None:
    """Append a row; text starting with = + - @ stays text (never a formula)."""
    sheet.append(row)
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str) and cell.value[:1] in ("=", "+", "-", "@"):
            cell.data_type = "s"


def report_workbook(report: Report) -> bytes:
    """The report as xlsx: 「集計」 (one row per goal and measure) and 「評価票」 (one row per sheet)."""
    workbook = Workbook()
    summary = workbook.active
    summary.title = "集計"
    title = f"{report.evaluation_round.title} 進捗評価 ({report.evaluation_round.edition.title})"
    summary.append([title])
    summary["A1"].font = Font(bold=True, size=14)
    header = [
        "政策目標",
        "基本施策",
        "評価票",
        *(f"自己評価 {label}" for _c, label, _n in report.total.self_assessment_rows),
        *(f"最終評価 {label}" for _c, label, _n in report.total.final_grade_rows),
        "KPI",
        *(f"KPI {label}" for _c, label, _n in report.total.kpi_status_rows),
    ]
    summary.append(header)

    def counts(tally: Tally) -> list[int]:
        return [
            tally.sheets,
            *(n for _c, _l, n in tally.self_assessment_rows),
            *(n for _c, _l, n in tally.final_grade_rows),
            tally.kpis,
            *(n for _c, _l, n in tally.kpi_status_rows),
        ]

    for goal in report.goals:
        _write_row(summary, [goal.goal.label, "(政策目標の計)", *counts(goal.tally)])
        for measure in goal.measures:
            _write_row(
                summary,
                [
                    goal.goal.label,
                    measure.label,
                    *counts(measure.tally),
                ],
            )
    _write_row(summary, ["合計", "", *counts(report.total)])
    for cell in summary[2]:
        cell.font = Font(bold=True)
    summary.column_dimensions["A"].width = 40
    summary.column_dimensions["B"].width = 40

    sheets = workbook.create_sheet("評価票")
    sheets.append(
        [
            "政策目標",
            "事業コード",
            "事業/取組名",
            "所管局",
            "状態",
            "取組内容と成果",
            "KPI と実績値",
            "自己評価",
            "課題と今後の方向性",
            "最終評価",
        ]
    )
    for goal in report.goals:
        for entry in goal.entries:
            sheet = entry.sheet
            kpis = "\n".join(
                f"{line.kpi.code} {line.kpi.indicator}: {line.actual or '—'} ({line.status})"
                for line in entry.kpis
            )
            _write_row(
                sheets,
                [
                    goal.goal.label,
                    sheet.project.code,
                    sheet.project.name,
                    " ".join(entry.bureaus),
                    sheet.get_state_display(),
                    sheet.achievements,
                    kpis,
                    sheet.self_assessment,
                    sheet.issues,
                    sheet.final_grade,
                ],
            )
    for column, width in zip("ABCDEFGHIJ", (30, 10, 36, 16, 8, 50, 50, 8, 50, 8), strict=True):
        sheets.column_dimensions[column].width = width
    for row in sheets.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
