"""Authentication backend that answers permission questions from accounts/permissions.py.

Authentication is Django's (username and password). Permissions come from the policy only: the
permission rows of Django's auth tables are not consulted, so nothing can be granted by hand
outside the policy. Active superusers still pass everything (Django checks that before backends).
"""

from django.contrib.auth.backends import ModelBackend

from accounts import permissions


class PolicyBackend(ModelBackend):
    def has_perm(self, user_obj, perm, obj=None) -> bool:
        return permissions.has_perm(user_obj, perm, obj)

    def has_module_perms(self, user_obj, app_label) -> bool:
        return permissions.has_module_perms(user_obj, app_label)

    def get_user_permissions(self, user_obj, obj=None) -> set[str]:
        return set()

    def get_group_permissions(self, user_obj, obj=None) -> set[str]:
        return set()
