"""Email about change requests (Django's email framework; the console backend in development).

- When submitted: to every 「取りまとめ担当」.
- When decided (「承認」, 「差し戻し」, 「却下」): to the submitter.
Both link to the request's page (SITE_URL + the admin URL).

Mail is sent after the request is committed: a failure to send is logged and never loses, hides
or undoes the saved request (nor turns the response into an error).
"""

import functools
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse

from accounts import permissions

logger = logging.getLogger(__name__)


def _never_raises(notify):
    """Log a failure to send (the request is already saved) instead of raising it."""

    @functools.wraps(notify)
    def safe(change_request) -> None:
        try:
            notify(change_request)
        except Exception:
            logger.exception(
                "Could not send the %s mail of change request #%s",
                notify.__name__,
                change_request.pk,
            )

    return safe


def one_line(subject: str) -> str:
    """An e-mail subject on one line: line breaks and runs of spaces become one space."""
    return " ".join(subject.split())


def change_request_url(change_request) -> str:
    path = reverse("admin:plan_changerequest_change", args=[change_request.pk])
    return f"{settings.SITE_URL.rstrip('/')}{path}"


@_never_raises
def notify_submitted(change_request) -> None:
    recipients = list(
        permissions.reviewers()
        .exclude(email="")
        .exclude(pk=change_request.submitted_by_id)
        .values_list("email", flat=True)
    )
    if not recipients:
        return
    submitter = change_request.submitted_by
    send_mail(
        subject=one_line(f"[環境基本計画] 変更申請 #{change_request.pk}: {change_request.title}"),
        message=(
            f"{submitter.get_full_name() or submitter.username} さんから変更申請がありました。\n\n"
            f"件名: {change_request.title}\n"
            f"変更理由: {change_request.reason}\n\n"
            f"審査: {change_request_url(change_request)}\n"
        ),
        from_email=None,
        recipient_list=sorted(recipients),
    )


@_never_raises
def notify_decided(change_request) -> None:
    submitter = change_request.submitted_by
    if not submitter.email or change_request.decided_by_id == submitter.pk:
        return
    comment = (
        f"\nコメント: {change_request.decision_comment}\n"
        if change_request.decision_comment
        else ""
    )
    send_mail(
        subject=one_line(
            f"[環境基本計画] 変更申請 #{change_request.pk} は「{change_request.get_status_display()}」になりました"
        ),
        message=(
            f"変更申請 #{change_request.pk}「{change_request.title}」は"
            f"「{change_request.get_status_display()}」になりました。\n{comment}\n"
            f"申請: {change_request_url(change_request)}\n"
        ),
        from_email=None,
        recipient_list=[submitter.email],
    )
