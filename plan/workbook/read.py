"""Reading the sheets into rows (no database)."""

from __future__ import annotations

import dataclasses
import io
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator, Sequence
from decimal import Decimal, InvalidOperation
from typing import IO

from django.core.exceptions import ValidationError
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from kpis.models import VALUE_PARTS, KpiValue, Period, Qualifier, ValueKind
from plan.models import CELL_TEXT_LIMIT
from plan.search import normalize_for_search as normalize_key
from plan.workbook.columns import (
    BASELINE,
    BUREAUS,
    CODE,
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_ROWS,
    GOAL,
    INDICATOR,
    KPI_CODE,
    KPI_COLUMNS,
    KPI_SHEET,
    LISTING_COLUMNS,
    LISTING_SHEET,
    MEASURE,
    NAME,
    NEW_MARK,
    NUMBER,
    PROJECT_CODES,
    SUMMARY,
    TARGET,
    Column,
    value_header,
)
from plan.workbook.container import check_container, read_source, rows_of
from plan.workbook.results import (
    MSG_CORRUPT,
    MSG_FORMULA,
    MSG_NEED_INTEGER,
    MSG_NEED_NUMBER,
    MSG_NEED_TEXT,
    MSG_REQUIRED,
    MSG_TOO_MANY_ROWS,
    Issue,
    KpiRow,
    KpiValueData,
    ListingRow,
    WorkbookContents,
    WorkbookRejected,
)

# ---------------------------------------------------------------------------------------------
# Reading: cells

#: How many projects may share one KPI (codes in one 「事業コード」 cell of the 「KPI」 sheet).
MAX_PROJECT_CODES = 1_000


def _clean_text(value: str) -> str:
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


def _is_empty(cell) -> bool:
    value = cell.value
    return value is None or (isinstance(value, str) and not value.strip())


class _RowReader:
    """Read a row's cells by header name, checking their types. Errors are collected as Issues
    with sheet, row and column."""

    def __init__(self, sheet: str, row: int, cells: tuple, columns: dict[str, int]) -> None:
        self.sheet = sheet
        self.row = row
        self.cells = cells
        self.columns = columns
        self.errors: list[Issue] = []
        self.failed: set[str] = set()

    def error(self, header: str, message: str) -> None:
        self.errors.append(Issue(message, self.sheet, self.row, header))
        self.failed.add(header)

    def _cell(self, header: str):
        index = self.columns.get(header)
        if index is None or index >= len(self.cells):
            return None
        cell = self.cells[index]
        if cell.data_type == "f":
            return None  # formulas are already errors
        if cell.data_type == "e":
            self.error(header, f"エラー値 ({cell.value}) は取り込めません")
            return None
        return cell

    def text(self, header: str, *, required: bool = False, max_length: int | None = None) -> str:
        cell = self._cell(header)
        value = None if cell is None else cell.value
        if isinstance(value, str):
            text = _clean_text(value)
        elif value is None:
            text = ""
        else:
            self.error(header, MSG_NEED_TEXT)
            return ""
        if not text and required and header not in self.failed:
            self.error(header, MSG_REQUIRED)
        elif len(text) > CELL_TEXT_LIMIT:
            self.error(
                header,
                f"{len(text):,} 文字あります。Excel のセルに入る {CELL_TEXT_LIMIT:,} 文字以内にしてください",
            )
            return ""
        elif max_length is not None and len(text) > max_length:
            self.error(header, f"{max_length} 文字以内にしてください")
            return ""
        return text

    def integer(
        self, header: str, *, required: bool = False, minimum: int = 0, maximum: int = 32767
    ) -> int | None:
        cell = self._cell(header)
        value = None if cell is None else cell.value
        if isinstance(value, str) and not value.strip():
            value = None
        if value is None:
            if required and header not in self.failed:
                self.error(header, MSG_REQUIRED)
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.error(header, MSG_NEED_NUMBER)
            return None
        if isinstance(value, float):
            if not value.is_integer():
                self.error(header, MSG_NEED_INTEGER)
                return None
            value = int(value)
        if not minimum <= value <= maximum:
            self.error(header, f"{minimum} から {maximum} までの整数を入れてください")
            return None
        return value

    def decimal(self, header: str) -> Decimal | None:
        """KpiValue.value: at most 16 digits, 4 of them after the decimal point."""
        cell = self._cell(header)
        value = None if cell is None else cell.value
        if isinstance(value, str) and not value.strip():
            value = None
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.error(header, MSG_NEED_NUMBER)
            return None
        try:
            number = Decimal(value) if isinstance(value, int) else Decimal(repr(value))
            quantized = number.quantize(Decimal("0.0001"))
        except InvalidOperation:
            self.error(header, MSG_NEED_NUMBER)
            return None
        if quantized != number:
            self.error(header, "小数点以下は 4 桁までにしてください")
            return None
        if abs(quantized) >= Decimal(10) ** 12:
            self.error(header, "数値が大きすぎます (整数部分は 12 桁まで)")
            return None
        return number


def _split_names(text: str) -> tuple[str, ...]:
    """「環境局 総務市民局」, 「P001, P003」 → a list of names (split at spaces, 「、」 and
    commas)."""
    return tuple(part for part in re.split(r"[\s、,，]+", text) if part)


_QUALIFIER_BY_KEY = {
    **{normalize_key(value): value for value in Qualifier.values},
    **{normalize_key(label): value for value, label in Qualifier.choices},
}
_PERIOD_BY_KEY = {
    **{normalize_key(value): value for value in Period.values},
    **{normalize_key(label): value for value, label in Period.choices},
}
VALUE_FIELD_LABEL = {part.field: part.label for part in VALUE_PARTS}


def _read_value(reader: _RowReader, kind: str) -> KpiValueData | None:
    """The seven columns of a 「基準値」 or 「目標値」: None when all are empty (no such value).
    The rules are KpiValue.clean()'s."""

    def header(part: str) -> str:
        return value_header(kind, part)

    errors_before = len(reader.errors)
    text = reader.text(header("表記"))
    value = reader.decimal(header("数値"))
    unit = reader.text(header("単位"), max_length=30)
    qualifier_text = reader.text(header("修飾語"))
    fiscal_year = reader.integer(header("年度"), minimum=1926, maximum=2200)
    fiscal_year_end = reader.integer(header("終了年度"), minimum=1926, maximum=2200)
    period_text = reader.text(header("年度の意味"))
    given = [text, value, unit, qualifier_text, fiscal_year, fiscal_year_end, period_text]
    if len(reader.errors) == errors_before and all(item in (None, "") for item in given):
        return None

    qualifier = _QUALIFIER_BY_KEY.get(normalize_key(qualifier_text))
    if qualifier is None:
        allowed = "・".join(Qualifier.values[1:])
        reader.error(header("修飾語"), f"修飾語は {allowed} のいずれかにしてください")
        qualifier = ""
    period = _PERIOD_BY_KEY.get(normalize_key(period_text))
    if period is None:
        allowed = "・".join(Period.labels[1:])
        reader.error(header("年度の意味"), f"年度の意味は {allowed} のいずれかにしてください")
        period = ""
    if not text and header("表記") not in reader.failed:
        reader.error(header("表記"), "表記を入れてください (基準値・目標値には公表表記が必要です)")
    data = KpiValueData(
        text=text,
        value=value,
        unit=unit,
        qualifier=qualifier,
        fiscal_year=fiscal_year,
        fiscal_year_end=fiscal_year_end,
        period=period,
    )
    candidate = KpiValue(kind=kind, **dataclasses.asdict(data))
    try:
        candidate.clean()  # the rules on combinations of values (no database access)
    except ValidationError as error:
        for field_name, messages in error.message_dict.items():
            column = header(VALUE_FIELD_LABEL.get(field_name, "表記"))
            if column not in reader.failed:
                for message in messages:
                    reader.error(column, message.rstrip("。"))
    return data


def _read_listing_row(reader: _RowReader) -> ListingRow:
    code = reader.text(CODE, required=True, max_length=20)
    goal = reader.text(GOAL, required=True)
    measure = reader.text(MEASURE, required=True)
    number = reader.integer(NUMBER, required=True, minimum=1)
    bureaus = _split_names(reader.text(BUREAUS, required=True))
    name = reader.text(NAME, required=True)
    is_new = unicodedata.normalize("NFKC", name[: len(NEW_MARK)]) == NEW_MARK
    if is_new:
        name = name[len(NEW_MARK) :].strip()
        if not name:
            reader.error(NAME, f"「{NEW_MARK}」の後に事業/取組名を入れてください")
    if len(name) > 200:
        reader.error(NAME, "200 文字以内にしてください")
        name = ""
    return ListingRow(
        row=reader.row,
        code=code,
        goal=goal,
        measure=measure,
        number=number,
        bureaus=bureaus,
        name=name,
        is_new=is_new,
        summary=reader.text(SUMMARY),
        indicator=reader.text(INDICATOR) if INDICATOR in reader.columns else None,
        baseline=reader.text(BASELINE) if BASELINE in reader.columns else None,
        target=reader.text(TARGET) if TARGET in reader.columns else None,
        errors=tuple(reader.errors),
    )


def _read_kpi_row(reader: _RowReader) -> KpiRow:
    code = reader.text(KPI_CODE, required=True, max_length=20)
    indicator = reader.text(INDICATOR, required=True)
    baseline = _read_value(reader, ValueKind.BASELINE)
    target = _read_value(reader, ValueKind.TARGET)
    project_codes = _split_names(reader.text(PROJECT_CODES))
    if len(project_codes) > MAX_PROJECT_CODES:
        reader.error(PROJECT_CODES, f"事業コードは {MAX_PROJECT_CODES:,} 個までにしてください")
        project_codes = ()
    duplicated = sorted(code for code, count in Counter(project_codes).items() if count > 1)
    if duplicated:
        reader.error(PROJECT_CODES, f"事業コード {'、'.join(duplicated)} が二度書かれています")
    return KpiRow(
        row=reader.row,
        code=code,
        indicator=indicator,
        baseline=baseline,
        target=target,
        project_codes=tuple(dict.fromkeys(project_codes)),
        errors=tuple(reader.errors),
    )


def _header_map(
    sheet_name: str, cells: tuple, columns: Sequence[Column], contents: WorkbookContents
) -> tuple[dict[str, int], bool]:
    """Column positions from the header row (False when a required column is missing). Unknown
    columns are a warning."""
    known = {normalize_key(column.header): column.header for column in columns}
    positions: dict[str, int] = {}
    for index, cell in enumerate(cells):
        if _is_empty(cell):
            continue
        if cell.data_type == "f" or not isinstance(cell.value, str):
            label = get_column_letter(index + 1)
            contents.errors.append(
                Issue("見出しには列の名前を文字で入れてください", sheet_name, 1, label)
            )
            continue
        text = _clean_text(cell.value)
        header = known.get(normalize_key(text))
        if header is None:
            contents.warnings.append(
                Issue("この列は取り込みません (知らない見出しです)", sheet_name, 1, text)
            )
        elif header in positions:
            contents.errors.append(Issue("同じ見出しの列が二つあります", sheet_name, 1, header))
        else:
            positions[header] = index
    complete = True
    for column in columns:
        if column.required and column.header not in positions:
            contents.errors.append(
                Issue(
                    f"必須の列「{column.header}」がありません (見出しの名前を変えていませんか)",
                    sheet_name,
                    1,
                )
            )
            complete = False
    return positions, complete


def _read_sheet(
    workbook, sheet_name: str, columns: Sequence[Column], max_rows: int, contents: WorkbookContents
) -> Iterator[_RowReader]:
    """The sheet's non-empty rows, one by one (headers checked and formulas refused)."""
    if sheet_name not in workbook.sheetnames:
        contents.errors.append(
            Issue(f"「{sheet_name}」シートがありません (シートの名前を変えていませんか)")
        )
        return
    sheet = workbook[sheet_name]
    sheet.reset_dimensions()  # do not trust the file's stated range; read every row
    rows = rows_of(sheet)
    header_cells = next(rows, ())
    positions, complete = _header_map(sheet_name, header_cells, columns, contents)
    if not complete:
        return
    headers_by_index = {index: header for header, index in positions.items()}
    data_rows = 0
    pending_empty = 0
    for row_number, cells in enumerate(rows, start=2):
        if all(_is_empty(cell) for cell in cells):
            pending_empty += 1
            continue
        contents.skipped_rows += pending_empty
        pending_empty = 0
        data_rows += 1
        if data_rows > max_rows:
            raise WorkbookRejected(MSG_TOO_MANY_ROWS.format(sheet=sheet_name, limit=max_rows))
        reader = _RowReader(sheet_name, row_number, cells, positions)
        for index, cell in enumerate(cells):
            if _is_empty(cell):
                continue
            header = headers_by_index.get(index)
            if cell.data_type == "f":
                reader.error(header or get_column_letter(index + 1), MSG_FORMULA)
        yield reader


def read_workbook(
    file_or_bytes: bytes | bytearray | memoryview | str | os.PathLike | IO[bytes],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_rows: int = DEFAULT_MAX_ROWS,
) -> WorkbookContents:
    """Read an uploaded workbook and return its content (row data, errors and warnings) without
    touching the database.

    ``file_or_bytes`` is bytes, a path or a file (Django's UploadedFile included). The size
    (``max_bytes``) is checked before parsing; ``max_rows`` limits data rows (blank rows aside)
    per sheet. A file that cannot be read at all raises ``WorkbookRejected`` (with a Japanese
    message).
    """
    data = read_source(file_or_bytes, max_bytes)
    check_container(data, max_bytes, max_rows=max_rows)
    try:
        workbook = load_workbook(
            io.BytesIO(data), read_only=True, data_only=False, keep_links=False
        )
    except Exception as error:  # the content cannot be read as xlsx
        raise WorkbookRejected(MSG_CORRUPT) from error
    contents = WorkbookContents()
    try:
        for reader in _read_sheet(workbook, LISTING_SHEET, LISTING_COLUMNS, max_rows, contents):
            listing_row = _read_listing_row(reader)
            contents.listing_rows.append(listing_row)
            contents.errors.extend(listing_row.errors)
        for reader in _read_sheet(workbook, KPI_SHEET, KPI_COLUMNS, max_rows, contents):
            kpi_row = _read_kpi_row(reader)
            contents.kpi_rows.append(kpi_row)
            contents.errors.extend(kpi_row.errors)
    finally:
        workbook.close()
    return contents
