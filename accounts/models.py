"""Users, bureaus and roles.

A bureau (「所管局」) is a city bureau responsible for projects. A user belongs to one or more
bureaus and has one role. Who may do what is not decided here (that is accounts/permissions.py).
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
    """A city bureau; its name, as published (e.g. 「財政・変革局」), is unique."""

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
    """A role. What it may do is decided by accounts/permissions.py."""

    BUREAU_STAFF = "bureau_staff", "所管局担当者"
    COORDINATOR = "coordinator", "取りまとめ担当"
    VIEWER = "viewer", "閲覧者"
    SYSTEM_ADMIN = "system_admin", "システム管理者"


class User(AbstractUser):
    """A user of the admin, with a role and bureaus."""

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

    def save(self, *args, **kwargs) -> None:
        """「スタッフ権限」 follows the role: every role works in the admin (the policy says what
        each may do there), so an account with a role can sign in; 「有効」 is the switch."""
        self.is_staff = self.role in Role.values
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "is_staff"}
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        name = self.get_full_name()
        return f"{name} ({self.username})" if name else self.username

    def get_full_name(self) -> str:
        """In Japanese order (family name, given name)."""
        return f"{self.last_name} {self.first_name}".strip()

    def get_short_name(self) -> str:
        return self.get_full_name() or self.username


# Sign-in records kept by django-axes, shown in the admin under Japanese names.


def _record_name(what: str, record) -> str:
    """django-axes names its records in English (「Access Log for … @ …」)."""
    when = timezone.localtime(record.attempt_time).strftime("%Y-%m-%d %H:%M")
    return f"{record.username or '(利用者名なし)'} の{what} ({when})"


class LockoutRecord(AccessAttempt):
    """A record of consecutive sign-in failures, used to decide lock-outs; deleting it unlocks."""

    class Meta:
        proxy = True
        verbose_name = "ログイン失敗の集計 (ロック)"
        verbose_name_plural = "ログイン失敗の集計 (ロック)"

    def __str__(self) -> str:
        return _record_name("ログイン失敗の集計", self)


class SignInRecord(AccessLog):
    """A record of successful sign-ins and sign-outs."""

    class Meta:
        proxy = True
        verbose_name = "ログイン・ログアウトの記録"
        verbose_name_plural = "ログイン・ログアウトの記録"

    def __str__(self) -> str:
        return _record_name("ログイン", self)


class FailedSignInRecord(AccessFailureLog):
    """A record of failed sign-ins (one per attempt)."""

    class Meta:
        proxy = True
        verbose_name = "ログイン失敗の記録"
        verbose_name_plural = "ログイン失敗の記録"

    def __str__(self) -> str:
        return _record_name("ログイン失敗", self)


class AccountChangeRecord(LogEntry):
    """The record of changes to users: who created, changed or deleted which user in the admin,
    and when (granting roles and setting passwords included). Django's LogEntry rows about
    users."""

    class Meta:
        proxy = True
        verbose_name = "利用者の変更記録"
        verbose_name_plural = "利用者の変更記録"
