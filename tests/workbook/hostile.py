"""Small hostile workbooks, written by hand with zipfile (nothing binary is committed), and a
measurement of what reading one costs.

Each builder returns a valid xlsx container whose sheets say something expensive for a reader that
believes them: a cell at an enormous row number, a row of millions of empty cells, a sheet that
expands to hundreds of megabytes, millions of shared strings.
"""

from __future__ import annotations

import io
import threading
import time
import tracemalloc
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

LISTING_HEADER = ("事業コード", "政策目標", "基本施策", "No", "所管局", "事業/取組名", "概要")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def inline_cell(reference: str, text: str) -> str:
    return f'<c r="{reference}" t="inlineStr"><is><t>{_escape(text)}</t></is></c>'


def header_row() -> str:
    cells = "".join(inline_cell(f"{chr(65 + i)}1", text) for i, text in enumerate(LISTING_HEADER))
    return f'<row r="1">{cells}</row>'


def sheet_xml(rows: Iterable[str]) -> Iterable[bytes]:
    yield f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}"><sheetData>'.encode()
    for row in rows:
        yield row.encode()
    yield b"</sheetData></worksheet>"


def workbook_zip(
    sheet: Iterable[bytes],
    *,
    shared_strings: Iterable[bytes] | None = None,
    compresslevel: int = 9,
) -> bytes:
    """An xlsx with one sheet 「個別プロジェクト」 (streamed into the zip: it may expand to a lot)."""
    overrides = [
        ("/xl/workbook.xml", "sheet.main+xml"),
        ("/xl/worksheets/sheet1.xml", "worksheet+xml"),
    ]
    relations = [("rId1", "worksheet", "worksheets/sheet1.xml")]
    if shared_strings is not None:
        overrides.append(("/xl/sharedStrings.xml", "sharedStrings+xml"))
        relations.append(("rId2", "sharedStrings", "sharedStrings.xml"))
    content_types = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        + "".join(
            f'<Override PartName="{part}" ContentType="application/vnd.openxmlformats-'
            f'officedocument.spreadsheetml.{kind}"/>'
            for part, kind in overrides
        )
        + "</Types>"
    )
    root_rels = (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PACKAGE_RELATIONSHIPS}">'
        f'<Relationship Id="rId1" Type="{OFFICE_TYPE}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    )
    workbook = (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}">'
        '<sheets><sheet name="個別プロジェクト" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    workbook_rels = (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PACKAGE_RELATIONSHIPS}">'
        + "".join(
            f'<Relationship Id="{rid}" Type="{OFFICE_TYPE}/{kind}" Target="{target}"/>'
            for rid, kind, target in relations
        )
        + "</Relationships>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as archive:
        archive.writestr("[Content_Types].xml", content_types)
        archive.writestr("_rels/.rels", root_rels)
        archive.writestr("xl/workbook.xml", workbook)
        archive.writestr("xl/_rels/workbook.xml.rels", workbook_rels)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as stream:
            for chunk in sheet:
                stream.write(chunk)
        if shared_strings is not None:
            with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as stream:
                for chunk in shared_strings:
                    stream.write(chunk)
    return buffer.getvalue()


def far_row(row: int) -> bytes:
    """One data cell at row ``row`` (openpyxl's read-only mode yields every row before it)."""
    return workbook_zip(
        sheet_xml([header_row(), f'<row r="{row}">{inline_cell(f"A{row}", "P1")}</row>'])
    )


def wide_row(cells: int) -> bytes:
    """A data row of ``cells`` empty cells without references (each one column further)."""

    def rows():
        yield header_row()
        yield '<row r="2">'
        for _ in range(cells // 10_000):
            yield "<c/>" * 10_000
        yield "</row>"

    return workbook_zip(sheet_xml(rows()))


def expanding(megabytes: int) -> bytes:
    """A sheet padded with whitespace to ``megabytes`` MB (compresses ~1000:1)."""

    def rows():
        yield header_row()
        padding = " " * (1024 * 1024)
        for _ in range(megabytes):
            yield padding

    return workbook_zip(sheet_xml(rows()), compresslevel=1)


def many_shared_strings(count: int) -> bytes:
    def strings():
        yield f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}" count="{count}">'.encode()
        for _ in range(count // 10_000):
            yield b"<si/>" * 10_000
        yield b"</sst>"

    return workbook_zip(sheet_xml([header_row()]), shared_strings=strings())


@dataclass
class Cost:
    seconds: float = 0  # CPU time of the thread that ran it
    megabytes: float = 0  # peak of Python allocations (a second run, under tracemalloc)
    result: Any = None
    error: BaseException | None = None
    finished: bool = True


def _run(function: Callable[[], Any], cost: Cost, *, timeout: float, threaded: bool) -> None:
    def run():
        start = time.thread_time()
        try:
            cost.result = function()
        except BaseException as error:  # reported to the test
            cost.error = error
        cost.seconds = time.thread_time() - start

    if not threaded:  # e.g. with the test's database connection (it is per thread)
        run()
        return
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout)
    cost.finished = not thread.is_alive()


def measure(function: Callable[[], Any], *, timeout: float = 30, threaded: bool = True) -> Cost:
    """Run ``function`` in a thread: its CPU time, then (run again under tracemalloc, which slows
    it) its peak memory; ``finished=False`` if the first run took more than ``timeout`` seconds
    (the thread is then left to finish on its own). ``threaded=False`` runs it in the calling
    thread (no timeout)."""
    cost = Cost()
    _run(function, cost, timeout=timeout, threaded=threaded)
    if not cost.finished:
        return cost
    tracemalloc.start()
    try:
        _run(function, Cost(), timeout=timeout, threaded=threaded)
        cost.megabytes = tracemalloc.get_traced_memory()[1] / (1024 * 1024)
    finally:
        tracemalloc.stop()
    return cost
