"""Users, bureaus and roles.

所管局 (bureau) は事業の責任を持つ市の局。利用者は一つ以上の局に所属し、役割 (role) を一つ持つ。
誰が何をできるかはここでは決めない (accounts/permissions.py の役目)。
"""

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone


class BureauManager(models.Manager["Bureau"]):
    def get_by_natural_key(self, name: str) -> "Bureau":
        return self.get(name=name)


class Bureau(models.Model):
    """市の局。名称は公表資料の表記 (例: 「財政・変革局」) のまま一意。"""

    name = models.CharField("局名", max_length=50, unique=True)
    display_order = models.PositiveSmallIntegerField("表示順", default=0)

    objects = BureauManager()

    class Meta:
        verbose_name = "所管局"
        verbose_name_plural = "所管局"
        ordering = ["display_order", "name"]

    def __str__(self) -> str:
        return self.name

    def natural_key(self) -> tuple[str]:
        return (self.name,)


class Role(models.TextChoices):
    """役割。権限の中身は accounts/permissions.py が決める。"""

    BUREAU_STAFF = "bureau_staff", "所管局担当者"
    COORDINATOR = "coordinator", "取りまとめ担当"
    VIEWER = "viewer", "閲覧者"
    SYSTEM_ADMIN = "system_admin", "システム管理者"


class User(AbstractUser):
    """管理画面の利用者。役割と所属局を持つ。"""

    role = models.CharField("役割", max_length=20, choices=Role.choices, default=Role.VIEWER)
    bureaus = models.ManyToManyField(
        Bureau, verbose_name="所属局", blank=True, related_name="members"
    )

    objects = UserManager()

    class Meta:
        verbose_name = "利用者"
        verbose_name_plural = "利用者"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="user_role_valid"
            ),
        ]

    def __str__(self) -> str:
        name = self.get_full_name()
        return f"{name} ({self.username})" if name else self.username

    def get_full_name(self) -> str:
        """日本語の順 (姓 名)。"""
        return f"{self.last_name} {self.first_name}".strip()

    def get_short_name(self) -> str:
        return self.get_full_name() or self.username


# Sign-in records kept by django-axes, shown in the admin under Japanese names.


def _record_name(what: str, record) -> str:
    """django-axes names its records in English (「Access Log for … @ …」)."""
    when = timezone.localtime(record.attempt_time).strftime("%Y-%m-%d %H:%M")
    return f"{record.username or '(利用者名なし)'} の{what} ({when})"


class LockoutRecord(AccessAttempt):
    """連続したログイン失敗の記録。ロックの判定に使う。削除するとロックが解ける。"""

    class Meta:
        proxy = True
        verbose_name = "ログイン失敗の集計 (ロック)"
        verbose_name_plural = "ログイン失敗の集計 (ロック)"

    def __str__(self) -> str:
        return _record_name("ログイン失敗の集計", self)


class SignInRecord(AccessLog):
    """成功したログインとログアウトの記録。"""

    class Meta:
        proxy = True
        verbose_name = "ログイン・ログアウトの記録"
        verbose_name_plural = "ログイン・ログアウトの記録"

    def __str__(self) -> str:
        return _record_name("ログイン", self)


class FailedSignInRecord(AccessFailureLog):
    """失敗したログインの記録 (一回ごと)。"""

    class Meta:
        proxy = True
        verbose_name = "ログイン失敗の記録"
        verbose_name_plural = "ログイン失敗の記録"

    def __str__(self) -> str:
        return _record_name("ログイン失敗", self)


class AccountChangeRecord(LogEntry):
    """利用者の変更記録: 管理画面で誰がいつどの利用者を作成・変更・削除したか (役割の付与、
    パスワードの設定を含む)。Django の LogEntry のうち利用者についてのもの。"""

    class Meta:
        proxy = True
        verbose_name = "利用者の変更記録"
        verbose_name_plural = "利用者の変更記録"
