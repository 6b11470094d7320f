"""市の Excel ブック (個別プロジェクト集) の書き出しと読み込み。データベースには書き込まない。

書き出すものと読み込むものは同じブック (書き出したブックをそのまま取り込める) で、二枚のシートからなる。

「個別プロジェクト」シート: 掲載一件につき一行 (複数の基本施策に掲載された事業は掲載の数だけ行がある)。
    事業コード | 政策目標 | 基本施策 | No | 所管局 | 事業/取組名 | 概要 | 事業目標 | 基準値(年度) | 目標値

    - 事業コード (Project.code) が行と事業を結び付ける。同じ事業コードの行は同じ事業の掲載で、事業そのもの
      の欄 (所管局・事業/取組名・概要) はすべての行で同じでなければならない。
    - 所管局は公表順 (ProjectBureau.position) に空白で区切る。事業/取組名の前の「<新>」は新規事業の印。
    - 行の集まりがその事業の掲載のすべて: 取り込むと、ファイルにある事業の掲載はファイルの行のとおりになる
      (書き出しは、絞り込みに関係なく、選ばれた事業の掲載をすべて書く)。ファイルにない事業は変えない。
    - 事業目標・基準値(年度)・目標値は参照用。公表資料と同じく、KPI が複数あれば ①②③ を付けて改行で
      つなぐ。取り込みでは読まず (KPI は「KPI」シートが正)、書き換えられていれば (取り込み後の KPI とも
      版のいまの KPI とも違えば) 警告する。

「KPI」シート: KPI 一件につき一行。
    KPIコード | 事業目標 | 基準値 表記・数値・単位・修飾語・年度・終了年度・年度の意味 | 目標値 (同じ七列) | 事業コード

    - 事業コードはその KPI を共有する事業のすべて (事業コード順、カンマ区切り)。取り込むと KPI の結び付き
      はこの列のとおりになる。事業の中での KPI の順序 (①②③, ProjectKpi.position) は、このシートの行の
      順。書き出しは、どの事業の順序とも矛盾しない行の順 (同順なら KPI コード順) で書く。
    - 基準値・目標値の七列がすべて空なら、その値はない。年度の意味は日本語 (年度・年度末・期間・期間累計・
      期間平均) で書く。

取り込みの規則:
    - 列は見出しの名前で探す (順序は自由。全角/半角・空白の違いは問わない)。知らない列は警告して読まない。
      必須の列がない (名前を変えた) ときはエラー。
    - 空の行は読み飛ばす。数式のセルは評価せずエラーにする (data_only=False で開き、data_type 'f' を拒む)。
      文字列の欄に数値・日付・真偽値、数値の欄に文字列があればエラー。文字列の前後の空白は除き、改行は
      LF にそろえる (管理画面のフォームと同じ)。
    - 事業コード・KPI コードで照合する。ファイルにない事業・KPI は変えない (削除しない)。政策目標・基本施策
      は作らない (版にあるものを名前と番号で探す)。
    - ファイルとして読めないもの (xlsx でない、古い .xls、パスワード保護、壊れた ZIP、大きすぎる、行が
      多すぎる) は ``WorkbookRejected`` を上げ、それ以上何もしない。大きさは解析の前に確かめる。
    - エラーは日本語で、シート・行・列を示す (例:「個別プロジェクト」シート 12行目「No」列: 数値を入れてください)。

書式の安全: 先頭が = + - @ (と全角の同じ文字、タブ、改行) の文字列は、文字列型のセル (data_type 's')
として書き、さらに quotePrefix (Excel で「'」を先頭に付けて入力したときと同じ印) を付ける。値そのもの
は変えないので、読み戻すと元の文字列になる。
"""

from __future__ import annotations

import copy
import dataclasses
import heapq
import io
import itertools
import os
import re
import unicodedata
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Literal, NamedTuple

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q, QuerySet
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.filters import AutoFilter

from accounts.models import Bureau
from kpis.models import Kpi, KpiValue, Period, ProjectKpi, Qualifier, ValueKind
from kpis.value_text import EMPTY as EMPTY_STRUCTURE
from kpis.value_text import parse_value_text
from plan.models import Edition, Listing, Measure, PolicyGoal, Project, ProjectBureau

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
VALUE_PARTS = ("表記", "数値", "単位", "修飾語", "年度", "終了年度", "年度の意味")

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

_VALUE_COLUMN_SPECS: tuple[tuple[str, CellKind, float], ...] = (
    ("表記", "text", 28),
    ("数値", "decimal", 10),
    ("単位", "text", 8),
    ("修飾語", "text", 8),
    ("年度", "integer", 8),
    ("終了年度", "integer", 10),
    ("年度の意味", "text", 12),
)

KPI_COLUMNS: tuple[Column, ...] = (
    Column(KPI_CODE, width=10),
    Column(INDICATOR, width=40),
    *(
        Column(value_header(kind, part), cell_kind, width)
        for kind in (ValueKind.BASELINE, ValueKind.TARGET)
        for part, cell_kind, width in _VALUE_COLUMN_SPECS
    ),
    Column(PROJECT_CODES, width=24),
)

# ---------------------------------------------------------------------------------------------
# メッセージ (ファイル全体を拒むもの)

MSG_EMPTY_FILE = "ファイルが空です。"
MSG_TOO_LARGE = "ファイルが大きすぎます (上限 {limit})。"
MSG_TOO_LARGE_EXPANDED = "ファイルを展開すると大きすぎます (上限 {limit})。"
MSG_NOT_XLSX = "Excel ブック (.xlsx) ではありません。Excel で「Excel ブック (*.xlsx)」形式で保存したファイルを選んでください。"
MSG_PDF = "PDF ファイルは読み込めません。書き出した Excel ブック (.xlsx) を選んでください。"
MSG_TEXT = "CSV などのテキストファイルは読み込めません。Excel で「Excel ブック (*.xlsx)」形式で保存し直してください。"
MSG_XLS = "古い形式の Excel ブック (.xls) は読み込めません。Excel で「Excel ブック (*.xlsx)」形式で保存し直してください。"
MSG_ENCRYPTED = "パスワードで保護されたブックは読み込めません。Excel でパスワードを解除してから保存し直してください。"
MSG_CORRUPT = (
    "ファイルが壊れていて読み込めません。もう一度書き出すか、Excel で開いて保存し直してください。"
)
MSG_TOO_MANY_ROWS = (
    "「{sheet}」シートの行が多すぎます (上限 {limit:,} 行)。ファイルを分けて取り込んでください。"
)

# セルのエラー
MSG_NEED_TEXT = "文字列を入れてください"
MSG_NEED_NUMBER = "数値を入れてください"
MSG_NEED_INTEGER = "整数を入れてください"
MSG_REQUIRED = "値を入れてください"
MSG_FORMULA = "数式は取り込めません。数式ではなく値を入れてください"


# ---------------------------------------------------------------------------------------------
# 結果の型


@dataclass(frozen=True)
class Issue:
    """エラーまたは警告。シート・行・列 (見出しの名前) を示す。"""

    message: str
    sheet: str = ""
    row: int | None = None
    column: str = ""

    def __str__(self) -> str:
        place = f"「{self.sheet}」シート" if self.sheet else ""
        if self.row is not None:
            place += f" {self.row}行目"
        if self.column:
            place += f"「{self.column}」列"
        return f"{place}: {self.message}" if place else self.message

    @property
    def sort_key(self) -> tuple[int, int]:
        sheet = SHEET_ORDER.index(self.sheet) if self.sheet in SHEET_ORDER else -1
        return sheet, self.row or 0


class WorkbookRejected(Exception):
    """ファイル全体を読めない (xlsx でない、大きすぎる、壊れているなど)。何も読まずに拒む。"""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class KpiValueData:
    """基準値または目標値 (KpiValue の一件分)。"""

    text: str
    value: Decimal | None = None
    unit: str = ""
    qualifier: str = ""
    fiscal_year: int | None = None
    fiscal_year_end: int | None = None
    period: str = ""


@dataclass(frozen=True)
class ListingRow:
    """「個別プロジェクト」シートの一行 (掲載一件)。読めなかった欄は空 (number は None)。"""

    row: int
    code: str
    goal: str
    measure: str
    number: int | None
    bureaus: tuple[str, ...]
    name: str
    is_new: bool
    summary: str
    #: 参照用の三列 (取り込まない)。列がなければ None。
    indicator: str | None = None
    baseline: str | None = None
    target: str | None = None
    errors: tuple[Issue, ...] = ()


@dataclass(frozen=True)
class KpiRow:
    """「KPI」シートの一行 (KPI 一件)。"""

    row: int
    code: str
    indicator: str
    baseline: KpiValueData | None
    target: KpiValueData | None
    project_codes: tuple[str, ...]
    errors: tuple[Issue, ...] = ()


@dataclass
class WorkbookContents:
    """読み込んだブックの中身 (データベースとは照合していない)。``errors`` は行のエラーも含むすべて。"""

    listing_rows: list[ListingRow] = field(default_factory=list)
    kpi_rows: list[KpiRow] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    #: 読み飛ばした空の行の数 (データの行の間にあったもの)。
    skipped_rows: int = 0

    @property
    def has_errors(self) -> bool:
        return bool(self.errors)


class Status(models.TextChoices):
    NEW = "new", "新規"
    CHANGED = "changed", "変更"
    UNCHANGED = "unchanged", "変更なし"
    ERROR = "error", "エラー"


@dataclass(frozen=True)
class FieldChange:
    """項目ごとの差分。label はモデルの verbose_name、before / after は表示用の文字列。"""

    field: str
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class ListingPlacement:
    """掲載一件: 基本施策と、その中での No。"""

    measure_id: int
    number: int


@dataclass(frozen=True)
class ProjectData:
    """取り込み後の事業の値 (適用の段階がこのとおりに保存する)。

    bureau_ids は公表順 (ProjectBureau.position = 添字 + 1)、kpi_codes は ①②③ の順
    (ProjectKpi.position = 添字 + 1)。kpi_codes には、このファイルで新しく作る KPI のコードも入る。
    """

    code: str
    name: str
    is_new: bool
    summary: str
    bureau_ids: tuple[int, ...]
    listings: tuple[ListingPlacement, ...]
    kpi_codes: tuple[str, ...]


@dataclass(frozen=True)
class ProjectPreview:
    """事業一件の判定。rows はその事業の行 (KPI の結び付きだけが変わるファイル外の事業は空)。"""

    code: str
    status: Status
    rows: tuple[int, ...]
    project_id: int | None
    data: ProjectData | None
    changes: tuple[FieldChange, ...] = ()
    errors: tuple[Issue, ...] = ()


@dataclass(frozen=True)
class KpiData:
    """取り込み後の KPI の値。project_codes はこの KPI を共有する事業のすべて (事業コード順)。"""

    code: str
    indicator: str
    baseline: KpiValueData | None
    target: KpiValueData | None
    project_codes: tuple[str, ...]


@dataclass(frozen=True)
class KpiPreview:
    code: str
    status: Status
    rows: tuple[int, ...]
    kpi_id: int | None
    data: KpiData | None
    changes: tuple[FieldChange, ...] = ()
    errors: tuple[Issue, ...] = ()


@dataclass
class Preview:
    """取り込みの下見。エラーが一つでもあれば (``has_errors``) 何も適用してはならない。

    projects: ファイルにある事業 (最初の行の順) と、ファイルにないが KPI の結び付きが変わる事業。
    kpis: 「KPI」シートの KPI (最初の行の順)。ファイルにない事業・KPI は変えない (削除はしない)。
    """

    edition_id: int
    projects: list[ProjectPreview]
    kpis: list[KpiPreview]
    errors: list[Issue]
    warnings: list[Issue]

    @property
    def has_errors(self) -> bool:
        return bool(self.errors)

    @property
    def has_changes(self) -> bool:
        return any(
            item.status in (Status.NEW, Status.CHANGED) for item in [*self.projects, *self.kpis]
        )

    def project_counts(self) -> dict[Status, int]:
        return _count(self.projects)

    def kpi_counts(self) -> dict[Status, int]:
        return _count(self.kpis)


def _count(items: Iterable[ProjectPreview | KpiPreview]) -> dict[Status, int]:
    counts = dict.fromkeys(Status, 0)
    for item in items:
        counts[item.status] += 1
    return counts


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


def _excel_number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def _normalize_key(text: str) -> str:
    """照合用: NFKC・大文字小文字を問わず・空白を除く。"""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or "").casefold())


# ---------------------------------------------------------------------------------------------
# 書き出し

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill(fill_type="solid", start_color="FFDDEBF7", end_color="FFDDEBF7")
_HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="center", horizontal="center")
_CELL_ALIGNMENT = Alignment(wrap_text=True, vertical="top")


#: KpiValue の列 (書き出しで読む順)。
_VALUE_FIELDS = (
    "text",
    "value",
    "unit",
    "qualifier",
    "fiscal_year",
    "fiscal_year_end",
    "period",
)


@dataclass
class _ExportData:
    """書き出しに要るものを、行の数によらない数の問い合わせで (モデルを作らずに値で) 読んだもの。"""

    #: (pk, edition_id, code, name, summary, is_new)
    projects: list[tuple[int, int, str, str, str, bool]]
    bureau_names: dict[int, list[str]]
    #: project_id → [(measure_id, No)]
    listings: dict[int, list[tuple[int, int]]]
    measures: dict[int, Measure]
    #: project_id → [kpi_id] (①②③ の順)
    project_kpis: dict[int, list[int]]
    #: kpi_id → (code, indicator)
    kpis: dict[int, tuple[str, str]]
    #: (kpi_id, kind) → KpiValue の値 (_VALUE_FIELDS の順)
    values: dict[tuple[int, str], tuple]
    #: 「KPI」シートに書く KPI
    sheet_kpi_ids: list[int]
    #: kpi_id → [(project_id, project_code, position)] (事業コード順)
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
            sheet_kpis = Kpi.objects.filter(pk__in=linked.values("kpi"))
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
            ).values_list("kpi_id", "kind", *_VALUE_FIELDS)
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
    """事業 (と KPI) を市のブック (.xlsx) に書き出し、その中身をバイト列で返す。

    ``projects`` は一つの版の事業 (複数の版が混ざれば ValueError)。「個別プロジェクト」シートには選ばれた
    事業の掲載をすべて、公表資料の順 (政策目標・基本施策・No) で書く。``kpi_queryset`` を省くと、選ばれた
    事業に結び付く KPI を「KPI」シートに書く。問い合わせの数は行の数によらない (8 回、
    ``kpi_queryset`` を渡すと 9 回)。
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
    """折り返し・上揃えのセル。文字列の不正な制御文字は除き、式と読まれうる先頭の文字には
    quotePrefix を付けて型を文字列に固定する。空のセルは書かない。"""
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
    """見出し行 (太字・固定・フィルタ) と列幅。write-only では最初の行より前に決める。"""
    sheet.freeze_panes = "A2"
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    last = f"{get_column_letter(len(columns))}{max(row_count, 1) + 1}"
    sheet.auto_filter = AutoFilter(ref=f"A1:{last}")
    # write-only のシートは <dimension> (使っている範囲) を書かない。openpyxl の read-only はそれが
    # ないとシートを開くたびに全体を一度読むので、分かっている範囲を書かせる (write_top が参照する)。
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
            values = [
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
    """どの事業の ①②③ の順とも矛盾しない KPI の並び (同順なら KPI コード順)。

    取り込みでは事業の中の KPI の順を「KPI」シートの行の順から決めるので、書き出しもその順に並べる。
    事業ごとの順序を辺とする位相順。矛盾 (循環) があれば残りをコード順に並べる (その事業は取り込むと
    順序の変更として現れる)。
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
        return [None] * len(VALUE_PARTS)
    text, number, unit, qualifier, fiscal_year, fiscal_year_end, period = value
    return [
        text,
        _excel_number(number),
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


# ---------------------------------------------------------------------------------------------
# 読み込み: ファイルの確かめ

_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")


def _format_size(size: int) -> str:
    if size >= MEGABYTE:
        megabytes = size / MEGABYTE
        return f"{megabytes:.0f} MB" if megabytes == int(megabytes) else f"{megabytes:.1f} MB"
    return f"{size:,} バイト"


def _too_large(limit: int) -> WorkbookRejected:
    return WorkbookRejected(MSG_TOO_LARGE.format(limit=_format_size(limit)))


def _read_source(
    source: bytes | bytearray | memoryview | str | os.PathLike | IO[bytes], max_bytes: int
) -> bytes:
    """ファイルの中身を、上限を超えないことを確かめてから読む (解析の前)。"""
    if isinstance(source, bytes | bytearray | memoryview):
        if len(source) > max_bytes:
            raise _too_large(max_bytes)
        return bytes(source)
    if isinstance(source, str | os.PathLike):
        if os.path.getsize(source) > max_bytes:
            raise _too_large(max_bytes)
        with open(source, "rb") as file:
            return file.read()
    size = getattr(source, "size", None)  # Django の UploadedFile
    if isinstance(size, int) and size > max_bytes:
        raise _too_large(max_bytes)
    if hasattr(source, "seek"):
        source.seek(0)
    data = source.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise _too_large(max_bytes)
    return data


def _looks_like_text(data: bytes) -> bool:
    head = data[:4096]
    if b"\x00" in head:
        return False
    for encoding in ("utf-8", "cp932"):
        try:
            head.decode(encoding)
        except UnicodeDecodeError as error:
            if error.start >= len(head) - 3:  # 先頭 4 KB の切れ目で文字が割れただけ
                return True
            continue
        return True
    return False


def _check_container(data: bytes, max_bytes: int) -> None:
    """xlsx (ZIP の中に xl/workbook.xml) であることを、openpyxl に渡す前に確かめる。"""
    if not data:
        raise WorkbookRejected(MSG_EMPTY_FILE)
    if data.startswith(_OLE2_MAGIC):
        # 古い .xls も、パスワードで保護 (暗号化) した xlsx も OLE2 の入れ物。後者は EncryptedPackage を持つ。
        raise WorkbookRejected(MSG_ENCRYPTED if _ENCRYPTED_PACKAGE in data else MSG_XLS)
    if data.startswith(b"%PDF"):
        raise WorkbookRejected(MSG_PDF)
    if not data.startswith(b"PK"):
        raise WorkbookRejected(MSG_TEXT if _looks_like_text(data) else MSG_NOT_XLSX)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as error:
        raise WorkbookRejected(MSG_CORRUPT) from error
    names = {entry.filename for entry in entries}
    if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
        raise WorkbookRejected(MSG_NOT_XLSX)
    if any(entry.flag_bits & 0x1 for entry in entries):
        raise WorkbookRejected(MSG_ENCRYPTED)
    expanded_limit = max(max_bytes * MAX_EXPANSION_RATIO, 50 * MEGABYTE)
    if sum(entry.file_size for entry in entries) > expanded_limit:
        raise WorkbookRejected(MSG_TOO_LARGE_EXPANDED.format(limit=_format_size(expanded_limit)))


def _rows_of(sheet) -> Iterator[tuple]:
    """シートの行。openpyxl が中身を読めなければ (壊れた ZIP や XML) ファイル全体を拒む。"""
    rows = sheet.iter_rows()
    while True:
        try:
            cells = next(rows)
        except StopIteration:
            return
        except Exception as error:  # openpyxl の内部で信頼できない中身を読んでいる
            raise WorkbookRejected(MSG_CORRUPT) from error
        yield cells


# ---------------------------------------------------------------------------------------------
# 読み込み: セル


def _clean_text(value: str) -> str:
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


def _is_empty(cell) -> bool:
    value = cell.value
    return value is None or (isinstance(value, str) and not value.strip())


class _RowReader:
    """一行のセルを、見出しの名前で型を確かめながら読む。エラーはシート・行・列の付いた Issue に集める。"""

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
            return None  # 数式はすでにエラーにしてある
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
        """KpiValue.value: 全体 16 桁、小数点以下 4 桁まで。"""
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
    """「環境局 総務市民局」「P001, P003」→ 名前の並び (空白・読点・カンマで区切る)。"""
    return tuple(part for part in re.split(r"[\s、,，]+", text) if part)


_QUALIFIER_BY_KEY = {
    **{_normalize_key(value): value for value in Qualifier.values},
    **{_normalize_key(label): value for value, label in Qualifier.choices},
}
_PERIOD_BY_KEY = {
    **{_normalize_key(value): value for value in Period.values},
    **{_normalize_key(label): value for value, label in Period.choices},
}
_VALUE_FIELD_PART = {
    "text": "表記",
    "value": "数値",
    "unit": "単位",
    "qualifier": "修飾語",
    "fiscal_year": "年度",
    "fiscal_year_end": "終了年度",
    "period": "年度の意味",
}


def _read_value(reader: _RowReader, kind: str) -> KpiValueData | None:
    """基準値または目標値の七列。すべて空なら None (その値はない)。規則は KpiValue.clean() と同じ。"""

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

    qualifier = _QUALIFIER_BY_KEY.get(_normalize_key(qualifier_text))
    if qualifier is None:
        allowed = "・".join(Qualifier.values[1:])
        reader.error(header("修飾語"), f"修飾語は {allowed} のいずれかにしてください")
        qualifier = ""
    period = _PERIOD_BY_KEY.get(_normalize_key(period_text))
    if period is None:
        allowed = "・".join(Period.labels[1:])
        reader.error(header("年度の意味"), f"年度の意味は {allowed} のいずれかにしてください")
        period = ""
    if not text and header("表記") not in reader.failed:
        reader.error(header("表記"), "表記を入れてください (基準値・目標値には公表表記が必要です)")
    candidate = KpiValue(
        kind=kind,
        text=text,
        value=value,
        unit=unit,
        qualifier=qualifier,
        fiscal_year=fiscal_year,
        fiscal_year_end=fiscal_year_end,
        period=period,
    )
    try:
        candidate.clean()  # 値の組み合わせの規則 (データベースには触れない)
    except ValidationError as error:
        for field_name, messages in error.message_dict.items():
            column = header(_VALUE_FIELD_PART.get(field_name, "表記"))
            if column not in reader.failed:
                for message in messages:
                    reader.error(column, message.rstrip("。"))
    return KpiValueData(
        text=text,
        value=value,
        unit=unit,
        qualifier=qualifier,
        fiscal_year=fiscal_year,
        fiscal_year_end=fiscal_year_end,
        period=period,
    )


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
    duplicated = sorted({c for c in project_codes if project_codes.count(c) > 1})
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
    """見出し行から列の位置を決める。必須の列が欠ければ (False)。知らない列は警告。"""
    known = {_normalize_key(column.header): column.header for column in columns}
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
        header = known.get(_normalize_key(text))
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
    """シートの空でない行を一つずつ (見出しの確かめと数式の拒否を済ませて) 返す。"""
    if sheet_name not in workbook.sheetnames:
        contents.errors.append(
            Issue(f"「{sheet_name}」シートがありません (シートの名前を変えていませんか)")
        )
        return
    sheet = workbook[sheet_name]
    sheet.reset_dimensions()  # ファイルの記す範囲を信じず、すべての行を読む
    rows = _rows_of(sheet)
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
    """アップロードされたブックを読み、データベースに触れずに中身 (行のデータとエラー・警告) を返す。

    ``file_or_bytes`` はバイト列、パス、またはファイル (Django の UploadedFile を含む)。大きさ
    (``max_bytes``) は解析の前に確かめる。``max_rows`` はシートごとのデータ行 (空の行を除く) の上限。
    ファイル全体を読めないときは ``WorkbookRejected`` (日本語のメッセージ付き) を上げる。
    """
    data = _read_source(file_or_bytes, max_bytes)
    _check_container(data, max_bytes)
    try:
        workbook = load_workbook(
            io.BytesIO(data), read_only=True, data_only=False, keep_links=False
        )
    except Exception as error:  # 中身が xlsx として読めない
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


# ---------------------------------------------------------------------------------------------
# データベースとの照合


class _StoredProject(NamedTuple):
    pk: int
    code: str
    name: str
    summary: str
    is_new: bool


class _StoredKpi(NamedTuple):
    pk: int
    code: str
    indicator: str


class _StoredValue(NamedTuple):
    """KpiValue の値 (属性の名前はモデルと同じ)。"""

    text: str
    value: Decimal | None
    unit: str
    qualifier: str
    fiscal_year: int | None
    fiscal_year_end: int | None
    period: str


@dataclass
class _DatabaseState:
    """版の中身を一度に (一定の数の問い合わせで、事業や KPI はモデルを作らず値で) 読んだもの。
    照合はこの上でだけ行う。"""

    goals: list[PolicyGoal]
    measures: dict[int, Measure]
    bureaus: dict[int, Bureau]
    projects: dict[str, _StoredProject]
    bureau_ids: dict[int, list[int]]
    listings: dict[int, set[tuple[int, int]]]
    kpi_codes: dict[int, list[str]]
    kpis: dict[str, _StoredKpi]
    values: dict[int, dict[str, _StoredValue]]
    project_codes_by_kpi: dict[int, set[str]]

    @classmethod
    def load(cls, edition: Edition) -> _DatabaseState:
        goals = list(PolicyGoal.objects.filter(edition=edition))
        goals_by_id = {goal.pk: goal for goal in goals}
        measures = {}
        for measure in Measure.objects.filter(goal__edition=edition):
            measure.goal = goals_by_id[measure.goal_id]
            measures[measure.pk] = measure
        projects = {
            row[1]: _StoredProject(*row)
            for row in Project.objects.filter(edition=edition)
            .order_by()
            .values_list("pk", "code", "name", "summary", "is_new")
        }
        code_by_id = {project.pk: project.code for project in projects.values()}
        bureau_ids: dict[int, list[int]] = defaultdict(list)
        for project_id, bureau_id in (
            ProjectBureau.objects.filter(project__edition=edition)
            .order_by("project", "position")
            .values_list("project_id", "bureau_id")
        ):
            bureau_ids[project_id].append(bureau_id)
        listings: dict[int, set[tuple[int, int]]] = defaultdict(set)
        for project_id, measure_id, number in (
            Listing.objects.filter(project__edition=edition)
            .order_by()
            .values_list("project_id", "measure_id", "number")
        ):
            listings[project_id].add((measure_id, number))
        kpis = {
            row[1]: _StoredKpi(*row)
            for row in Kpi.objects.filter(edition=edition)
            .order_by()
            .values_list("pk", "code", "indicator")
        }
        kpi_code_by_id = {kpi.pk: kpi.code for kpi in kpis.values()}
        kpi_codes: dict[int, list[str]] = defaultdict(list)
        project_codes_by_kpi: dict[int, set[str]] = defaultdict(set)
        for project_id, kpi_id in (
            ProjectKpi.objects.filter(project__edition=edition)
            .order_by("project", "position")
            .values_list("project_id", "kpi_id")
        ):
            kpi_codes[project_id].append(kpi_code_by_id[kpi_id])
            project_codes_by_kpi[kpi_id].add(code_by_id[project_id])
        values: dict[int, dict[str, _StoredValue]] = defaultdict(dict)
        for kpi_id, kind, *fields in (
            KpiValue.objects.filter(kpi__edition=edition)
            .order_by()
            .values_list("kpi_id", "kind", *_VALUE_FIELDS)
        ):
            values[kpi_id][kind] = _StoredValue(*fields)
        return cls(
            goals=goals,
            measures=measures,
            bureaus={bureau.pk: bureau for bureau in Bureau.objects.all()},
            projects=projects,
            bureau_ids=bureau_ids,
            listings=listings,
            kpi_codes=kpi_codes,
            kpis=kpis,
            values=values,
            project_codes_by_kpi=project_codes_by_kpi,
        )


def _field_label(model: type[models.Model], name: str) -> str:
    return str(model._meta.get_field(name).verbose_name)


def _yes_no(value: bool) -> str:
    return "はい" if value else "いいえ"


def _value_display(field_name: str, value: object) -> str:
    if value is None:
        return ""
    if field_name == "value":
        return format_decimal(value)  # type: ignore[arg-type]
    if field_name == "period":
        return Period(value).label if value else ""
    return str(value)


_MEASURE_PATTERN = re.compile(r"^\(\s*(?P<number>\d+)\s*\)\s*(?P<title>.*)$", re.DOTALL)


class _Comparison:
    """ファイルの中身と版の中身を突き合わせる (メモリ上だけで)。"""

    def __init__(self, contents: WorkbookContents, state: _DatabaseState) -> None:
        self.contents = contents
        self.state = state
        self.goal_by_key: dict[str, PolicyGoal] = {}
        for goal in state.goals:
            keys = [goal.label, goal.title, goal.short_label]
            if goal.code:
                keys.append(f"政策目標{goal.code}")
            for key in keys:
                self.goal_by_key.setdefault(_normalize_key(key), goal)
        self.measure_by_number = {
            (measure.goal_id, measure.number): measure for measure in state.measures.values()
        }
        self.bureau_by_key = {
            _normalize_key(bureau.name): bureau for bureau in state.bureaus.values()
        }
        #: 行番号 → 解決できた基本施策 (build_project が記録し、check_numbers が使う)。
        self.row_measures: dict[int, Measure] = {}
        self.project_errors: dict[str, list[Issue]] = defaultdict(list)
        self.kpi_errors: dict[str, list[Issue]] = defaultdict(list)
        self.warnings: list[Issue] = []

    # 事業 ----------------------------------------------------------------------------------

    def group_listing_rows(self) -> dict[str, list[ListingRow]]:
        groups: dict[str, list[ListingRow]] = {}
        for row in self.contents.listing_rows:
            if row.code:
                groups.setdefault(row.code, []).append(row)
        return groups

    def resolve_measure(self, row: ListingRow) -> Measure | None:
        errors = self.project_errors[row.code]
        if not row.goal or not row.measure:
            return None
        goal = self.goal_by_key.get(_normalize_key(row.goal))
        if goal is None:
            errors.append(
                Issue(f"政策目標「{row.goal}」はこの版にありません", LISTING_SHEET, row.row, GOAL)
            )
            return None
        text = unicodedata.normalize("NFKC", row.measure).strip()
        match = _MEASURE_PATTERN.match(text)
        if match:
            measure = self.measure_by_number.get((goal.pk, int(match["number"])))
            title = match["title"]
        else:
            measure = next(
                (
                    m
                    for m in self.state.measures.values()
                    if m.goal_id == goal.pk and _normalize_key(m.title) == _normalize_key(text)
                ),
                None,
            )
            title = ""
        if measure is None:
            errors.append(
                Issue(
                    f"基本施策「{row.measure}」は「{goal.label}」にありません",
                    LISTING_SHEET,
                    row.row,
                    MEASURE,
                )
            )
            return None
        if title and _normalize_key(title) != _normalize_key(measure.title):
            errors.append(
                Issue(
                    f"基本施策の名称がこの版の「{measure_label(measure)}」と一致しません",
                    LISTING_SHEET,
                    row.row,
                    MEASURE,
                )
            )
            return None
        return measure

    def resolve_bureaus(self, row: ListingRow) -> tuple[int, ...] | None:
        ids: list[int] = []
        ok = True
        for name in row.bureaus:
            bureau = self.bureau_by_key.get(_normalize_key(name))
            if bureau is None:
                self.project_errors[row.code].append(
                    Issue(f"所管局「{name}」は登録されていません", LISTING_SHEET, row.row, BUREAUS)
                )
                ok = False
            elif bureau.pk in ids:
                self.project_errors[row.code].append(
                    Issue(f"所管局「{name}」が二度書かれています", LISTING_SHEET, row.row, BUREAUS)
                )
                ok = False
            else:
                ids.append(bureau.pk)
        return tuple(ids) if ok and ids else None

    def check_rows_agree(self, code: str, rows: list[ListingRow]) -> None:
        """同じ事業の行は、事業そのものの欄 (所管局・事業/取組名・概要) が同じでなければならない。"""
        first = rows[0]
        for row in rows[1:]:
            differing = [
                header
                for header, same in (
                    (
                        BUREAUS,
                        [_normalize_key(b) for b in row.bureaus]
                        == [_normalize_key(b) for b in first.bureaus],
                    ),
                    (NAME, (row.name, row.is_new) == (first.name, first.is_new)),
                    (SUMMARY, row.summary == first.summary),
                )
                if not same
            ]
            for header in differing:
                self.project_errors[code].append(
                    Issue(
                        f"同じ事業コード {code} の {first.row}行目と内容が異なります "
                        "(同じ事業の行はすべて同じ内容にしてください)",
                        LISTING_SHEET,
                        row.row,
                        header,
                    )
                )

    def build_project(self, code: str, rows: list[ListingRow]) -> ProjectData | None:
        self.check_rows_agree(code, rows)
        first = rows[0]
        bureau_ids = self.resolve_bureaus(first)
        placements: list[ListingPlacement] = []
        rows_by_measure: dict[int, int] = {}
        complete = bureau_ids is not None and bool(first.name)
        for row in rows:
            measure = self.resolve_measure(row)
            if measure is None or row.number is None:
                complete = False
                continue
            if measure.pk in rows_by_measure:
                self.project_errors[code].append(
                    Issue(
                        f"この事業は {rows_by_measure[measure.pk]}行目で同じ基本施策に掲載されています",
                        LISTING_SHEET,
                        row.row,
                        MEASURE,
                    )
                )
                complete = False
                continue
            rows_by_measure[measure.pk] = row.row
            self.row_measures[row.row] = measure
            placements.append(ListingPlacement(measure.pk, row.number))
        if not complete or bureau_ids is None or any(row.errors for row in rows):
            return None  # 読めなかった欄があれば値を組み立てない (空の欄を差分と見誤らないため)
        return ProjectData(
            code=code,
            name=first.name,
            is_new=first.is_new,
            summary=first.summary,
            bureau_ids=bureau_ids,
            listings=tuple(placements),
            kpi_codes=(),
        )

    def check_names(
        self, groups: dict[str, list[ListingRow]], data: dict[str, ProjectData]
    ) -> None:
        """版の中で事業/取組名は一つの事業にしか使えない (取り込んだ後の状態で確かめる)。"""
        owner: dict[str, str] = {
            project.name: code
            for code, project in self.state.projects.items()
            if code not in groups
        }
        for code, project in data.items():
            other = owner.get(project.name)
            if other is not None and other != code:
                self.project_errors[code].append(
                    Issue(
                        f"事業/取組名「{project.name}」は事業コード {other} の事業と同じです "
                        "(版の中で同じ名前は一つの事業にしか使えません)",
                        LISTING_SHEET,
                        groups[code][0].row,
                        NAME,
                    )
                )
            else:
                owner[project.name] = code

    def check_numbers(
        self, groups: dict[str, list[ListingRow]], data: dict[str, ProjectData]
    ) -> None:
        """取り込んだ後に、一つの基本施策の中で No が重ならないこと。"""
        occupants: dict[tuple[int, int], list[tuple[str, int | None]]] = defaultdict(list)
        for code, project in self.state.projects.items():
            if code not in groups:
                for measure_id, number in self.state.listings.get(project.pk, ()):
                    occupants[(measure_id, number)].append((code, None))
        for code, project in data.items():
            rows_by_measure = {
                self.row_measures[row.row].pk: row.row
                for row in groups[code]
                if row.row in self.row_measures
            }
            for placement in project.listings:
                occupants[(placement.measure_id, placement.number)].append(
                    (code, rows_by_measure.get(placement.measure_id))
                )
        names = {code: project.name for code, project in data.items()}
        for (measure_id, number), entries in occupants.items():
            if len(entries) < 2:
                continue
            measure = self.state.measures[measure_id]
            for code, row_number in entries:
                if row_number is None:
                    continue
                others = "、".join(
                    f"「{names.get(other) or self.state.projects[other].name}」({other})"
                    for other, _row in entries
                    if other != code
                )
                self.project_errors[code].append(
                    Issue(
                        f"「{measure.goal.short_label} {measure_label(measure)}」の No {number} が "
                        f"{others} と重なっています",
                        LISTING_SHEET,
                        row_number,
                        NUMBER,
                    )
                )

    def project_changes(
        self, project: _StoredProject, data: ProjectData
    ) -> tuple[FieldChange, ...]:
        state = self.state
        changes: list[FieldChange] = []
        if project.name != data.name:
            changes.append(
                FieldChange("name", _field_label(Project, "name"), project.name, data.name)
            )
        if project.is_new != data.is_new:
            changes.append(
                FieldChange(
                    "is_new",
                    _field_label(Project, "is_new"),
                    _yes_no(project.is_new),
                    _yes_no(data.is_new),
                )
            )
        if project.summary != data.summary:
            changes.append(
                FieldChange(
                    "summary", _field_label(Project, "summary"), project.summary, data.summary
                )
            )
        before_bureaus = tuple(state.bureau_ids.get(project.pk, ()))
        if before_bureaus != data.bureau_ids:
            changes.append(
                FieldChange(
                    "bureaus",
                    _field_label(Project, "bureaus"),
                    self._bureau_names(before_bureaus),
                    self._bureau_names(data.bureau_ids),
                )
            )
        before_listings = state.listings.get(project.pk, set())
        after_listings = {(p.measure_id, p.number) for p in data.listings}
        if before_listings != after_listings:
            changes.append(
                FieldChange(
                    "listings",
                    str(Listing._meta.verbose_name),
                    self._listing_labels(before_listings),
                    self._listing_labels(after_listings),
                )
            )
        before_kpis = tuple(state.kpi_codes.get(project.pk, ()))
        if before_kpis != data.kpi_codes:
            changes.append(self._kpi_link_change(before_kpis, data.kpi_codes))
        return tuple(changes)

    @staticmethod
    def _kpi_link_change(before: Sequence[str], after: Sequence[str]) -> FieldChange:
        return FieldChange(
            "kpis", str(ProjectKpi._meta.verbose_name), ", ".join(before), ", ".join(after)
        )

    def _bureau_names(self, ids: Iterable[int]) -> str:
        return " ".join(self.state.bureaus[pk].name for pk in ids)

    def _listing_labels(self, placements: Iterable[tuple[int, int]]) -> str:
        def order(item: tuple[int, int]) -> tuple[int, int, int]:
            measure = self.state.measures[item[0]]
            return measure.goal.display_order, measure.number, item[1]

        labels = []
        for measure_id, number in sorted(placements, key=order):
            measure = self.state.measures[measure_id]
            labels.append(f"{measure.goal.short_label}-({measure.number}) No{number}")
        return ", ".join(labels)

    # KPI ------------------------------------------------------------------------------------

    def group_kpi_rows(self, known_projects: set[str]) -> dict[str, list[KpiRow]]:
        groups: dict[str, list[KpiRow]] = {}
        for row in self.contents.kpi_rows:
            if not row.code:
                continue
            if row.code in groups:
                first = groups[row.code][0]
                self.kpi_errors[row.code].append(
                    Issue(
                        f"KPIコード {row.code} は {first.row}行目と重複しています",
                        KPI_SHEET,
                        row.row,
                        KPI_CODE,
                    )
                )
            groups.setdefault(row.code, []).append(row)
            for code in row.project_codes:
                if code not in known_projects:
                    self.kpi_errors[row.code].append(
                        Issue(
                            f"事業コード {code} の事業はこの版になく、「{LISTING_SHEET}」シートにもありません",
                            KPI_SHEET,
                            row.row,
                            PROJECT_CODES,
                        )
                    )
            if not row.project_codes and not row.errors:
                self.warnings.append(
                    Issue("どの事業にも結び付いていません", KPI_SHEET, row.row, PROJECT_CODES)
                )
        return groups

    def kpi_changes(self, kpi: _StoredKpi, data: KpiData) -> tuple[FieldChange, ...]:
        changes: list[FieldChange] = []
        if kpi.indicator != data.indicator:
            changes.append(
                FieldChange(
                    "indicator", _field_label(Kpi, "indicator"), kpi.indicator, data.indicator
                )
            )
        stored = self.state.values.get(kpi.pk, {})
        for kind, given in ((ValueKind.BASELINE, data.baseline), (ValueKind.TARGET, data.target)):
            before = stored.get(kind)
            for field_name in _VALUE_FIELD_PART:
                old = getattr(before, field_name) if before is not None else None
                new = getattr(given, field_name) if given is not None else None
                if _value_display(field_name, old) != _value_display(field_name, new):
                    changes.append(
                        FieldChange(
                            f"{kind}.{field_name}",
                            f"{ValueKind(kind).label} {_field_label(KpiValue, field_name)}",
                            _value_display(field_name, old),
                            _value_display(field_name, new),
                        )
                    )
        before_projects = sorted(self.state.project_codes_by_kpi.get(kpi.pk, ()))
        if tuple(before_projects) != data.project_codes:
            changes.append(
                FieldChange(
                    "projects",
                    _field_label(Kpi, "projects"),
                    ", ".join(before_projects),
                    ", ".join(data.project_codes),
                )
            )
        return tuple(changes)

    def kpi_texts(self, code: str, kpi_groups: dict[str, list[KpiRow]]) -> tuple[str, str, str]:
        """KPI の (事業目標, 基準値の表記, 目標値の表記)。ファイルにあればファイルの、なければ版のもの。"""
        if code in kpi_groups:
            row = kpi_groups[code][0]
            return (
                row.indicator,
                row.baseline.text if row.baseline else "",
                row.target.text if row.target else "",
            )
        kpi = self.state.kpis[code]
        values = self.state.values.get(kpi.pk, {})
        baseline, target = values.get(ValueKind.BASELINE), values.get(ValueKind.TARGET)
        return kpi.indicator, baseline.text if baseline else "", target.text if target else ""

    def check_reference_columns(
        self, row: ListingRow, accepted: Iterable[tuple[str, str, str]]
    ) -> None:
        """参照用の三列 (事業目標・基準値(年度)・目標値) は取り込まない。取り込み後の KPI とも、版の
        いまの KPI とも違う (= 書き換えられた) ときだけ、KPI は「KPI」シートで変えるよう警告する。"""
        accepted = list(accepted)
        for index, (header, given) in enumerate(
            ((INDICATOR, row.indicator), (BASELINE, row.baseline), (TARGET, row.target))
        ):
            if given is None or any(given == texts[index] for texts in accepted):
                continue
            self.warnings.append(
                Issue(
                    f"この列は参照用で取り込みません。KPI は「{KPI_SHEET}」シートで変えてください",
                    LISTING_SHEET,
                    row.row,
                    header,
                )
            )
            return

    def check_structured_values(self, row: KpiRow, kpi: _StoredKpi | None) -> None:
        """表記から読み取れる値と構造化欄が食い違えば警告する (新しい値・変わった値だけ)。"""
        stored = self.state.values.get(kpi.pk, {}) if kpi is not None else {}
        for kind, given in ((ValueKind.BASELINE, row.baseline), (ValueKind.TARGET, row.target)):
            if given is None:
                continue
            before = stored.get(kind)
            if before is not None and _value_tuple(before) == _value_tuple(given):
                continue
            parsed = parse_value_text(given.text)
            if parsed == EMPTY_STRUCTURE:
                continue
            if (
                parsed.value,
                parsed.unit,
                parsed.qualifier,
                parsed.fiscal_year,
                parsed.fiscal_year_end,
                parsed.period,
            ) != _value_tuple(given)[1:]:
                self.warnings.append(
                    Issue(
                        "表記から読み取れる数値・単位・修飾語・年度が、その右の欄と一致しません。確かめてください",
                        KPI_SHEET,
                        row.row,
                        value_header(kind, "表記"),
                    )
                )


def _value_tuple(value: _StoredValue | KpiValueData) -> tuple:
    return (
        value.text,
        value.value,
        value.unit,
        value.qualifier,
        value.fiscal_year,
        value.fiscal_year_end,
        value.period,
    )


def _merge_kpi_order(
    db_codes: Sequence[str], file_codes: Sequence[str], in_file: set[str]
) -> tuple[str, ...]:
    """事業の KPI の並び: ファイルにない KPI は元の位置に残し、ファイルにある KPI の位置には
    ファイルの行の順に並べ、新しく結び付いた KPI は後ろに足す。"""
    queue = iter(file_codes)
    merged: list[str] = []
    for code in db_codes:
        if code in in_file:
            following = next(queue, None)
            if following is not None:
                merged.append(following)
        else:
            merged.append(code)
    merged.extend(queue)
    return tuple(merged)


def compare_with_database(contents: WorkbookContents, *, edition: Edition) -> Preview:
    """読み込んだ中身を版のデータベースと突き合わせ、事業と KPI ごとに 新規 / 変更 (項目ごとの差分) /
    変更なし / エラー に分ける。何も書き込まない。問い合わせの数は行の数によらない (一度に読んで比べる)。

    エラーになるもの: 登録されていない所管局、この版にない政策目標・基本施策、同じ事業コードの行の食い違い、
    一つの事業が同じ基本施策に二度、取り込んだ後に一つの基本施策で No が重なる、版の中で事業/取組名が
    重なる、「KPI」シートの KPI コードの重複と、この版にもファイルにもない事業コード。
    """
    state = _DatabaseState.load(edition)
    comparison = _Comparison(contents, state)

    project_groups = comparison.group_listing_rows()
    project_data: dict[str, ProjectData] = {}
    for code, rows in project_groups.items():
        built = comparison.build_project(code, rows)
        if built is not None:
            project_data[code] = built
    comparison.check_names(project_groups, project_data)
    comparison.check_numbers(project_groups, project_data)

    known_projects = set(state.projects) | set(project_groups)
    kpi_groups = comparison.group_kpi_rows(known_projects)

    # 事業ごとの KPI の並び (「KPI」シートの行の順)。
    in_file = set(kpi_groups)
    file_order: dict[str, list[str]] = defaultdict(list)
    for code, rows in kpi_groups.items():
        for project_code in rows[0].project_codes:
            file_order[project_code].append(code)

    def final_kpis(project_code: str) -> tuple[str, ...]:
        project = state.projects.get(project_code)
        db_codes = state.kpi_codes.get(project.pk, []) if project is not None else []
        return _merge_kpi_order(db_codes, file_order.get(project_code, []), in_file)

    for code, rows in project_groups.items():
        accepted = [
            kpi_cell_texts([comparison.kpi_texts(kpi, kpi_groups) for kpi in final_kpis(code)])
        ]
        if code in state.projects:
            before = state.kpi_codes.get(state.projects[code].pk, [])
            accepted.append(kpi_cell_texts([comparison.kpi_texts(kpi, {}) for kpi in before]))
        for row in rows:
            comparison.check_reference_columns(row, accepted)

    projects: list[ProjectPreview] = []
    for code, rows in project_groups.items():
        data = project_data.get(code)
        if data is not None:
            data = dataclasses.replace(data, kpi_codes=final_kpis(code))
        existing = state.projects.get(code)
        row_errors = [issue for row in rows for issue in row.errors]
        errors = tuple(row_errors + comparison.project_errors.get(code, []))
        changes = comparison.project_changes(existing, data) if existing and data else ()
        projects.append(
            ProjectPreview(
                code=code,
                status=_status(errors, existing, changes),
                rows=tuple(row.row for row in rows),
                project_id=existing.pk if existing else None,
                data=data,
                changes=changes,
                errors=errors,
            )
        )
    # ファイルにないが、KPI の結び付き (共有 KPI の事業コード列) が変わる事業。
    for code in sorted(set(state.projects) - set(project_groups)):
        project = state.projects[code]
        before = tuple(state.kpi_codes.get(project.pk, ()))
        after = final_kpis(code)
        if before == after:
            continue
        data = ProjectData(
            code=code,
            name=project.name,
            is_new=project.is_new,
            summary=project.summary,
            bureau_ids=tuple(state.bureau_ids.get(project.pk, ())),
            listings=tuple(
                ListingPlacement(measure_id, number)
                for measure_id, number in sorted(state.listings.get(project.pk, ()))
            ),
            kpi_codes=after,
        )
        projects.append(
            ProjectPreview(
                code=code,
                status=Status.CHANGED,
                rows=(),
                project_id=project.pk,
                data=data,
                changes=(comparison._kpi_link_change(before, after),),
            )
        )

    kpis: list[KpiPreview] = []
    for code, rows in kpi_groups.items():
        first = rows[0]
        existing = state.kpis.get(code)
        row_errors = [issue for row in rows for issue in row.errors]
        errors = tuple(row_errors + comparison.kpi_errors.get(code, []))
        data = KpiData(
            code=code,
            indicator=first.indicator,
            baseline=first.baseline,
            target=first.target,
            project_codes=tuple(sorted(first.project_codes)),
        )
        if not first.errors:
            comparison.check_structured_values(first, existing)
        changes = comparison.kpi_changes(existing, data) if existing and not first.errors else ()
        kpis.append(
            KpiPreview(
                code=code,
                status=_status(errors, existing, changes),
                rows=tuple(row.row for row in rows),
                kpi_id=existing.pk if existing else None,
                data=data if not first.errors else None,
                changes=changes,
                errors=errors,
            )
        )

    errors = list(contents.errors)
    already = set(errors)
    for item in [*projects, *kpis]:
        errors.extend(issue for issue in item.errors if issue not in already)
    errors.sort(key=lambda issue: issue.sort_key)
    warnings = sorted([*contents.warnings, *comparison.warnings], key=lambda issue: issue.sort_key)
    return Preview(
        edition_id=edition.pk,
        projects=projects,
        kpis=kpis,
        errors=errors,
        warnings=warnings,
    )


def _status(errors: Sequence[Issue], existing: object, changes: Sequence[FieldChange]) -> Status:
    if errors:
        return Status.ERROR
    if existing is None:
        return Status.NEW
    return Status.CHANGED if changes else Status.UNCHANGED
