"""What reading and comparing a workbook produce: messages, issues, rows, previews."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models

from plan.changes.diff import FieldDiff
from plan.workbook.columns import SHEET_ORDER

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
    changes: tuple[FieldDiff, ...] = ()
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
    changes: tuple[FieldDiff, ...] = ()
    errors: tuple[Issue, ...] = ()


@dataclass
class Preview:
    """取込内容の確認。エラーが一つでもあれば (``has_errors``) 何も適用してはならない。

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
