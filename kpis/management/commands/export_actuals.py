"""Export a bureau's 「実績値」 sheet (the same rules as the admin's 「実績値シート出力」).

    python manage.py export_actuals --bureau 産業経済局 --year 2024 -o FILE.xlsx [--user USERNAME]

Without --user, exports as a coordinator (「取りまとめ担当」: any bureau's sheet can be exported).
Given the username of bureau staff (「所管局担当者」), only that person's bureau's sheet can be
exported.
"""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts import permissions
from accounts.models import Bureau, User
from kpis.actual_sheet_services import actual_sheet_export
from kpis.resources import FIRST_YEAR, LAST_YEAR


class Command(BaseCommand):
    help = "所管局の「実績値」シート (.xlsx) を書き出す。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bureau", required=True, help="所管局の名前 (例: 産業経済局)")
        parser.add_argument("--year", type=int, required=True, help="実績年度 (西暦、例: 2024)")
        parser.add_argument("-o", "--output", type=Path, required=True, help="書き出すファイル")
        parser.add_argument("--user", help="書き出す人の利用者名 (省くと取りまとめ担当)")

    def handle(self, *args, **options) -> None:
        bureau = Bureau.objects.filter(name=options["bureau"]).first()
        if bureau is None:
            raise CommandError(f"所管局「{options['bureau']}」はありません。")
        year = options["year"]
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise CommandError(f"実績年度は {FIRST_YEAR} から {LAST_YEAR} までにしてください。")
        users = User.objects.filter(is_active=True)
        if options["user"]:
            user = users.filter(username=options["user"]).first()
        else:
            user = permissions.reviewers().order_by("pk").first()
        if user is None:
            raise CommandError(f"利用者「{options['user'] or '(取りまとめ担当)'}」はいません。")
        try:
            data = actual_sheet_export(acting_user=user, bureau=bureau, year=year)
        except PermissionDenied as refused:
            raise CommandError(str(refused)) from refused
        options["output"].write_bytes(data)
        self.stdout.write(f"{options['output']} に書き出しました ({bureau.name}、{year}年度)。")
