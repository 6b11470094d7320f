"""The visible thread of a change request: each submission, amendment and decision as an event."""

from __future__ import annotations

from django.utils import timezone

from plan.models import ChangeRequest, ChangeRequestEvent


def record_event(
    change_request: ChangeRequest, kind: str, *, actor, comment: str = ""
) -> ChangeRequestEvent:
    """Add one event to the request's thread, at its current revision (one query)."""
    return ChangeRequestEvent.objects.create(
        change_request=change_request,
        kind=kind,
        actor=actor,
        at=timezone.now(),
        revision=change_request.revision,
        comment=comment,
    )
