"""Who proposed and who approved each recorded change.

django-simple-history keeps a historical row for every write to the plan's records. The services
that apply changes (plan.changes.apply) run inside ``attributed_to(...)``; while it is active, every
historical row written is stamped with the change request, its proposer and its approver
(history_user is the approver: the person who made the change official).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass

from django.dispatch import receiver
from simple_history.signals import pre_create_historical_record


@dataclass(frozen=True)
class Attribution:
    change_request: object
    proposed_by: object
    approved_by: object
    reason: str


_current: ContextVar[Attribution | None] = ContextVar("plan_change_attribution", default=None)


@contextlib.contextmanager
def attributed_to(*, change_request, proposed_by, approved_by, reason: str = "") -> Iterator[None]:
    token = _current.set(Attribution(change_request, proposed_by, approved_by, reason[:100]))
    try:
        yield
    finally:
        _current.reset(token)


@receiver(pre_create_historical_record)
def stamp_attribution(sender, history_instance, **kwargs) -> None:
    attribution = _current.get()
    if attribution is None:
        return
    history_instance.change_request = attribution.change_request
    history_instance.proposed_by = attribution.proposed_by
    history_instance.approved_by = attribution.approved_by
    history_instance.history_user = attribution.approved_by
    if attribution.reason and not history_instance.history_change_reason:
        history_instance.history_change_reason = attribution.reason
