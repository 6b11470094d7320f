"""Opening a workbook read-only with a leaner reading of its strings.

openpyxl reads every string (each shared string of ``xl/sharedStrings.xml``, and each inline
string of a sheet, the form openpyxl itself writes) as a ``Text`` object through its descriptors
(``Text.from_tree(node).content``): for a sheet of text, about a third of its reading time. The
usual string, ``<t>…</t>`` alone, needs none of that: ``string_text`` gives its text directly and
leaves every other string (rich text runs, phonetic runs, attributes, anything else) to openpyxl's
own ``Text.from_tree``, so each string is the one openpyxl would give, and a string openpyxl
refuses is refused the same way (the exception propagates). Only the strings' reading differs from
``openpyxl.load_workbook(read_only=True)``; nothing of openpyxl is patched.
"""

from __future__ import annotations

from typing import IO

from openpyxl.cell.text import Text
from openpyxl.reader.excel import SHARED_STRINGS, ExcelReader
from openpyxl.utils import coordinate_to_tuple
from openpyxl.workbook import Workbook
from openpyxl.worksheet._read_only import EMPTY_CELL, ReadOnlyWorksheet
from openpyxl.worksheet._reader import FORMULA_TAG, INLINE_STRING, WorkSheetParser
from openpyxl.xml.constants import SHEET_MAIN_NS
from openpyxl.xml.functions import iterparse

_STRING_TAG = f"{{{SHEET_MAIN_NS}}}si"
_TEXT_TAG = f"{{{SHEET_MAIN_NS}}}t"


def string_text(node) -> str:
    """One ``si`` (or ``is``) element's text, as ``Text.from_tree(node).content`` gives it."""
    text = _plain_text(node)
    return Text.from_tree(node).content if text is None else text


def _plain_text(node) -> str | None:
    """The text of a string made of ``<t>`` elements alone (Text's ``t`` is the last one's),
    or None for any other string."""
    if not node.attrib:
        last = None
        for child in node:
            if child.tag != _TEXT_TAG:
                break
            last = child
        else:
            return "" if last is None or last.text is None else last.text
    return None


def read_string_table(xml_source: IO[bytes]) -> list[str]:
    """openpyxl's ``reader.strings.read_string_table``, each plain string read directly."""
    strings = []
    for _, node in iterparse(xml_source):
        if node.tag == _STRING_TAG:
            strings.append(string_text(node).replace("x005F_", ""))
            node.clear()
    return strings


class _LeanSheetParser(WorkSheetParser):
    def parse_cell(self, element):
        """openpyxl's ``parse_cell``; an inline string (no formula) made of ``<t>`` alone is
        read directly, with the same result openpyxl gives."""
        if element.get("t") == "inlineStr" and not self.rich_text:
            child = element.find(INLINE_STRING)
            if child is not None and (self.data_only or element.find(FORMULA_TAG) is None):
                text = _plain_text(child)
                if text is not None:
                    coordinate = element.get("r")
                    style_id = element.get("s", 0)
                    if style_id:
                        style_id = int(style_id)
                    if coordinate:
                        row, column = coordinate_to_tuple(coordinate)
                        self.col_counter = column
                    else:
                        self.col_counter += 1
                        row, column = self.row_counter, self.col_counter
                    return {
                        "row": row,
                        "column": column,
                        "value": text,
                        "data_type": "s",
                        "style_id": style_id,
                    }
        return super().parse_cell(element)


class _LeanWorksheet(ReadOnlyWorksheet):
    def _cells_by_row(self, min_col, min_row, max_col, max_row, values_only=False):
        """openpyxl 3.1's ``ReadOnlyWorksheet._cells_by_row`` with ``_LeanSheetParser``."""
        filler = None if values_only else EMPTY_CELL
        max_col = max_col or self.max_column
        max_row = max_row or self.max_row
        empty_row: list | tuple = []
        if max_col is not None:
            empty_row = (filler,) * (max_col + 1 - min_col)
        counter = min_row
        idx = 1
        with self._get_source() as src:
            parser = _LeanSheetParser(
                src,
                self._shared_strings,
                data_only=self.parent.data_only,
                epoch=self.parent.epoch,
                date_formats=self.parent._date_formats,
                timedelta_formats=self.parent._timedelta_formats,
            )
            for idx, row in parser.parse():
                if max_row is not None and idx > max_row:
                    break
                for _ in range(counter, idx):  # some rows are missing
                    counter += 1
                    yield empty_row
                if counter <= idx:
                    row = self._get_row(row, min_col, max_col, values_only)
                    counter += 1
                    yield row
        if max_row is not None and max_row < idx:
            for _ in range(counter, max_row + 1):
                yield empty_row


class _LeanReader(ExcelReader):
    def read_strings(self) -> None:
        if self.rich_text:  # pragma: no cover - not asked for here
            super().read_strings()
            return
        part = self.package.find(SHARED_STRINGS)
        if part is not None:
            with self.archive.open(part.PartName[1:]) as source:
                self.shared_strings = read_string_table(source)


def load_workbook_read_only(
    source: IO[bytes], *, data_only: bool = False, keep_links: bool = False
) -> Workbook:
    """``openpyxl.load_workbook(source, read_only=True, …)`` with the leaner shared strings."""
    reader = _LeanReader(source, read_only=True, data_only=data_only, keep_links=keep_links)
    reader.read()
    for sheet in reader.wb._sheets:
        if type(sheet) is ReadOnlyWorksheet:
            sheet.__class__ = _LeanWorksheet  # the same sheet; its rows read by the lean parser
    return reader.wb
