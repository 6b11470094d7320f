"""Hostile and broken files for the yearly 「実績値」 sheet: each gets a clear Japanese error and
changes nothing (the budgets: bytes, row numbers, data rows, cell length, errors listed)."""

import io

import pytest
from openpyxl import Workbook

from accounts.models import Bureau
from kpis.actual_sheet import MAX_BYTES, read_actual_sheet
from kpis.actual_sheet_services import actual_sheet_export, actual_sheet_import
from kpis.models import KpiActual
from plan.models import ChangeRequest
from plan.workbook.results import WorkbookRejected
from tests.kpis.sheet_helpers import fill, workbook_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def exported(world) -> bytes:
    bureau = Bureau.objects.get(name="産業経済局")
    return actual_sheet_export(acting_user=world.sangyo, bureau=bureau, year=2024)


def import_errors(world, data: bytes) -> tuple[str, ...]:
    outcome = actual_sheet_import(acting_user=world.sangyo, source=data, file_name="x.xlsx")
    assert ChangeRequest.objects.count() == 0
    assert KpiActual.objects.count() == 0
    return outcome.errors


def one_cell_at_row(row: int) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "実績値"
    sheet.append(["KPIコード", "実績年度", "表記"])
    sheet.cell(row, 1).value = "K035"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "ファイルが空です。"),
        (
            "KPIコード,表記\nK035,25ha\n".encode(),
            "CSV などのテキストファイルは読み込めません。Excel で「Excel ブック (*.xlsx)」形式で保存し直してください。",
        ),
        (
            b"%PDF-1.7 ...",
            "PDF ファイルは読み込めません。書き出した Excel ブック (.xlsx) を選んでください。",
        ),
        (
            b"PK\x03\x04 not really a zip",
            "ファイルが壊れていて読み込めません。もう一度書き出すか、Excel で開いて保存し直してください。",
        ),
        (
            one_cell_at_row(300_000),
            "行番号 300,000 のセルがあります (読み込めるのは 100,001 行目まで)。不要な行を削除して保存し直してください。",
        ),
        (
            workbook_bytes([["KPIコード", "実績年度", "表記"]], title="Sheet1"),
            "「実績値」シートがありません (書き出した実績値シートを使い、シートの名前を変えないでください)。",
        ),
        (
            workbook_bytes([["KPIコード", "年度", "実績"], ["K035", 2024, "25ha"]]),
            "「実績値」シート 1行目: 必須の列「実績年度」がありません (見出しの名前を変えていませんか)。\n"
            "「実績値」シート 1行目: 必須の列「表記」がありません (見出しの名前を変えていませんか)。",
        ),
    ],
    ids=["empty", "csv", "pdf", "broken-zip", "row-300000", "no-sheet", "wrong-headers"],
)
def test_a_file_that_is_not_the_sheet_is_refused_whole(world, data, expected):
    assert "\n".join(import_errors(world, data)) == expected


def test_a_file_over_the_byte_budget_is_refused_before_it_is_parsed(world):
    assert import_errors(world, b"PK" + b"\0" * MAX_BYTES) == (
        "ファイルが大きすぎます (上限 20 MB)。",
    )


def test_formula_cells_are_refused_never_evaluated(world, exported):
    data = fill(exported, {("K035", "表記"): "=20+5", ("K039", "事業目標"): "=A1"})
    assert import_errors(world, data) == (
        "「実績値」シート 4行目「表記」列: 数式は取り込めません。数式ではなく値を入れてください",
        "「実績値」シート 6行目「事業目標」列: 数式は取り込めません。数式ではなく値を入れてください",
    )


def test_a_cell_longer_than_the_cell_budget_is_refused(world, exported, monkeypatch):
    """openpyxl itself cuts text at an Excel cell's 32,767 characters; a smaller budget shows the
    reader's own check (a file written by another program may hold more)."""
    monkeypatch.setattr("kpis.actual_sheet.CELL_TEXT_LIMIT", 10)
    data = fill(exported, {("K035", "出典・備考"): "あ" * 11, ("K035", "表記"): "25ha"})
    assert import_errors(world, data) == (
        "「実績値」シート 4行目「出典・備考」列: 11 文字あります。"
        "Excel のセルに入る 10 文字以内にしてください",
    )


def test_errors_listed_are_capped(world):
    rows = [["KPIコード", "実績年度", "表記"]] + [["K035", 2024, "=1+1"] for _ in range(60)]
    errors = import_errors(world, workbook_bytes(rows))
    assert len(errors) == 51
    assert (
        errors[0]
        == "「実績値」シート 2行目「表記」列: 数式は取り込めません。数式ではなく値を入れてください"
    )
    assert errors[-1] == "ほかにもエラーがあります (最初の 50 件だけを示しました)。"


def test_more_data_rows_than_the_budget_are_refused():
    rows = [["KPIコード", "実績年度", "表記"]] + [[f"K{n:03}", 2024, "1件"] for n in range(4)]
    with pytest.raises(WorkbookRejected) as refused:
        read_actual_sheet(workbook_bytes(rows), max_rows=3)
    assert refused.value.message == (
        "「実績値」シートの行が多すぎます (上限 3 行)。ファイルを分けて取り込んでください。"
    )


def test_the_reader_keeps_the_sheet_row_and_skips_empty_rows():
    rows = [
        ["KPIコード", "事業目標", "実績年度", "表記", "確定状況", "出典・備考"],
        ["K035", "放置竹林整備面積", 2024, 25, "確定値", None],
        [None, None, None, None, None, None],
        ["K039", "木材搬出量", "2024", " 1,200m3 ", None, "林務課\r\n調べ"],
    ]
    dataset = read_actual_sheet(workbook_bytes(rows))
    assert dataset.headers == ["行", "KPIコード", "実績年度", "表記", "確定状況", "出典・備考"]
    assert [list(row) for row in dataset] == [
        [2, "K035", 2024, "25", "確定値", ""],
        [4, "K039", "2024", "1,200m3", "", "林務課\n調べ"],
    ]
