"""Reading the file safely: size, type and the zip container, before any sheet is parsed."""

from __future__ import annotations

import io
import os
import re
import zipfile
import zlib
from collections.abc import Iterator
from typing import IO
from xml.parsers import expat

from openpyxl.utils import column_index_from_string

from plan.workbook.columns import MEGABYTE
from plan.workbook.results import (
    MSG_CORRUPT,
    MSG_EMPTY_FILE,
    MSG_ENCRYPTED,
    MSG_NOT_XLSX,
    MSG_PDF,
    MSG_TEXT,
    MSG_TOO_LARGE,
    MSG_TOO_LARGE_EXPANDED,
    MSG_XLS,
    WorkbookRejected,
)

# ---------------------------------------------------------------------------------------------
# The reading budget (so that a small file cannot stop the server)
#
# The ×100 workbook as written (9,000 projects) is 0.7 MB compressed, 13 MB expanded, 140,000
# cells. The limits are a few times that.

#: The limit on the expanded size (against ZIP bombs): in all, and of one part (a sheet, etc.).
MAX_EXPANDED_BYTES = 100 * MEGABYTE
MAX_MEMBER_BYTES = 50 * MEGABYTE
#: The limit on row numbers is this multiple of the data-row limit (max_rows), allowing blank rows.
ROW_NUMBER_FACTOR = 5
#: The limit on columns (the sheets have fewer than 30).
MAX_COLUMNS = 256
#: The limits on the whole workbook's number of cells, shared strings and XML elements.
MAX_CELLS = 1_000_000
MAX_SHARED_STRINGS = 300_000
MAX_ELEMENTS = 4_000_000

MSG_TOO_MANY_ROW_NUMBER = (
    "行番号 {row:,} のセルがあります (読み込めるのは {limit:,} 行目まで)。"
    "不要な行を削除して保存し直してください。"
)
MSG_TOO_MANY_COLUMNS = (
    "{row:,} 行目の列が多すぎます (読み込めるのは {limit:,} 列まで)。"
    "不要な列を削除して保存し直してください。"
)
MSG_TOO_MANY_CELLS = "セルが多すぎます (上限 {limit:,} 個)。ファイルを分けて取り込んでください。"
MSG_TOO_MANY_STRINGS = (
    "文字列が多すぎます (上限 {limit:,} 個)。ファイルを分けて取り込んでください。"
)
MSG_TOO_COMPLEX = "ファイルの中身が複雑すぎて読み込めません (XML の要素が {limit:,} 個を超えます)。"

# ---------------------------------------------------------------------------------------------
# Reading: checking the file

_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")


def _format_size(size: int) -> str:
    if size >= MEGABYTE:
        megabytes = size / MEGABYTE
        return f"{megabytes:.0f} MB" if megabytes == int(megabytes) else f"{megabytes:.1f} MB"
    return f"{size:,} バイト"


def _too_large(limit: int) -> WorkbookRejected:
    return WorkbookRejected(MSG_TOO_LARGE.format(limit=_format_size(limit)))


def read_source(
    source: bytes | bytearray | memoryview | str | os.PathLike | IO[bytes], max_bytes: int
) -> bytes:
    """The file's content, read only after checking it is within the limits (before parsing)."""
    if isinstance(source, bytes | bytearray | memoryview):
        if len(source) > max_bytes:
            raise _too_large(max_bytes)
        return bytes(source)
    if isinstance(source, str | os.PathLike):
        if os.path.getsize(source) > max_bytes:
            raise _too_large(max_bytes)
        with open(source, "rb") as file:
            return file.read()
    size = getattr(source, "size", None)  # Django's UploadedFile
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
            if error.start >= len(head) - 3:  # only a character split at the 4 KB cut
                return True
            continue
        return True
    return False


def check_container(data: bytes, max_bytes: int, *, max_rows: int | None = None) -> None:
    """Check that this is an xlsx (a ZIP holding xl/workbook.xml) before openpyxl sees it.

    Given ``max_rows`` (the limit on data rows per sheet), also stream the XML parts and check
    that row numbers, columns, cells, shared strings and elements are within the budget
    (refusing before openpyxl spends minutes and gigabytes)."""
    if not data:
        raise WorkbookRejected(MSG_EMPTY_FILE)
    if data.startswith(_OLE2_MAGIC):
        # An old .xls and a password-protected (encrypted) xlsx are both OLE2 containers; the
        # latter holds an EncryptedPackage.
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
    expanded = sum(entry.file_size for entry in entries)
    if expanded > MAX_EXPANDED_BYTES:
        raise WorkbookRejected(
            MSG_TOO_LARGE_EXPANDED.format(limit=_format_size(MAX_EXPANDED_BYTES))
        )
    if any(entry.file_size > MAX_MEMBER_BYTES for entry in entries):
        raise WorkbookRejected(MSG_TOO_LARGE_EXPANDED.format(limit=_format_size(MAX_MEMBER_BYTES)))
    if max_rows is not None:
        _scan_parts(data, entries, row_limit=max_rows * ROW_NUMBER_FACTOR + 1)


# ---------------------------------------------------------------------------------------------
# Reading: a first pass before openpyxl
#
# openpyxl's read-only mode creates every missing row up to a cell's row number (minutes for one
# cell in row 300,000,000), every empty cell up to its column, and keeps all shared strings in
# memory. Before that, one streaming pass with expat (no tree, constant work per element) checks
# the row numbers, columns, cells, shared strings and element count.

_CHUNK = 256 * 1024
_CELL_REFERENCE = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d+)")


class _PartScanner:
    """Stream one workbook's XML parts in turn; raise WorkbookRejected when over the budget."""

    def __init__(self, row_limit: int) -> None:
        self.row_limit = row_limit
        self.elements = 0
        self.cells = 0
        self.shared_strings = 0
        self.row = 0
        self.column = 0

    def start(self, name: str, attributes: dict[str, str]) -> None:
        self.elements += 1
        if self.elements > MAX_ELEMENTS:
            raise WorkbookRejected(MSG_TOO_COMPLEX.format(limit=MAX_ELEMENTS))
        local = name.rpartition(" ")[2]
        if local == "row":
            self._row(attributes.get("r"))
        elif local == "c":
            self._cell(attributes.get("r"))
        elif local == "si":
            self.shared_strings += 1
            if self.shared_strings > MAX_SHARED_STRINGS:
                raise WorkbookRejected(MSG_TOO_MANY_STRINGS.format(limit=MAX_SHARED_STRINGS))

    def _row(self, reference: str | None) -> None:
        if reference is None:
            self.row += 1
        else:
            try:
                self.row = int(reference)
            except ValueError as error:
                raise WorkbookRejected(MSG_CORRUPT) from error
        self._check_row(self.row)
        self.column = 0

    def _check_row(self, row: int) -> None:
        if row > self.row_limit:
            raise WorkbookRejected(MSG_TOO_MANY_ROW_NUMBER.format(row=row, limit=self.row_limit))

    def _cell(self, reference: str | None) -> None:
        self.cells += 1
        if self.cells > MAX_CELLS:
            raise WorkbookRejected(MSG_TOO_MANY_CELLS.format(limit=MAX_CELLS))
        if reference is None:
            self.column += 1
        else:
            match = _CELL_REFERENCE.fullmatch(reference)
            if match is None:
                raise WorkbookRejected(MSG_CORRUPT)
            self.column = column_index_from_string(match[1].upper())
            self._check_row(int(match[2]))
        if self.column > MAX_COLUMNS:
            raise WorkbookRejected(
                MSG_TOO_MANY_COLUMNS.format(row=max(self.row, 1), limit=MAX_COLUMNS)
            )

    def scan(self, stream: IO[bytes]) -> None:
        """One part, if it is XML (pictures and other binary parts are not parsed as XML)."""
        chunk = stream.read(_CHUNK)
        if b"<" not in chunk[:16]:  # BOM, whitespace, then "<"
            return
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.StartElementHandler = self.start
        parser.StartDoctypeDeclHandler = self._refuse_doctype
        self.row = 0
        self.column = 0
        try:
            while chunk:
                parser.Parse(chunk, False)
                chunk = stream.read(_CHUNK)
            parser.Parse(b"", True)
        except expat.ExpatError as error:
            raise WorkbookRejected(MSG_CORRUPT) from error

    @staticmethod
    def _refuse_doctype(*args) -> None:
        raise WorkbookRejected(MSG_CORRUPT)  # xlsx XML has no DTD (against entity expansion)


def _scan_parts(data: bytes, entries: list[zipfile.ZipInfo], *, row_limit: int) -> None:
    """Stream every XML part (sheets, shared strings, etc.) and check the budget."""
    scanner = _PartScanner(row_limit)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for entry in entries:
                if entry.is_dir():
                    continue
                with archive.open(entry) as stream:
                    scanner.scan(stream)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, ValueError, EOFError) as error:
        raise WorkbookRejected(MSG_CORRUPT) from error


def rows_of(sheet) -> Iterator[tuple]:
    """The sheet's rows. If openpyxl cannot read the content (broken ZIP or XML), the whole
    file is refused."""
    rows = sheet.iter_rows()
    while True:
        try:
            cells = next(rows)
        except StopIteration:
            return
        except Exception as error:  # openpyxl is reading untrusted content inside
            raise WorkbookRejected(MSG_CORRUPT) from error
        yield cells
