"""What reading and comparing a workbook produce: messages, issues, rows, previews."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models

from plan.changes.diff import FieldDiff
from plan.workbook.columns import SHEET_ORDER

# ---------------------------------------------------------------------------------------------
# Messages (refusing the whole file)

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

# Cell errors
MSG_NEED_TEXT = "文字列を入れてください"
MSG_NEED_NUMBER = "数値を入れてください"
MSG_NEED_INTEGER = "整数を入れてください"
MSG_REQUIRED = "値を入れてください"
MSG_FORMULA = "数式は取り込めません。数式ではなく値を入れてください"


# ---------------------------------------------------------------------------------------------
# Result types


@dataclass(frozen=True)
class Issue:
    """An error or a warning, with its sheet, row and column (the header's name)."""

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
    """The whole file cannot be read (not an xlsx, too large, broken, ...): refused unread."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class KpiValueData:
    """A 「基準値」 or 「目標値」 (one KpiValue)."""

    text: str
    value: Decimal | None = None
    unit: str = ""
    qualifier: str = ""
    fiscal_year: int | None = None
    fiscal_year_end: int | None = None
    period: str = ""


@dataclass(frozen=True)
class ListingRow:
    """One row of the 「個別プロジェクト」 sheet (one listing). Unreadable cells are empty
    (``number`` is None)."""

    row: int
    code: str
    goal: str
    measure: str
    number: int | None
    bureaus: tuple[str, ...]
    name: str
    is_new: bool
    summary: str
    #: The three reference columns (not imported); None without the columns.
    indicator: str | None = None
    baseline: str | None = None
    target: str | None = None
    errors: tuple[Issue, ...] = ()


@dataclass(frozen=True)
class KpiRow:
    """One row of the 「KPI」 sheet (one KPI)."""

    row: int
    code: str
    indicator: str
    baseline: KpiValueData | None
    target: KpiValueData | None
    project_codes: tuple[str, ...]
    errors: tuple[Issue, ...] = ()


@dataclass
class WorkbookContents:
    """A workbook's content as read (not compared with the database). ``errors`` holds all of
    them, the rows' included."""

    listing_rows: list[ListingRow] = field(default_factory=list)
    kpi_rows: list[KpiRow] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    #: How many blank rows were skipped (between the data rows).
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
    """One listing: the 「基本施策」 and the No. within it."""

    measure_id: int
    number: int


@dataclass(frozen=True)
class ProjectData:
    """A project's values after the import (the apply step saves exactly these).

    bureau_ids are in published order (ProjectBureau.position = index + 1), kpi_codes in ①②③
    order (ProjectKpi.position = index + 1). kpi_codes include those of KPIs this file creates.
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
    """The verdict on one project. ``rows`` are its rows (empty for a project outside the file
    whose KPI links alone change)."""

    code: str
    status: Status
    rows: tuple[int, ...]
    project_id: int | None
    data: ProjectData | None
    changes: tuple[FieldDiff, ...] = ()
    errors: tuple[Issue, ...] = ()


@dataclass(frozen=True)
class KpiData:
    """A KPI's values after the import. ``project_codes``: every project sharing this KPI (by
    「事業コード」)."""

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
    """The import's 「取込内容の確認」 (preview). With a single error (``has_errors``) nothing may be
    applied.

    projects: the file's projects (in order of first row), and projects outside the file whose
    KPI links change. kpis: the 「KPI」 sheet's KPIs (in order of first row). Projects and KPIs
    missing from the file are left unchanged (never deleted).
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
        changed = (Status.NEW, Status.CHANGED)
        return any(project.status in changed for project in self.projects) or any(
            kpi.status in changed for kpi in self.kpis
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
