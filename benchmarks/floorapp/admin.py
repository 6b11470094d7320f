"""The floor: a second AdminSite with a minimal ModelAdmin changelist of the flat model.

Permissions are the plainest possible (any active staff member), so the floor measures what every
admin changelist costs: the middleware (session, authentication, django-axes, CSP), the count, one
page of rows and the template, nothing of the application's own.
"""

from django.contrib import admin

from benchmarks.floorapp.models import FloorRow

floor_site = admin.AdminSite(name="floor")


@admin.register(FloorRow, site=floor_site)
class FloorRowAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "number")

    def _staff(self, request) -> bool:
        return request.user.is_active and request.user.is_staff

    def has_module_permission(self, request) -> bool:
        return self._staff(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return self._staff(request)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
