"""Reading the file safely: size, type and the zip container, before any sheet is parsed."""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Iterator
from typing import IO

from plan.workbook.columns import MAX_EXPANSION_RATIO, MEGABYTE
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


def read_source(
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


def check_container(data: bytes, max_bytes: int) -> None:
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


def rows_of(sheet) -> Iterator[tuple]:
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
