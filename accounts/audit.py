"""The record of who gave which role to whom, and when (in the admin's log, Django's LogEntry).

The admin writes its usual entry for every change of an account (「役割 を変更しました。」); a role
given or taken away gets an entry of its own that names both roles, so that a coordinator's rights
can always be traced to the person who granted them. System administrators read these entries in
「利用者の変更記録」 (accounts.admin.AccountChangeRecordAdmin).
"""

from __future__ import annotations

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry

from accounts.models import Role, User


def account_role_change_record(
    *, acting_user: User, account: User, previous_role: str | None
) -> LogEntry | None:
    """Record that ``acting_user`` gave ``account`` its current role (``previous_role`` is None for
    a new account). Nothing is recorded when the role did not change."""
    if previous_role == account.role:
        return None
    role = Role(account.role).label
    if previous_role is None:
        message, action = f"役割「{role}」で作成しました。", ADDITION
    else:
        before = Role(previous_role).label
        message, action = f"役割を「{before}」から「{role}」に変更しました。", CHANGE
    return LogEntry.objects.log_actions(
        user_id=acting_user.pk,
        queryset=[account],
        action_flag=action,
        change_message=message,
        single_object=True,
    )
