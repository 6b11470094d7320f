"""Import the city's Excel workbook (by the same rules as the admin's 「Excel 取込」).

    python manage.py import_plan FILE.xlsx --user USERNAME [--edition 2024] [--dry-run]

Imports with the user's rights: a 「所管局担当者」's import becomes one 「変更申請」; a
「取りまとめ担当」's is applied at once and kept in the history with the file name. With any
error nothing is written; the errors are listed and it exits non-zero. --dry-run only previews
(writes nothing).

Only regular files are read, and never more than one byte past the limit
(plan.workbook.DEFAULT_MAX_BYTES): /dev/zero, pipes, directories and files over the limit are
refused before reading starts.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from plan.models import Edition
from plan.workbook import (
    DEFAULT_MAX_BYTES,
    MEGABYTE,
    MSG_TOO_LARGE,
    ImportRefused,
    WorkbookRejected,
    workbook_import_apply,
    workbook_import_preview,
)

NOT_A_REGULAR_FILE = (
    "{path} は通常のファイルではありません (デバイス、パイプ、ディレクトリは取り込めません)。"
)


def read_workbook_file(path: Path) -> bytes:
    """The file's bytes, but only of a regular file and at most the limit plus one byte (the
    workbook reader refuses anything over the limit).

    The file is opened without blocking (a named pipe would otherwise wait for a writer) and its
    kind and size are checked on the open file, before anything is read.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as error:
        raise CommandError(f"{path} を読めません: {error.strerror}") from error
    status = os.fstat(descriptor)
    if not stat.S_ISREG(status.st_mode):
        os.close(descriptor)
        raise CommandError(NOT_A_REGULAR_FILE.format(path=path))
    if status.st_size > DEFAULT_MAX_BYTES:
        os.close(descriptor)
        limit = f"{DEFAULT_MAX_BYTES // MEGABYTE} MB"
        raise CommandError(f"{path.name}: {MSG_TOO_LARGE.format(limit=limit)}")
    with open(descriptor, "rb") as file:
        try:
            return file.read(DEFAULT_MAX_BYTES + 1)
        except OSError as error:
            raise CommandError(f"{path} を読めません: {error.strerror}") from error


class Command(BaseCommand):
    help = "Excel ブック (.xlsx) を取り込む (所管局担当者の取込は変更申請になる)。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="取り込むブック (.xlsx)")
        parser.add_argument(
            "--user", required=True, help="取り込む人の利用者名 (権限はその人のもの)"
        )
        parser.add_argument("--edition", type=int, help="版の年度 (西暦、例: 2024)。省くと最新の版")
        parser.add_argument(
            "--dry-run", action="store_true", help="内容の確認だけ (何も書き込まない)"
        )

    def handle(self, *args, **options) -> None:
        path: Path = options["file"]
        data = read_workbook_file(path)
        user = User.objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"利用者「{options['user']}」はいません (または無効です)。")
        editions = Edition.objects.order_by("-fiscal_year")
        if options["edition"]:
            editions = editions.filter(fiscal_year=options["edition"])
        edition = editions.first()
        if edition is None:
            raise CommandError(f"{options['edition'] or ''}年度の版がありません。".lstrip())

        try:
            result = workbook_import_preview(acting_user=user, edition=edition, file=data)
        except WorkbookRejected as rejected:
            raise CommandError(f"{path.name}: {rejected.message}") from rejected
        self.report(result)
        if result.errors:
            raise CommandError(
                f"エラーが {len(result.errors)} 件あるため、何も取り込みませんでした。"
            )
        if options["dry_run"]:
            self.stdout.write("内容の確認だけです (--dry-run)。何も書き込んでいません。")
            return
        try:
            change_request = workbook_import_apply(
                acting_user=user, edition=edition, preview=result, file_name=path.name
            )
        except ImportRefused as refused:
            for issue in refused.issues:
                self.stderr.write(str(issue))
            raise CommandError("取り込めませんでした。何も書き込んでいません。") from refused
        if change_request is None:
            self.stdout.write("変更はありませんでした。")
        elif change_request.status == change_request.Status.PENDING:
            self.stdout.write(
                f"変更申請 #{change_request.pk} を提出しました (取りまとめ担当の承認後に反映されます)。"
            )
        else:
            self.stdout.write(f"反映しました (変更申請 #{change_request.pk} として記録)。")

    def report(self, result) -> None:
        def counts(values: dict) -> str:
            return "、".join(f"{status.label} {count}件" for status, count in values.items())

        self.stdout.write(f"事業: {counts(result.preview.project_counts())}")
        self.stdout.write(f"KPI: {counts(result.preview.kpi_counts())}")
        self.stdout.write(f"変更するレコード: {result.change_count}件")
        for issue in result.warnings:
            self.stdout.write(f"注意: {issue}")
        for issue in result.errors:
            self.stderr.write(f"エラー: {issue}")
