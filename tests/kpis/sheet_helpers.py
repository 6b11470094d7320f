"""Helpers for the yearly 「実績値」 sheet's tests: read an exported sheet, fill cells, save it."""

from __future__ import annotations

import io

from openpyxl import Workbook, load_workbook

from kpis.actual_sheet import SHEET


def sheet_rows(data: bytes) -> list[list]:
    """Every row of the 「実績値」 sheet (the header first), as values."""
    workbook = load_workbook(io.BytesIO(data))
    return [list(row) for row in workbook[SHEET].iter_rows(values_only=True)]


def fill(data: bytes, cells: dict[tuple[str, str], object]) -> bytes:
    """Set cells named by (KPI code, column header); returns the saved file."""
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook[SHEET]
    headers = [cell.value for cell in sheet[1]]
    rows = {sheet.cell(row, 1).value: row for row in range(2, sheet.max_row + 1)}
    for (code, header), value in cells.items():
        sheet.cell(rows[code], headers.index(header) + 1).value = value
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def append_row(data: bytes, values: dict[str, object]) -> bytes:
    """Add a row at the end, by column header."""
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook[SHEET]
    headers = [cell.value for cell in sheet[1]]
    row = sheet.max_row + 1
    for header, value in values.items():
        sheet.cell(row, headers.index(header) + 1).value = value
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def workbook_bytes(rows: list[list], title: str = SHEET) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
