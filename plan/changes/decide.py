"""Deciding a change request: approve, return, reject; and withdrawing it."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from accounts import permissions
from plan.changes import notifications
from plan.changes.apply import apply_items
from plan.changes.events import record_event
from plan.changes.values import require_text
from plan.changes.vocabulary import RequestRevised
from plan.models import ChangeRequest, ChangeRequestEvent

# --- Deciding ---------------------------------------------------------------------------------


def _locked(change_request: ChangeRequest) -> ChangeRequest:
    return ChangeRequest.objects.select_for_update().get(pk=change_request.pk)


def _check_revision(change_request: ChangeRequest, revision: int | None) -> None:
    """The decision is about the revision the person was shown (``None``: not from a review page)."""
    if revision is not None and revision != change_request.revision:
        raise RequestRevised(shown=revision, current=change_request.revision)


def _check_may_decide(user, change_request: ChangeRequest) -> None:
    refusal = permissions.decision_refusal(user, change_request)
    if refusal is not None:
        raise PermissionDenied(refusal)


@transaction.atomic
def change_request_approve(
    *, acting_user, change_request: ChangeRequest, revision: int | None = None
) -> ChangeRequest:
    """承認: 申請全体を反映する。申請後にどれかのレコードが変わっていれば ChangeConflict。

    申請の行をロックするので、二人が同時に承認しても反映は一度だけ (後の一人は「すでに承認済み」)。
    ``revision`` (審査画面で表示した版) が今の版と違えば、何もせず RequestRevised。
    """
    change_request = _locked(change_request)
    _check_may_decide(acting_user, change_request)
    _check_revision(change_request, revision)
    apply_items(change_request, proposer=change_request.submitted_by, approver=acting_user)
    change_request.status = ChangeRequest.Status.APPROVED
    change_request.decided_by = acting_user
    change_request.decided_at = timezone.now()
    change_request.save(update_fields=["status", "decided_by", "decided_at"])
    record_event(change_request, ChangeRequestEvent.Kind.APPROVED, actor=acting_user)
    transaction.on_commit(lambda: notifications.notify_decided(change_request))
    return change_request


@transaction.atomic
def change_request_return(
    *, acting_user, change_request: ChangeRequest, comment: str, revision: int | None = None
) -> ChangeRequest:
    """差し戻し: 申請者が修正して再申請できる。コメントは必須。"""
    comment = require_text(comment, "差し戻しのコメントを入力してください。")
    return _decide(acting_user, change_request, ChangeRequest.Status.RETURNED, comment, revision)


@transaction.atomic
def change_request_reject(
    *, acting_user, change_request: ChangeRequest, reason: str, revision: int | None = None
) -> ChangeRequest:
    """却下: 理由は必須。"""
    reason = require_text(reason, "却下の理由を入力してください。")
    return _decide(acting_user, change_request, ChangeRequest.Status.REJECTED, reason, revision)


def _decide(
    acting_user, change_request: ChangeRequest, status: str, comment: str, revision: int | None
) -> ChangeRequest:
    change_request = _locked(change_request)
    _check_may_decide(acting_user, change_request)
    _check_revision(change_request, revision)
    change_request.status = status
    change_request.decision_comment = comment
    change_request.decided_by = acting_user
    change_request.decided_at = timezone.now()
    change_request.save(update_fields=["status", "decision_comment", "decided_by", "decided_at"])
    record_event(change_request, status, actor=acting_user, comment=comment)
    transaction.on_commit(lambda: notifications.notify_decided(change_request))
    return change_request


@transaction.atomic
def change_request_withdraw(*, acting_user, change_request: ChangeRequest) -> ChangeRequest:
    """取り下げ: 申請者が、決定前 (審査待ち・差し戻し) に限って。"""
    change_request = _locked(change_request)
    if not permissions.may_withdraw(acting_user, change_request):
        raise PermissionDenied(permissions.WITHDRAWAL_REFUSED)
    change_request.status = ChangeRequest.Status.WITHDRAWN
    change_request.save(update_fields=["status"])
    record_event(change_request, ChangeRequestEvent.Kind.WITHDRAWN, actor=acting_user)
    return change_request
