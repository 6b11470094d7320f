"""「版の比較」 as an xlsx workbook (openpyxl): a summary sheet with the counts, then one sheet per kind
of change, one row per project, listing or field difference."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from plan.editions.compare import EditionComparison

HEADER_FONT = Font(bold=True)


def _sheet(workbook: Workbook, title: str, headers: list[str], rows: list[list], widths: list[int]):
    sheet = workbook.create_sheet(title)
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = HEADER_FONT
    for row in rows:
        sheet.append(row)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    return sheet


def comparison_workbook(comparison: EditionComparison) -> bytes:
    workbook = Workbook()
    summary = workbook.active
    summary.title = "概要"
    summary.append([f"{comparison.old.title} → {comparison.new.title} の比較"])
    summary["A1"].font = HEADER_FONT
    summary.append([])
    summary.append(
        [
            "追加",
            len(comparison.added),
            "終了",
            len(comparison.ended),
            "変更",
            len(comparison.changed),
        ]
    )
    summary.append(
        ["掲載の変更", len(comparison.listings), "目標値の改訂", len(comparison.targets_revised)]
    )
    for title, counts in (("所管局別", comparison.by_bureau), ("政策目標別", comparison.by_goal)):
        summary.append([])
        summary.append([title, "追加", "終了", "変更"])
        for cell in summary[summary.max_row]:
            cell.font = HEADER_FONT
        for count in counts:
            summary.append([count.name, count.added, count.ended, count.changed])
    summary.column_dimensions["A"].width = 24
    project_headers = ["事業コード", "事業/取組名", "所管局", "政策目標", "掲載 (基本施策と No)"]
    project_widths = [12, 40, 24, 12, 40]
    for title, rows in (("追加", comparison.added), ("終了", comparison.ended)):
        _sheet(
            workbook,
            title,
            project_headers,
            [[r.code, r.name, r.bureaus, r.goals, r.listings] for r in rows],
            project_widths,
        )
    _sheet(
        workbook,
        "変更",
        ["事業コード", "事業/取組名", "所管局", "項目", "前の版", "この版"],
        [
            [c.code, c.name, c.bureaus, d.label, d.before, d.after]
            for c in comparison.changed
            for d in c.fields
        ],
        [12, 36, 24, 14, 50, 50],
    )
    _sheet(
        workbook,
        "掲載",
        ["事業コード", "事業/取組名", "変更", "前の版", "この版"],
        [[m.code, m.name, m.kind, m.before, m.after] for m in comparison.listings],
        [12, 40, 14, 36, 36],
    )
    _sheet(
        workbook,
        "KPI",
        ["KPI コード", "事業目標", "項目", "前の版", "この版"],
        [
            [k.code, k.indicator, d.label, d.before, d.after]
            for k in comparison.kpis
            for d in k.fields
        ],
        [12, 40, 14, 40, 40],
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
