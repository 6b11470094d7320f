"""The workbook's sheets and columns, and the notation shared by writing and comparing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from kpis.models import VALUE_PARTS, ValueKind
from plan.models import Measure

# ---------------------------------------------------------------------------------------------
# シートと列

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
#: 展開後の大きさの上限 (ZIP 爆弾よけ): 圧縮後の上限のこの倍数、ただし最低 50 MB。
MAX_EXPANSION_RATIO = 30

#: Excel が式として読みうる先頭の文字。
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
    #: 見出しが必ずなければならない列か (セルが空でよいかは行ごとに決める)。
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
# 書き出しと照合で共有する表記


def measure_label(measure: Measure) -> str:
    """「(1) エネルギーの脱炭素化」。"""
    return f"({measure.number}) {measure.title}"


def circled_number(number: int) -> str:
    """1 → ①。20 を超えると「(21)」。"""
    return chr(0x2460 + number - 1) if 1 <= number <= 20 else f"({number})"


def kpi_cell_texts(kpis: Sequence[tuple[str, str, str]]) -> tuple[str, str, str]:
    """「個別プロジェクト」シートの参照用三列 (事業目標, 基準値(年度), 目標値)。

    ``kpis`` は ①②③ の順の (事業目標, 基準値の表記, 目標値の表記)。公表資料の書き方に合わせ、KPI が
    一つならそのまま、複数なら ①②③ を付けて改行でつなぐ。値がなければ「-」(複数のうち一部だけがない
    ときは「①-」)。KPI がなければ三列とも空。
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
