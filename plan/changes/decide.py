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
    """「承認」: apply the whole request; ChangeConflict if any record changed after submission.

    The request's row is locked, so two people approving at once apply it once (the later one
    is told it is already approved). If ``revision`` (the version the review page showed)
    differs from the current one, nothing is done: RequestRevised.
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
    """「差し戻し」: the submitter may amend and resubmit. A comment is required."""
    comment = require_text(comment, "差し戻しのコメントを入力してください。")
    return _decide(acting_user, change_request, ChangeRequest.Status.RETURNED, comment, revision)


@transaction.atomic
def change_request_reject(
    *, acting_user, change_request: ChangeRequest, reason: str, revision: int | None = None
) -> ChangeRequest:
    """「却下」: a reason is required."""
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
def change_request_withdraw(
    *, acting_user, change_request: ChangeRequest, replacing: object | None = None
) -> ChangeRequest:
    """「取り下げ」: by the submitter, only before a decision (「審査待ち」 or 「差し戻し」); or
    by whoever submits again the record ``replacing`` that carried it (see the policy's
    ``may_withdraw``)."""
    change_request = _locked(change_request)
    if not permissions.may_withdraw(acting_user, change_request, replacing=replacing):
        raise PermissionDenied(permissions.WITHDRAWAL_REFUSED)
    change_request.status = ChangeRequest.Status.WITHDRAWN
    change_request.save(update_fields=["status"])
    record_event(change_request, ChangeRequestEvent.Kind.WITHDRAWN, actor=acting_user)
    return change_request
