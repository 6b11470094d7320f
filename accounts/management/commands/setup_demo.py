"""Prepare ``make run``: load the 2024 edition (unless present) and create a demo user per role.

With ``--with-sample-actuals`` it also adds sample FY2024 (「令和6年度」) actuals (invented
figures, noted 「サンプル」) so that the 「達成状況」 page shows every status. Without it there are no
actuals, as in the published edition.

Running it again keeps the data: an existing edition is not reloaded, existing users are not
recreated (nor their passwords changed). Only this command creates demo users (no migration
does).
"""

import os
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import Bureau, Role, User
from plan.models import Edition

EDITION_FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "edition-2024.json"
DEFAULT_DEMO_PASSWORD = "kitakyushu-demo-2024"

# username, role (「役割」), bureaus (「所属局」), display name (「表示名」)
DEMO_USERS = (
    ("coordinator", Role.COORDINATOR, ("環境局",), "環境局 取りまとめ担当"),
    ("kankyo", Role.BUREAU_STAFF, ("環境局",), "環境局 担当者"),
    ("sangyo", Role.BUREAU_STAFF, ("産業経済局",), "産業経済局 担当者"),
    ("viewer", Role.VIEWER, (), "閲覧者"),
    ("admin", Role.SYSTEM_ADMIN, (), "システム管理者"),
)


class Command(BaseCommand):
    help = "2024年版の個別プロジェクト集とデモ利用者を用意する (既存のデータは保つ)。"

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--with-sample-actuals",
            action="store_true",
            help="令和6年度のサンプルの実績値 (架空の値、備考「サンプル」) も入れる。",
        )

    def handle(self, *args, **options) -> None:
        password = os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD
        with transaction.atomic():
            self.load_edition()
            created = self.create_demo_users(password)
            if options["with_sample_actuals"]:
                self.load_sample_actuals()
        self.stdout.write("")
        port = os.environ.get("PORT", "8000")
        self.stdout.write(f"管理画面: http://127.0.0.1:{port}/admin/")
        if created:
            source = "環境変数 DEMO_PASSWORD" if os.environ.get("DEMO_PASSWORD") else "既定値"
            self.stdout.write(f"デモ利用者を作成しました (パスワードは{source}: {password}):")
        else:
            self.stdout.write("デモ利用者 (作成済み。パスワードは最初に作ったときのまま):")
        for username, role, bureaus, _name in DEMO_USERS:
            bureau_text = "・".join(bureaus) or "所属なし"
            self.stdout.write(f"  {username:12} {role.label} ({bureau_text})")

    def load_edition(self) -> None:
        if Edition.objects.filter(plan__name="北九州市環境基本計画", fiscal_year=2024).exists():
            self.stdout.write("令和6年(2024年)版は読み込み済みです (データを保ちます)。")
            return
        call_command("loaddata", str(EDITION_FIXTURE), verbosity=0)
        # loaddata writes no history: record the published state as each record's first version,
        # so that the first change shows what it changed from (and can be undone).
        call_command("populate_history", auto=True, verbosity=0)
        self.stdout.write("令和6年(2024年)版を読み込みました。")

    def load_sample_actuals(self) -> None:
        from kpis.samples import load_sample_actuals

        edition = Edition.objects.get(plan__name="北九州市環境基本計画", fiscal_year=2024)
        added = load_sample_actuals(edition)
        self.stdout.write(
            f"令和6年度のサンプルの実績値を {added} 件入れました (架空の値、備考「サンプル」)。"
        )

    def create_demo_users(self, password: str) -> list[str]:
        created = []
        for username, role, bureau_names, display_name in DEMO_USERS:
            if User.objects.filter(username=username).exists():
                continue
            user = User.objects.create_user(
                username=username,
                password=password,
                role=role,
                is_staff=True,
                last_name=display_name,
                email=f"{username}@example.jp",
            )
            user.bureaus.set(Bureau.objects.filter(name__in=bureau_names))
            created.append(username)
        return created
