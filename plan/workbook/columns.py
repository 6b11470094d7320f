"""The workbook's sheets and columns, and the notation shared by writing and comparing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from kpis.models import VALUE_PARTS, ValueKind
from plan.models import Measure

# ---------------------------------------------------------------------------------------------
# Sheets and columns

LISTING_SHEET = "個別プロジェクト"
KPI_SHEET = "KPI"
SHEET_ORDER = (LISTING_SHEET, KPI_SHEET)

CODE = "事業コード"
GOAL = "政策目標"
MEASURE = "基本施策"
NUMBER = "No"
BUREAUS = "所管局"
NAME = "事業/取組名"
SUMMARY = "概要"
INDICATOR = "事業目標"
BASELINE = "基準値(年度)"
TARGET = "目標値"

KPI_CODE = "KPIコード"
PROJECT_CODES = "事業コード"
VALUE_PART_LABELS = tuple(part.label for part in VALUE_PARTS)

NEW_MARK = "<新>"

MEGABYTE = 1024 * 1024
DEFAULT_MAX_BYTES = 20 * MEGABYTE
DEFAULT_MAX_ROWS = 20_000
#: The limit on the expanded size (against ZIP bombs): this multiple of the compressed limit,
#: at least 50 MB.
MAX_EXPANSION_RATIO = 30

#: First characters that Excel may read as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "＝", "＋", "－", "＠", "\t", "\r", "\n")

CellKind = Literal["text", "integer", "decimal"]


def value_header(kind: str, part: str) -> str:
    """「基準値 表記」「目標値 年度の意味」。"""
    return f"{ValueKind(kind).label} {part}"


@dataclass(frozen=True)
class Column:
    header: str
    kind: CellKind = "text"
    width: float = 12
    #: Whether the header must be present (whether a cell may be empty is decided per row).
    required: bool = True


LISTING_COLUMNS: tuple[Column, ...] = (
    Column(CODE, width=10),
    Column(GOAL, width=30),
    Column(MEASURE, width=30),
    Column(NUMBER, "integer", width=6),
    Column(BUREAUS, width=16),
    Column(NAME, width=32),
    Column(SUMMARY, width=60),
    Column(INDICATOR, width=36, required=False),
    Column(BASELINE, width=24, required=False),
    Column(TARGET, width=24, required=False),
)

KPI_COLUMNS: tuple[Column, ...] = (
    Column(KPI_CODE, width=10),
    Column(INDICATOR, width=40),
    *(
        Column(value_header(kind, part.label), part.cell, part.width)
        for kind in (ValueKind.BASELINE, ValueKind.TARGET)
        for part in VALUE_PARTS
    ),
    Column(PROJECT_CODES, width=24),
)

# ---------------------------------------------------------------------------------------------
# Notation shared by writing and comparing


def measure_label(measure: Measure) -> str:
    """「(1) エネルギーの脱炭素化」。"""
    return f"({measure.number}) {measure.title}"


def circled_number(number: int) -> str:
    """1 → ①; beyond 20, 「(21)」."""
    return chr(0x2460 + number - 1) if 1 <= number <= 20 else f"({number})"


def kpi_cell_texts(kpis: Sequence[tuple[str, str, str]]) -> tuple[str, str, str]:
    """The 「個別プロジェクト」 sheet's three reference columns (「事業目標」, 「基準値(年度)」,
    「目標値」).

    ``kpis`` are (「事業目標」, the 「基準値」 text, the 「目標値」 text) in ①②③ order. As in the
    published document: one KPI as it is; several numbered ①②③ and joined by line breaks. A
    missing value is 「-」 (「①-」 when only some of several are missing). Without KPIs, all
    three are empty.
    """
    if not kpis:
        return "", "", ""
    if len(kpis) == 1:
        indicator, baseline, target = kpis[0]
        return indicator, baseline or "-", target or "-"
    cells: list[str] = []
    for index in range(3):
        items = [kpi[index] for kpi in kpis]
        if index > 0 and not any(items):
            cells.append("-")
            continue
        cells.append(
            "\n".join(f"{circled_number(n)}{item or '-'}" for n, item in enumerate(items, 1))
        )
    return cells[0], cells[1], cells[2]


def format_decimal(value: Decimal | None) -> str:
    """Decimal('3.4000') → 「3.4」、Decimal('1400.0000') → 「1400」。"""
    if value is None:
        return ""
    text = format(value.normalize(), "f")
    return text


def excel_number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    if value == value.to_integral_value():
        return int(value)
    return float(value)
