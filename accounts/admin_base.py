"""Admin base classes that hand every permission question to the policy, with the object.

Django's ``ModelAdmin.has_change_permission(request, obj)`` asks ``user.has_perm(perm)`` without the
object; these pass the object on, so that accounts/permissions.py can decide per bureau. Inlines
ask about their parent: a staff member may edit a project's KPI links only where they may change
the project itself.
"""

from django.contrib import admin
from django.contrib.auth import get_permission_codename


def permission_name(opts, action: str) -> str:
    return f"{opts.app_label}.{get_permission_codename(action, opts)}"


class PolicyModelAdmin(admin.ModelAdmin):
    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm(permission_name(self.opts, "view"), obj) or (
            self.has_change_permission(request, obj)
        )

    def has_add_permission(self, request) -> bool:
        return request.user.has_perm(permission_name(self.opts, "add"))

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.has_perm(permission_name(self.opts, "change"), obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.has_perm(permission_name(self.opts, "delete"), obj)


class PolicyInlineMixin:
    """An inline row may be added, changed or deleted only by someone who may change the parent."""

    def _may_change_parent(self, request, obj) -> bool:
        return request.user.has_perm(permission_name(self.parent_model._meta, "change"), obj)

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm(permission_name(self.opts, "view"))

    def has_add_permission(self, request, obj=None) -> bool:
        return self._may_change_parent(request, obj) and request.user.has_perm(
            permission_name(self.opts, "add")
        )

    def has_change_permission(self, request, obj=None) -> bool:
        return self._may_change_parent(request, obj) and request.user.has_perm(
            permission_name(self.opts, "change")
        )

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._may_change_parent(request, obj) and request.user.has_perm(
            permission_name(self.opts, "delete")
        )


class PolicyTabularInline(PolicyInlineMixin, admin.TabularInline):
    extra = 0
