"""Import a filled-in 「実績値」 sheet (the same rules as the admin's 「実績値シート取込」).

    python manage.py import_actuals FILE.xlsx --user USERNAME [--dry-run] [--reason 理由]

Imports with the user's permissions: an import by bureau staff (「所管局担当者」) becomes one change
request; an import by a coordinator (「取りまとめ担当」) is applied at once. If there are errors (a
row for a KPI not of the user's bureau, a formula cell, a value that cannot be read, ...) nothing
is written: the errors (sheet and row) are listed and the command exits non-zero. --dry-run only
checks what would be imported (writes nothing). Only a regular file is read, and no further than
one byte past the limit (as import_plan does).
"""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from kpis.actual_sheet_services import actual_sheet_import
from plan.management.commands.import_plan import read_workbook_file


class Command(BaseCommand):
    help = "記入した「実績値」シート (.xlsx) を取り込む (所管局担当者の取込は変更申請になる)。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="取り込むシート (.xlsx)")
        parser.add_argument(
            "--user", required=True, help="取り込む人の利用者名 (権限はその人のもの)"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="取込内容の確認だけ (何も書き込まない)"
        )
        parser.add_argument("--reason", default="", help="変更申請の理由")

    def handle(self, *args, **options) -> None:
        path: Path = options["file"]
        data = read_workbook_file(path)
        user = User.objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"利用者「{options['user']}」はいません (または無効です)。")
        try:
            outcome = actual_sheet_import(
                acting_user=user,
                source=data,
                file_name=path.name,
                dry_run=options["dry_run"],
                reason=options["reason"],
            )
        except PermissionDenied as refused:
            raise CommandError(str(refused)) from refused
        for error in outcome.errors:
            self.stderr.write(error)
        if outcome.errors:
            raise CommandError("エラーがあるため、何も取り込みませんでした。")
        self.stdout.write(
            f"新規 {outcome.new} 件、更新 {outcome.updated} 件、変更なし {outcome.unchanged} 件。"
        )
        if options["dry_run"]:
            self.stdout.write("取込内容の確認だけです (--dry-run)。何も書き込んでいません。")
        elif outcome.proposal is None:
            self.stdout.write("変更はありませんでした。")
        elif outcome.proposal.applied:
            request = outcome.proposal.change_request
            self.stdout.write(f"反映しました (変更申請 #{request.pk} として記録)。")
        else:
            request = outcome.proposal.change_request
            self.stdout.write(
                f"変更申請 #{request.pk} を提出しました (取りまとめ担当の承認後に反映されます)。"
            )
