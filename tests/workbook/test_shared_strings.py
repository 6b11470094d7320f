"""plan.workbook.strings: the shared strings read as openpyxl reads them, string by string."""

import io

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.reader.strings import read_string_table as openpyxl_strings

from plan.workbook.strings import load_workbook_read_only, read_string_table

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'

#: Each ``si`` element, and the text openpyxl gives it.
STRINGS = [
    ("<si><t>計画</t></si>", "計画"),
    ('<si><t xml:space="preserve">  前後の空白  </t></si>', "  前後の空白  "),
    ("<si><t/></si>", ""),
    ("<si></si>", ""),
    ("<si><t>一つ目</t><t>二つ目</t></si>", "二つ目"),
    ("<si><t>改行\n二行目</t></si>", "改行\n二行目"),
    ("<si><t>_x005F_x000D_</t></si>", "_x000D_"),
    ("<si><t>a<b/>c</t></si>", "a"),
    # Rich text runs, phonetic runs and their properties: openpyxl's own reading.
    (
        "<si><r><rPr><b/></rPr><t>太字</t></r><r><t>と普通</t></r></si>",
        "太字と普通",
    ),
    (
        '<si><t>北九州</t><rPh sb="0" eb="3"><t>キタキュウシュウ</t></rPh>'
        '<phoneticPr fontId="1"/></si>',
        "北九州",
    ),
    ("<si><t>前</t><r><t>後</t></r></si>", "前後"),
]


def _table(elements: list[str]) -> bytes:
    body = "".join(elements)
    return f'<?xml version="1.0"?><sst {NS} count="{len(elements)}">{body}</sst>'.encode()


def test_every_string_is_the_one_openpyxl_reads() -> None:
    source = _table([element for element, _ in STRINGS])

    lean = read_string_table(io.BytesIO(source))

    assert lean == [text for _, text in STRINGS]
    assert lean == list(openpyxl_strings(io.BytesIO(source)))


def test_a_string_openpyxl_refuses_is_refused() -> None:
    source = _table(['<si unknown="1"><t>x</t></si>'])

    with pytest.raises(TypeError):
        openpyxl_strings(io.BytesIO(source))
    with pytest.raises(TypeError):
        read_string_table(io.BytesIO(source))


def test_a_workbook_reads_the_same_cells_as_openpyxl() -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "実績値"
    sheet.append(["KPIコード", "表記", "数"])
    sheet.append(["K-1", "  12件 ", 3])
    sheet.append(["K-2", "=SUM(A1)", 4.5])
    sheet.append(["K-3", "改行\r\nあり", None])
    sheet.append(["K-4", CellRichText(TextBlock(InlineFont(b=True), "太字"), "と普通"), True])
    sheet.append([None, "", "=A1"])
    sheet["E9"] = "離れたセル"
    buffer = io.BytesIO()
    workbook.save(buffer)
    data = buffer.getvalue()

    def cells(book) -> list:
        rows = [
            [(cell.value, cell.data_type) for cell in row] for row in book["実績値"].iter_rows()
        ]
        book.close()
        return rows

    lean = cells(load_workbook_read_only(io.BytesIO(data)))

    assert lean == cells(load_workbook(io.BytesIO(data), read_only=True, keep_links=False))
    empty = (None, "n")
    assert lean[1] == [("K-1", "s"), ("  12件 ", "s"), (3, "n"), empty, empty]
    assert lean[2] == [("K-2", "s"), ("=SUM(A1)", "f"), (4.5, "n"), empty, empty]
    assert lean[4] == [("K-4", "s"), ("太字と普通", "s"), (True, "b"), empty, empty]
    assert lean[8][4] == ("離れたセル", "s")


def test_only_strings_of_other_forms_go_through_openpyxls_text(monkeypatch) -> None:
    from openpyxl.cell.text import Text

    seen = []
    original = Text.from_tree.__func__

    def counted(cls, node):
        seen.append(node.tag.rpartition("}")[2])
        return original(cls, node)

    monkeypatch.setattr(Text, "from_tree", classmethod(counted))
    source = _table([element for element, _ in STRINGS])

    read_string_table(io.BytesIO(source))

    assert seen == ["si", "si", "si"]  # rich text, phonetic, plain and rich mixed
