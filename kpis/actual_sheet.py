"""The yearly 「実績値」 sheet as a file: its columns, its budgets, reading it safely into a
``tablib.Dataset`` for django-import-export, and writing it.

One sheet, 「実績値」, one row per KPI and fiscal year. The first columns are read only (the KPI's
code, 「事業目標」, its projects, 「基準値」, 「目標値」 and one column per past year of actuals); the
last ones are filled in by the bureau: 「実績年度」, 「表記」, 「確定状況」, 「出典・備考」.

Reading (``read_actual_sheet``) never evaluates a formula: openpyxl reads with ``data_only=False``
and any formula cell of the sheet is an error naming its row and column (django-import-export's own
xlsx reader reads the cached values, so a formula written by a program would arrive empty). The
file passes the project workbook's checks first (size, zip container, row numbers, columns, cells,
shared strings: ``plan.workbook.container``). Cell problems are collected, at most ``MAX_ERRORS``,
and the file is refused with all of them (``SheetRejected``); rows are then checked by the resource.
"""

from __future__ import annotations

import hashlib
import io
import os
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Sequence
from datetime import date, datetime, time
from typing import IO

import tablib
from import_export.formats.base_formats import XLSX
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from plan.models import CELL_TEXT_LIMIT
from plan.workbook.columns import DEFAULT_MAX_BYTES, FORMULA_PREFIXES
from plan.workbook.container import check_container, read_source, rows_of
from plan.workbook.results import MSG_CORRUPT, MSG_FORMULA, MSG_NEED_TEXT, WorkbookRejected
from plan.workbook.strings import load_workbook_read_only

SHEET = "実績値"

# Read-only columns (written for the bureau to read, ignored on import).
CODE = "KPIコード"
INDICATOR = "事業目標"
PROJECTS = "事業"
BASELINE = "基準値"
TARGET = "目標値"
PAST_PREFIX = "実績 "
# Columns the bureau fills in (imported).
YEAR = "実績年度"
TEXT = "表記"
STATUS = "確定状況"
NOTE = "出典・備考"
#: The sheet row a dataset row came from (added by the reader; not a column of the file).
ROW = "行"

IMPORTED_COLUMNS = (CODE, YEAR, TEXT, STATUS, NOTE)
REQUIRED_COLUMNS = (CODE, YEAR, TEXT)
READ_ONLY_COLUMNS = (INDICATOR, PROJECTS, BASELINE, TARGET)

# --- Budgets ------------------------------------------------------------------------------------
#: The file's size before anything is parsed.
MAX_BYTES = DEFAULT_MAX_BYTES
#: Data rows (non-empty) of the sheet: a bureau's KPIs are a few dozen, the whole plan ×100 about
#: 13,000. Row numbers beyond five times this are refused before openpyxl reads the sheet.
MAX_ROWS = 20_000
#: Errors listed for one file (the rest are counted, not listed).
MAX_ERRORS = 50

MSG_NO_SHEET = "「{sheet}」シートがありません (書き出した実績値シートを使い、シートの名前を変えないでください)。"
MSG_MISSING_COLUMN = "必須の列「{column}」がありません (見出しの名前を変えていませんか)。"
MSG_DUPLICATE_COLUMN = "同じ見出しの列「{column}」が二つあります。"
MSG_HEADER_NOT_TEXT = "見出しには列の名前を文字で入れてください。"
MSG_TOO_MANY_ROWS = (
    "「{sheet}」シートの行が多すぎます (上限 {limit:,} 行)。ファイルを分けて取り込んでください。"
)
MSG_TOO_LONG = "{length:,} 文字あります。Excel のセルに入る {limit:,} 文字以内にしてください"
MSG_NO_ROWS = "「{sheet}」シートに KPI の行がありません。"
MSG_ERROR_VALUE = "エラー値 ({value}) は取り込めません"
MSG_MORE_ERRORS = "ほかにもエラーがあります (最初の {limit} 件だけを示しました)。"


def past_header(year: int) -> str:
    """The read-only column of a past year's actuals: 「実績 2023年度」."""
    return f"{PAST_PREFIX}{year}年度"


def place(row: int | None, column: str = "") -> str:
    """「「実績値」シート 5行目「表記」列」: where a message is about."""
    text = f"「{SHEET}」シート"
    if row is not None:
        text += f" {row}行目"
    if column:
        text += f"「{column}」列"
    return text


class SheetRejected(WorkbookRejected):
    """The file cannot be imported; ``messages`` lists why (each naming its place)."""

    def __init__(self, messages: Sequence[str]) -> None:
        self.messages = list(messages)
        super().__init__("\n".join(self.messages))


def _normalize_header(value: str) -> str:
    return "".join(unicodedata.normalize("NFKC", value).split())


_KNOWN = {_normalize_header(header): header for header in IMPORTED_COLUMNS}


class _Issues:
    """Located problems, at most ``limit`` of them listed."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.messages: list[str] = []
        self.more = False

    def add(self, message: str) -> None:
        if len(self.messages) < self.limit:
            self.messages.append(message)
        else:
            self.more = True

    @property
    def full(self) -> bool:
        return self.more

    def raise_if_any(self) -> None:
        if self.messages:
            raise SheetRejected(
                self.messages + ([MSG_MORE_ERRORS.format(limit=self.limit)] if self.more else [])
            )


def _header_positions(cells: tuple, issues: _Issues, names: dict[int, str]) -> dict[str, int]:
    """The imported columns' positions; ``names`` receives every column's header (for messages)."""
    positions: dict[str, int] = {}
    for index, cell in enumerate(cells):
        value = cell.value
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if cell.data_type == "f" or not isinstance(value, str):
            issues.add(f"{place(1, get_column_letter(index + 1))}: {MSG_HEADER_NOT_TEXT}")
            continue
        names[index] = value.strip()[:40]
        header = _KNOWN.get(_normalize_header(value))
        if header is None:
            continue  # a read-only column (or a note of the bureau's own): not imported
        if header in positions:
            issues.add(f"{place(1)}: {MSG_DUPLICATE_COLUMN.format(column=header)}")
        positions[header] = index
    for column in REQUIRED_COLUMNS:
        if column not in positions:
            issues.add(f"{place(1)}: {MSG_MISSING_COLUMN.format(column=column)}")
    return positions


def _is_empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _cell_value(cell, header: str, row: int, issues: _Issues):
    """A cell as text (numbers become text; the year's cell stays as it is for its widget)."""
    value = cell.value
    if cell.data_type == "e":
        issues.add(f"{place(row, header)}: {MSG_ERROR_VALUE.format(value=value)}")
        return None
    if _is_empty(value):
        return "" if header != YEAR else None
    if header == YEAR:
        return value.strip() if isinstance(value, str) else value
    if isinstance(value, bool | date | datetime | time):
        issues.add(f"{place(row, header)}: {MSG_NEED_TEXT}")
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(text) > CELL_TEXT_LIMIT:
        issues.add(
            f"{place(row, header)}: " + MSG_TOO_LONG.format(length=len(text), limit=CELL_TEXT_LIMIT)
        )
        return ""
    return text


def read_actual_sheet(
    source: bytes | str | os.PathLike | IO[bytes],
    *,
    max_bytes: int = MAX_BYTES,
    max_rows: int = MAX_ROWS,
    max_errors: int = MAX_ERRORS,
) -> tablib.Dataset:
    """The sheet's non-empty rows as a dataset (``ROW`` + the imported columns), or
    ``WorkbookRejected``/``SheetRejected`` with Japanese messages. No database access.

    The rows of the last files read are remembered by their content (``_READ``): the 下見 and its
    confirmation read the same file, and the confirmation in the same process reads it once."""
    data = read_source(source, max_bytes)
    key = (hashlib.sha256(data).digest(), max_bytes, max_rows, max_errors)
    with _READ_LOCK:
        known = _READ.get(key)
        if known is not None:
            _READ.move_to_end(key)
    if known is None:
        known = _read_data(data, max_bytes, max_rows, max_errors)
        with _READ_LOCK:
            _READ[key] = known
            while len(_READ) > READ_REMEMBERED:
                _READ.popitem(last=False)
    headers, rows = known
    return tablib.Dataset(*rows, headers=list(headers))


#: Files whose rows are remembered (by content; each at most ``MAX_ROWS`` rows of 6 cells).
READ_REMEMBERED = 4
_READ: OrderedDict[tuple, tuple[tuple, tuple]] = OrderedDict()
_READ_LOCK = threading.Lock()


def forget_read_sheets() -> None:
    """Forget the files read (benchmarks measure a first reading)."""
    with _READ_LOCK:
        _READ.clear()


def _read_data(data: bytes, max_bytes: int, max_rows: int, max_errors: int) -> tuple[tuple, tuple]:
    """(headers, rows) of the file, or its refusal (refusals are not remembered)."""
    check_container(data, max_bytes, max_rows=max_rows)
    try:
        workbook = load_workbook_read_only(io.BytesIO(data), data_only=False, keep_links=False)
    except Exception as error:  # not readable as xlsx
        raise WorkbookRejected(MSG_CORRUPT) from error
    try:
        dataset = _read_rows(workbook, max_rows, _Issues(max_errors))
    finally:
        workbook.close()
    return tuple(dataset.headers), tuple(tuple(row) for row in dataset)


def _read_rows(workbook, max_rows: int, issues: _Issues) -> tablib.Dataset:
    if SHEET not in workbook.sheetnames:
        raise SheetRejected([MSG_NO_SHEET.format(sheet=SHEET)])
    sheet = workbook[SHEET]
    sheet.reset_dimensions()  # do not trust the size the file declares
    rows = rows_of(sheet)
    names: dict[int, str] = {}
    positions = _header_positions(next(rows, ()), issues, names)
    issues.raise_if_any()
    dataset = tablib.Dataset(headers=[ROW, *IMPORTED_COLUMNS])
    data_rows = 0
    for row_number, cells in enumerate(rows, start=2):
        if all(_is_empty(cell.value) for cell in cells):
            continue
        data_rows += 1
        if data_rows > max_rows:
            raise SheetRejected([MSG_TOO_MANY_ROWS.format(sheet=SHEET, limit=max_rows)])
        for index, cell in enumerate(cells):
            if cell.data_type == "f":
                column = names.get(index) or get_column_letter(index + 1)
                issues.add(f"{place(row_number, column)}: {MSG_FORMULA}")
        values = [row_number]
        for header in IMPORTED_COLUMNS:
            index = positions.get(header)
            if index is None or index >= len(cells) or cells[index].data_type == "f":
                values.append("" if header != YEAR else None)
            else:
                values.append(_cell_value(cells[index], header, row_number, issues))
        dataset.append(values)
        if issues.full:
            break
    issues.raise_if_any()
    if not len(dataset):
        raise SheetRejected([MSG_NO_ROWS.format(sheet=SHEET)])
    return dataset


# --- Writing --------------------------------------------------------------------------------------

_HEADER_FONT = Font(bold=True)
_READ_ONLY_FILL = PatternFill("solid", fgColor="E7E6E6")
_INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
_WRAP = Alignment(wrap_text=True, vertical="top")
_WIDTHS = {CODE: 10, INDICATOR: 36, PROJECTS: 30, BASELINE: 20, TARGET: 20, YEAR: 10, TEXT: 24}


def write_actual_sheet(dataset: tablib.Dataset, *, status_choices: Sequence[str]) -> bytes:
    """The dataset (as the export resource builds it) as an xlsx file: read-only columns grey, the
    columns to fill in yellow, 「確定状況」 offered as a list. Text that a spreadsheet would read as
    a formula (leading ``=``, ``+``, ``-``, ``@``) is stored as text, never as a formula."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET
    headers = list(dataset.headers or [])
    sheet.append(headers)
    for index, header in enumerate(headers, start=1):
        cell = sheet.cell(1, index)
        cell.font = _HEADER_FONT
        cell.fill = _INPUT_FILL if header in IMPORTED_COLUMNS[1:] else _READ_ONLY_FILL
        width = _WIDTHS.get(header, 14 if header.startswith(PAST_PREFIX) else 20)
        sheet.column_dimensions[get_column_letter(index)].width = width
    for row_index, values in enumerate(dataset, start=2):
        for column_index, value in enumerate(values, start=1):
            if value is None or value == "":
                continue
            if isinstance(value, str):
                value = ILLEGAL_CHARACTERS_RE.sub("", value)
            cell = sheet.cell(row_index, column_index, value)
            cell.alignment = _WRAP
            if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
                cell.data_type = "s"
                cell.quotePrefix = True
    sheet.freeze_panes = "B2"
    if STATUS in headers and len(dataset):
        letter = get_column_letter(headers.index(STATUS) + 1)
        validation = DataValidation(
            type="list", formula1=f'"{",".join(status_choices)}"', allow_blank=True
        )
        validation.add(f"{letter}2:{letter}{len(dataset) + 1}")
        sheet.add_data_validation(validation)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


class ActualSheetFormat(XLSX):
    """django-import-export's xlsx format, reading and writing through this module: the budgets and
    the formula rule above, and the sheet by its name (not "the active sheet")."""

    def get_title(self) -> str:
        return "xlsx (実績値シート)"

    def create_dataset(self, in_stream) -> tablib.Dataset:
        return read_actual_sheet(in_stream)

    def export_data(self, dataset, **kwargs) -> bytes:
        from kpis.models import ActualStatus

        return write_actual_sheet(dataset, status_choices=ActualStatus.labels)
