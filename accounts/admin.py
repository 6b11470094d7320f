"""Admin for users and bureaus."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Count

from accounts.admin_base import PolicyModelAdmin
from accounts.models import Bureau, User


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
