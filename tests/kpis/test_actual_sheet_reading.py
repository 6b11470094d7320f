"""Reading the 「実績値」 sheet twice (the 下見, then its confirmation): the second reading of the
same content, in the same process, is the first one's rows, not a second parse; a refused file
is refused each time; a handful of files are remembered, no more."""

import pytest

from kpis import actual_sheet
from kpis.actual_sheet import READ_REMEMBERED, SheetRejected, read_actual_sheet
from tests.kpis.sheet_helpers import workbook_bytes

HEADERS = ["KPIコード", "実績年度", "表記", "確定状況", "出典・備考"]


def sheet(text: str) -> bytes:
    return workbook_bytes([HEADERS, ["K035", 2024, text, None, "森林課"]])


@pytest.fixture
def parses(monkeypatch) -> list[bytes]:
    """The files actually parsed (not answered from memory), from an empty memory."""
    monkeypatch.setattr(actual_sheet, "_READ", type(actual_sheet._READ)())
    parsed: list[bytes] = []
    parse = actual_sheet._read_data

    def counted(data, *args):
        parsed.append(data)
        return parse(data, *args)

    monkeypatch.setattr(actual_sheet, "_read_data", counted)
    return parsed


def test_the_same_content_is_parsed_once_and_read_the_same(parses):
    data = sheet("25ha")
    first, second = read_actual_sheet(data), read_actual_sheet(bytes(data))
    assert first.headers == second.headers == ["行", *HEADERS]
    assert (
        [list(row) for row in first]
        == [list(row) for row in second]
        == [[2, "K035", 2024, "25ha", "", "森林課"]]
    )
    assert first is not second
    assert parses == [data]


def test_a_refused_file_is_refused_every_time(parses):
    data = workbook_bytes([["KPIコード", "表記"], ["K035", "25ha"]])
    for _ in range(2):
        with pytest.raises(SheetRejected):
            read_actual_sheet(data)
    assert len(parses) == 2


def test_only_the_last_files_are_remembered(parses):
    files = [sheet(f"{number}ha") for number in range(READ_REMEMBERED + 1)]
    for data in files:
        read_actual_sheet(data)
    read_actual_sheet(files[-1])  # remembered
    read_actual_sheet(files[0])  # forgotten: parsed again
    assert parses == [*files, files[0]]
    assert len(actual_sheet._READ) == READ_REMEMBERED
