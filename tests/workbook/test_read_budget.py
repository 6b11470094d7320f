"""Reading a workbook has a budget: a small hostile file is refused quickly and cheaply, with a
message in Japanese, before openpyxl believes what it says (row numbers, columns, sizes, counts).

The budgets asserted are loose (a busy two-core machine): refused within ~2 s of CPU and < ~50 MB
of Python allocations, where the reader without a budget took minutes and gigabytes."""

from __future__ import annotations

import pytest

from plan.models import Project
from plan.workbook import WorkbookRejected, compare_with_database, export_workbook, read_workbook
from tests.workbook import hostile
from tests.workbook_samples import column_of, edit_workbook

SECONDS = 2.0
MEGABYTES = 50


def assert_refused_cheaply(data: bytes, *words: str) -> str:
    cost = hostile.measure(lambda: read_workbook(data), timeout=10)
    assert cost.finished, "still reading after 10 s"
    assert isinstance(cost.error, WorkbookRejected), cost.error or cost.result
    assert cost.seconds < SECONDS, f"{cost.seconds:.1f} s of CPU"
    assert cost.megabytes < MEGABYTES, f"{cost.megabytes:.0f} MB"
    for word in words:
        assert word in cost.error.message
    return cost.error.message


def test_a_cell_at_row_300_million_is_refused():
    data = hostile.far_row(300_000_000)
    assert len(data) < 20_000

    message = assert_refused_cheaply(data, "300,000,000", "行目まで")
    assert "削除" in message


def test_a_row_of_five_million_empty_cells_is_refused():
    data = hostile.wide_row(5_000_000)
    assert len(data) < 50_000

    assert_refused_cheaply(data, "列が多すぎます")


def test_a_sheet_that_expands_to_hundreds_of_megabytes_is_refused():
    data = hostile.expanding(592)
    assert len(data) < 7 * 1024 * 1024

    assert_refused_cheaply(data, "展開すると大きすぎます")


def test_five_million_shared_strings_are_refused():
    data = hostile.many_shared_strings(5_000_000)
    assert len(data) < 300_000

    assert_refused_cheaply(data, "文字列が多すぎます")


def test_a_cell_at_an_ordinary_row_after_a_gap_is_still_read():
    data = hostile.far_row(5_000)

    cost = hostile.measure(lambda: read_workbook(data), timeout=10)

    assert cost.error is None
    assert cost.seconds < SECONDS
    assert [row.row for row in cost.result.listing_rows] == [5_000]
    assert cost.result.skipped_rows == 4_998


def test_a_doctype_is_refused():
    data = hostile.workbook_zip(
        [b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><worksheet/>']
    )

    with pytest.raises(WorkbookRejected):
        read_workbook(data)


@pytest.mark.django_db
def test_a_kpi_shared_by_twenty_thousand_project_codes_is_an_error_found_quickly(
    edition_2024,
):
    exported = export_workbook(Project.objects.filter(edition=edition_2024))
    codes = " ".join(f"P{number:05d}" for number in range(20_000))

    def edit(workbook):
        sheet = workbook["KPI"]
        sheet.cell(row=2, column=column_of(sheet, "事業コード"), value=codes)

    data = edit_workbook(exported, edit)

    def read_and_compare():
        return compare_with_database(read_workbook(data), edition=edition_2024)

    cost = hostile.measure(read_and_compare, threaded=False)

    assert cost.finished and cost.error is None, cost.error
    assert cost.seconds < 5
    messages = [issue.message for issue in cost.result.errors if issue.column == "事業コード"]
    assert messages == ["事業コードは 1,000 個までにしてください"]
