"""Set up the first (or another) system administrator: only for people who can run commands on
the server.

    python manage.py create_system_admin USERNAME [--email ADDRESS]

Creates the user if missing (password from the SYSTEM_ADMIN_PASSWORD variable, otherwise asked
twice at the terminal); otherwise makes their role 「システム管理者」 (password unchanged). It
creates no superuser: daily operation needs none. System administrators in the admin cannot
grant this role to anyone (may_assign_role in accounts/permissions.py).
"""

from __future__ import annotations

import getpass
import os
import sys

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from accounts.models import Role, User


class Command(BaseCommand):
    help = (
        "システム管理者を作る (いればその役割をシステム管理者にする)。スーパーユーザーは作らない。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="利用者名")
        parser.add_argument("--email", default="", help="メールアドレス (作るときだけ)")

    def handle(self, *args, **options) -> None:
        username: str = options["username"]
        with transaction.atomic():
            user = User.objects.select_for_update().filter(username=username).first()
            if user is not None:
                user.role = Role.SYSTEM_ADMIN
                user.is_staff = True
                user.is_active = True
                user.save(update_fields=["role", "is_staff", "is_active"])
                self.stdout.write(f"利用者「{username}」をシステム管理者にしました。")
                return
            password = self.read_password()
            candidate = User(username=username, email=options["email"], role=Role.SYSTEM_ADMIN)
            try:
                validate_password(password, candidate)
            except ValidationError as invalid:
                raise CommandError(" ".join(invalid.messages)) from invalid
            User.objects.create_user(
                username=username,
                email=options["email"],
                password=password,
                role=Role.SYSTEM_ADMIN,
                is_staff=True,
            )
        self.stdout.write(f"システム管理者「{username}」を作成しました。")

    def read_password(self) -> str:
        password = os.environ.get("SYSTEM_ADMIN_PASSWORD", "")
        if password:
            return password
        if not sys.stdin.isatty():
            raise CommandError(
                "パスワードがありません: 環境変数 SYSTEM_ADMIN_PASSWORD を与えるか、端末から実行してください。"
            )
        password = getpass.getpass("パスワード: ")
        if password != getpass.getpass("パスワード (確認): "):
            raise CommandError("二つのパスワードが一致しません。")
        return password
