"""Admin for users and bureaus."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Count

from accounts.admin_base import PolicyModelAdmin
from accounts.models import Bureau, FailedSignInRecord, LockoutRecord, SignInRecord, User


@admin.register(Bureau)
class BureauAdmin(PolicyModelAdmin):
    list_display = ("name", "display_order", "project_count", "member_count")
    search_fields = ("name",)
    ordering = ("display_order", "name")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                project_count=Count("project_links", distinct=True),
                member_count=Count("members", distinct=True),
            )
        )

    @admin.display(description="所管事業数", ordering="project_count")
    def project_count(self, bureau) -> int:
        return bureau.project_count

    @admin.display(description="所属者数", ordering="member_count")
    def member_count(self, bureau) -> int:
        return bureau.member_count


@admin.register(User)
class UserAdmin(PolicyModelAdmin, DjangoUserAdmin):
    list_display = ("username", "last_name", "first_name", "role", "bureau_names", "is_active")
    list_filter = ("role", "bureaus", "is_active")
    filter_horizontal = ("bureaus",)
    fieldsets = (
        *DjangoUserAdmin.fieldsets[:2],
        ("役割と所属", {"fields": ("role", "bureaus")}),
        ("状態", {"fields": ("is_active", "is_staff", "last_login", "date_joined")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        ("役割と所属", {"fields": ("role", "bureaus")}),
    )
    readonly_fields = ("last_login", "date_joined")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("bureaus")

    @admin.display(description="所属局")
    def bureau_names(self, user) -> str:
        return " ".join(bureau.name for bureau in user.bureaus.all())


class SignInRecordAdminBase(PolicyModelAdmin):
    """django-axes の記録を読むだけの一覧 (追加・変更はできない)。"""

    list_filter = ("attempt_time",)
    search_fields = ("username", "ip_address")
    date_hierarchy = "attempt_time"
    ordering = ("-attempt_time",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="利用者名", ordering="username")
    def user_name(self, record) -> str:
        return record.username or ""

    @admin.display(description="IP アドレス", ordering="ip_address")
    def address(self, record) -> str:
        return record.ip_address or ""

    @admin.display(description="日時", ordering="attempt_time")
    def time(self, record):
        return record.attempt_time


@admin.register(SignInRecord)
class SignInRecordAdmin(SignInRecordAdminBase):
    list_display = ("time", "user_name", "address", "signed_out")

    @admin.display(description="サインアウト", ordering="logout_time")
    def signed_out(self, record):
        return record.logout_time


@admin.register(FailedSignInRecord)
class FailedSignInRecordAdmin(SignInRecordAdminBase):
    list_display = ("time", "user_name", "address", "locked")

    @admin.display(description="ロック中の試行", boolean=True, ordering="locked_out")
    def locked(self, record) -> bool:
        return record.locked_out


@admin.register(LockoutRecord)
class LockoutRecordAdmin(SignInRecordAdminBase):
    """削除するとロックが解ける (システム管理者のみ)。"""

    list_display = ("time", "user_name", "address", "failures")

    @admin.display(description="連続失敗回数", ordering="failures_since_start")
    def failures(self, record) -> int:
        return record.failures_since_start
