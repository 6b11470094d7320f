"""Writing the workbook (export)."""

from __future__ import annotations

import copy
import heapq
import io
import itertools
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.filters import AutoFilter

from kpis.models import VALUE_FIELDS, Kpi, KpiValue, Period, ProjectKpi, ValueKind
from plan.models import Listing, Measure, Project, ProjectBureau
from plan.workbook.columns import (
    FORMULA_PREFIXES,
    KPI_COLUMNS,
    KPI_SHEET,
    LISTING_COLUMNS,
    LISTING_SHEET,
    NEW_MARK,
    Column,
    excel_number,
    kpi_cell_texts,
    measure_label,
)

# ---------------------------------------------------------------------------------------------
# Writing

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill(fill_type="solid", start_color="FFDDEBF7", end_color="FFDDEBF7")
_HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="center", horizontal="center")
_CELL_ALIGNMENT = Alignment(wrap_text=True, vertical="top")


#: KpiValue's columns (in the order writing reads them).


@dataclass
class _ExportData:
    """What writing needs, read in a number of queries independent of the rows (as values, no
    model instances)."""

    #: (pk, edition_id, code, name, summary, is_new)
    projects: list[tuple[int, int, str, str, str, bool]]
    bureau_names: dict[int, list[str]]
    #: project_id → [(measure_id, No)]
    listings: dict[int, list[tuple[int, int]]]
    measures: dict[int, Measure]
    #: project_id → [kpi_id] (in ①②③ order)
    project_kpis: dict[int, list[int]]
    #: kpi_id → (code, indicator)
    kpis: dict[int, tuple[str, str]]
    #: (kpi_id, kind) → KpiValue's values (in VALUE_FIELDS order)
    values: dict[tuple[int, str], tuple]
    #: The KPIs written to the 「KPI」 sheet
    sheet_kpi_ids: list[int]
    #: kpi_id → [(project_id, project_code, position)] (by 「事業コード」)
    kpi_projects: dict[int, list[tuple[int, str, int]]]

    @classmethod
    def load(cls, projects: QuerySet[Project], kpi_queryset: QuerySet[Kpi] | None) -> _ExportData:
        selected = projects.order_by().values("pk")
        project_rows = list(
            projects.order_by().values_list("pk", "edition_id", "code", "name", "summary", "is_new")
        )
        bureau_names: dict[int, list[str]] = defaultdict(list)
        for project_id, name in (
            ProjectBureau.objects.filter(project__in=selected)
            .order_by("project_id", "position")
            .values_list("project_id", "bureau__name")
        ):
            bureau_names[project_id].append(name)
        listings: dict[int, list[tuple[int, int]]] = defaultdict(list)
        listed = Listing.objects.filter(project__in=selected).order_by()
        for project_id, measure_id, number in listed.values_list(
            "project_id", "measure_id", "number"
        ):
            listings[project_id].append((measure_id, number))
        measures = {
            measure.pk: measure
            for measure in Measure.objects.filter(pk__in=listed.values("measure")).select_related(
                "goal"
            )
        }
        linked = ProjectKpi.objects.filter(project__in=selected)
        project_kpis: dict[int, list[int]] = defaultdict(list)
        for project_id, kpi_id in linked.order_by("project_id", "position").values_list(
            "project_id", "kpi_id"
        ):
            project_kpis[project_id].append(kpi_id)
        if kpi_queryset is None:
            sheet_kpis: QuerySet[Kpi] = Kpi.objects.filter(pk__in=linked.values("kpi"))
            wanted = sheet_kpis
        else:
            sheet_kpis = kpi_queryset
            wanted = Kpi.objects.filter(
                Q(pk__in=kpi_queryset.order_by().values("pk")) | Q(pk__in=linked.values("kpi"))
            )
        kpis = {
            pk: (code, indicator)
            for pk, code, indicator in wanted.order_by().values_list("pk", "code", "indicator")
        }
        sheet_kpi_ids = (
            list(kpis)
            if kpi_queryset is None
            else list(sheet_kpis.order_by().values_list("pk", flat=True))
        )
        values = {
            (kpi_id, kind): rest
            for kpi_id, kind, *rest in KpiValue.objects.filter(
                kpi__in=wanted.order_by().values("pk")
            ).values_list("kpi_id", "kind", *VALUE_FIELDS)
        }
        kpi_projects: dict[int, list[tuple[int, str, int]]] = defaultdict(list)
        for kpi_id, project_id, code, position in (
            ProjectKpi.objects.filter(kpi__in=sheet_kpis.order_by().values("pk"))
            .order_by("project__code")
            .values_list("kpi_id", "project_id", "project__code", "position")
        ):
            kpi_projects[kpi_id].append((project_id, code, position))
        return cls(
            projects=project_rows,
            bureau_names=bureau_names,
            listings=listings,
            measures=measures,
            project_kpis=project_kpis,
            kpis=kpis,
            values={key: tuple(rest) for key, rest in values.items()},
            sheet_kpi_ids=sheet_kpi_ids,
            kpi_projects=kpi_projects,
        )

    def value_text(self, kpi_id: int, kind: str) -> str:
        value = self.values.get((kpi_id, kind))
        return value[0] if value else ""


def export_workbook(
    projects: QuerySet[Project], *, kpi_queryset: QuerySet[Kpi] | None = None
) -> bytes:
    """Write projects (and KPIs) to the city's workbook (.xlsx) and return its bytes.

    ``projects`` are of one edition (a mix of editions is a ValueError). The 「個別プロジェクト」
    sheet gets every listing of the chosen projects, in published order (「政策目標」,
    「基本施策」, No.). Without ``kpi_queryset``, the 「KPI」 sheet gets the KPIs linked to the
    chosen projects. The number of queries does not depend on the rows (8, or 9 with
    ``kpi_queryset``).
    """
    data = _ExportData.load(projects, kpi_queryset)
    if len({edition_id for _pk, edition_id, *_rest in data.projects}) > 1:
        raise ValueError("一つの版の事業だけを書き出せます。版で絞り込んでください。")
    workbook = Workbook(write_only=True)
    _write_listing_sheet(workbook.create_sheet(LISTING_SHEET), data)
    _write_kpi_sheet(workbook.create_sheet(KPI_SHEET), data)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


class _CellStyle:
    """The data cells' style (wrapped, top-aligned), registered once per sheet and then copied.

    Assigning ``cell.alignment`` makes openpyxl hash and look up the Alignment for every cell
    (about a quarter of an export's time); copying the resulting style array is cheap.
    """

    def __init__(self, sheet) -> None:
        template = WriteOnlyCell(sheet)
        template.alignment = _CELL_ALIGNMENT
        self.array = template._style

    def apply(self, cell: WriteOnlyCell) -> None:
        # Shared, not copied: a write-only cell's style is only read when the sheet is written.
        # A cell whose style changes (quotePrefix) gets its own copy first (_data_cell).
        cell._style = self.array


def _data_cell(sheet, value: str | int | float | None, style: _CellStyle) -> WriteOnlyCell | None:
    """A wrapped, top-aligned cell. Illegal control characters are removed from text, and text
    whose first character could be read as a formula gets quotePrefix, fixing its type as text.
    Empty cells are not written."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = WriteOnlyCell(sheet, value)
    style.apply(cell)
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        cell._style = copy.copy(cell._style)
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def _start_sheet(sheet, columns: Sequence[Column], row_count: int) -> None:
    """The header row (bold, frozen, filtered) and column widths; write-only mode needs them
    before the first row."""
    sheet.freeze_panes = "A2"
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    last = f"{get_column_letter(len(columns))}{max(row_count, 1) + 1}"
    sheet.auto_filter = AutoFilter(ref=f"A1:{last}")
    # A write-only sheet writes no <dimension> (the range in use). Without it, openpyxl's
    # read-only mode reads the whole sheet each time it opens it, so write the known range
    # (write_top refers to it).
    sheet.calculate_dimension = lambda: f"A1:{last}"
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, column.header)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.alignment = _HEADER_ALIGNMENT
        header.append(cell)
    sheet.append(header)


def _write_listing_sheet(sheet, data: _ExportData) -> None:
    rows: list[tuple[tuple[int, int, int, str], list[str | int]]] = []
    for pk, _edition_id, code, name, summary, is_new in data.projects:
        bureaus = " ".join(data.bureau_names.get(pk, ()))
        kpi_texts = kpi_cell_texts(
            [
                (
                    data.kpis[kpi_id][1],
                    data.value_text(kpi_id, ValueKind.BASELINE),
                    data.value_text(kpi_id, ValueKind.TARGET),
                )
                for kpi_id in data.project_kpis.get(pk, ())
            ]
        )
        shown_name = f"{NEW_MARK}{name}" if is_new else name
        for measure_id, number in data.listings.get(pk, ()):
            measure = data.measures[measure_id]
            order = (measure.goal.display_order, measure.number, number, code)
            values: list[str | int] = [
                code,
                measure.goal.label,
                measure_label(measure),
                number,
                bureaus,
                shown_name,
                summary,
                *kpi_texts,
            ]
            rows.append((order, values))
    rows.sort(key=lambda item: item[0])
    _start_sheet(sheet, LISTING_COLUMNS, len(rows))
    style = _CellStyle(sheet)
    for _order, values in rows:
        sheet.append([_data_cell(sheet, value, style) for value in values])


def _kpis_in_project_order(data: _ExportData) -> list[int]:
    """An order of KPIs consistent with every project's ①②③ order (ties by 「KPIコード」).

    The import takes the KPIs' order within a project from the order of the 「KPI」 sheet's
    rows, so writing follows that order: a topological order whose edges are each project's
    order. On a contradiction (a cycle) the rest go by code (importing such a project then shows
    an order change).
    """
    code_of = {kpi_id: data.kpis[kpi_id][0] for kpi_id in data.sheet_kpi_ids}
    positions: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for kpi_id, code in code_of.items():
        for project_id, _project_code, position in data.kpi_projects.get(kpi_id, ()):
            positions[project_id].append((position, code))
    successors: dict[str, set[str]] = defaultdict(set)
    predecessor_count = dict.fromkeys(code_of.values(), 0)
    for ordered in positions.values():
        codes = [code for _position, code in sorted(ordered)]
        for before, after in itertools.pairwise(codes):
            if after not in successors[before]:
                successors[before].add(after)
                predecessor_count[after] += 1
    ready = [code for code, count in predecessor_count.items() if count == 0]
    heapq.heapify(ready)
    ordered_codes: list[str] = []
    while ready:
        code = heapq.heappop(ready)
        ordered_codes.append(code)
        for after in successors[code]:
            predecessor_count[after] -= 1
            if predecessor_count[after] == 0:
                heapq.heappush(ready, after)
    placed = set(ordered_codes)
    ordered_codes += sorted(code for code in predecessor_count if code not in placed)
    id_of = {code: kpi_id for kpi_id, code in code_of.items()}
    return [id_of[code] for code in ordered_codes]


def _value_cells(value: tuple | None) -> list[str | int | float | None]:
    if value is None:
        return [None] * len(VALUE_FIELDS)
    text, number, unit, qualifier, fiscal_year, fiscal_year_end, period = value
    return [
        text,
        excel_number(number),
        unit,
        qualifier,
        fiscal_year,
        fiscal_year_end,
        Period(period).label if period else "",
    ]


def _write_kpi_sheet(sheet, data: _ExportData) -> None:
    _start_sheet(sheet, KPI_COLUMNS, len(data.sheet_kpi_ids))
    style = _CellStyle(sheet)
    for kpi_id in _kpis_in_project_order(data):
        code, indicator = data.kpis[kpi_id]
        row = [
            code,
            indicator,
            *_value_cells(data.values.get((kpi_id, ValueKind.BASELINE))),
            *_value_cells(data.values.get((kpi_id, ValueKind.TARGET))),
            ", ".join(
                project_code for _pk, project_code, _pos in data.kpi_projects.get(kpi_id, ())
            ),
        ]
        sheet.append([_data_cell(sheet, value, style) for value in row])
