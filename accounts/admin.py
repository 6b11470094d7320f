"""Admin for users and bureaus, and the records of sign-ins and of changes to accounts."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count

from accounts import permissions
from accounts.admin_base import PolicyModelAdmin
from accounts.audit import account_role_change_record
from accounts.models import (
    AccountChangeRecord,
    Bureau,
    FailedSignInRecord,
    LockoutRecord,
    Role,
    SignInRecord,
    User,
)


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
        ("状態", {"fields": ("is_active", "last_login", "date_joined")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        ("役割と所属", {"fields": ("role", "bureaus")}),
    )
    readonly_fields = ("last_login", "date_joined")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("bureaus")

    def get_form(self, request, obj=None, **kwargs):
        return role_guarded_form(super().get_form(request, obj, **kwargs), request.user)

    @staticmethod
    def _protected_from(request, account) -> bool:
        """A system administrator may read, but not change, their own account, another system
        administrator's or a superuser's (the policy's rule): the pages say why."""
        return (
            account is not None
            and request.user.role == Role.SYSTEM_ADMIN
            and not permissions.may_manage_account(request.user, account)
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if self._protected_from(request, self.get_object(request, unquote(object_id))):
            if request.method != "GET":
                raise PermissionDenied(permissions.ACCOUNT_PROTECTED)
            messages.warning(request, permissions.ACCOUNT_PROTECTED)
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        if self._protected_from(request, self.get_object(request, unquote(object_id))):
            raise PermissionDenied(permissions.ACCOUNT_PROTECTED)
        return super().delete_view(request, object_id, extra_context)

    def user_change_password(self, request, id, form_url=""):
        if self._protected_from(request, self.get_object(request, unquote(id))):
            raise PermissionDenied(permissions.ACCOUNT_PROTECTED)
        return super().user_change_password(request, id, form_url)

    def save_model(self, request, obj, form, change) -> None:
        previous_role = form.initial.get("role") if change else None
        super().save_model(request, obj, form, change)
        account_role_change_record(
            acting_user=request.user, account=obj, previous_role=previous_role
        )

    @admin.display(description="所属局")
    def bureau_names(self, user) -> str:
        return " ".join(bureau.name for bureau in user.bureaus.all())


def role_guarded_form(form_class, user):
    """The user form offers only the roles ``user`` may give, and refuses any other (a forged
    POST) with the policy's message."""

    class RoleGuardedForm(form_class):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            field = self.fields.get("role")
            if field is not None:
                current = self.initial.get("role")
                # The widget offers the allowed roles; the field still accepts every role, so
                # that a forged one reaches clean_role and its message.
                field.widget.choices = [
                    (value, label)
                    for value, label in field.choices
                    if value == current or permissions.may_assign_role(user, value)
                ]

        def clean_role(self):
            role = self.cleaned_data["role"]
            if role != self.initial.get("role") and not permissions.may_assign_role(user, role):
                raise ValidationError(permissions.ROLE_ASSIGNMENT_REFUSED)
            return role

    RoleGuardedForm.__name__ = form_class.__name__
    return RoleGuardedForm


class AttemptTimeFilter(admin.DateFieldListFilter):
    """django-axes names the field 「Attempt Time」 in English."""

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        self.title = "日時"


class SignInRecordAdminBase(PolicyModelAdmin):
    """A read-only list of django-axes' records (no adding or changing).

    Its fields are named in English by django-axes: the pages show them through the Japanese
    columns below (``fields``), never under those names."""

    list_filter = (("attempt_time", AttemptTimeFilter),)
    fields = ("time", "user_name", "address", "browser")
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

    @admin.display(description="ブラウザー")
    def browser(self, record) -> str:
        return record.user_agent or ""

    def get_readonly_fields(self, request, obj=None):
        return self.fields


@admin.register(SignInRecord)
class SignInRecordAdmin(SignInRecordAdminBase):
    list_display = ("time", "user_name", "address", "signed_out")
    fields = (*SignInRecordAdminBase.fields, "signed_out")

    @admin.display(description="ログアウト", ordering="logout_time")
    def signed_out(self, record):
        return record.logout_time


@admin.register(FailedSignInRecord)
class FailedSignInRecordAdmin(SignInRecordAdminBase):
    list_display = ("time", "user_name", "address", "locked")
    fields = (*SignInRecordAdminBase.fields, "locked")

    @admin.display(description="ロック中の試行", boolean=True, ordering="locked_out")
    def locked(self, record) -> bool:
        return record.locked_out


@admin.register(LockoutRecord)
class LockoutRecordAdmin(SignInRecordAdminBase):
    """Deleting unlocks (system administrators only)."""

    list_display = ("time", "user_name", "address", "failures")
    fields = (*SignInRecordAdminBase.fields, "failures")

    @admin.display(description="連続失敗回数", ordering="failures_since_start")
    def failures(self, record) -> int:
        return record.failures_since_start


@admin.register(AccountChangeRecord)
class AccountChangeRecordAdmin(PolicyModelAdmin):
    """A read-only list of changes to users (create, change, delete, setting passwords, granting
    roles)."""

    list_display = ("time", "actor", "account", "operation", "message")
    list_filter = ("action_flag", "action_time")
    search_fields = ("object_repr", "user__username", "change_message")
    date_hierarchy = "action_time"
    ordering = ("-action_time", "-pk")
    list_select_related = ("user",)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(content_type=ContentType.objects.get_for_model(User))
        )

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="日時", ordering="action_time")
    def time(self, record):
        return record.action_time

    @admin.display(description="操作した人", ordering="user__username")
    def actor(self, record) -> str:
        return str(record.user)

    @admin.display(description="対象の利用者", ordering="object_repr")
    def account(self, record) -> str:
        return record.object_repr

    @admin.display(description="操作", ordering="action_flag")
    def operation(self, record) -> str:
        return {1: "作成", 2: "変更", 3: "削除"}.get(record.action_flag, "")

    @admin.display(description="内容")
    def message(self, record) -> str:
        return record.get_change_message()
