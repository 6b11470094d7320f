"""Recording a set of changes: as a change request to approve, or applied at once."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Required, TypedDict, Unpack

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db import router, transaction
from django.utils import timezone

from accounts import permissions
from plan.changes import notifications
from plan.changes.apply import apply_items
from plan.changes.authorise import bureaus_concerned, check_changes
from plan.changes.events import record_event
from plan.changes.inserts import insert_all
from plan.changes.scope import RequestScope, open_request_for_task
from plan.changes.values import require_text, snapshot, to_json
from plan.changes.vocabulary import ProposedChange, Ref
from plan.models import ChangeItem, ChangeRequest, ChangeRequestEvent, Edition

if TYPE_CHECKING:
    from accounts.models import User
    from kpis.models import Kpi
    from plan.models import Project


class Submission(TypedDict, total=False):
    """The keyword arguments of every way to record a set of changes: who acts, in which
    edition, the changes, why and under which title; optionally the project or KPI the request
    is about (a person has one open request per target, source and source name: one per
    評価の照会, for example) and where the changes come
    from (the admin by default, or an import with its file name)."""

    acting_user: Required[User]
    edition: Required[Edition | None]
    changes: Required[list[ProposedChange]]
    reason: Required[str]
    title: Required[str]
    project: Project | None
    kpi: Kpi | None
    source: str
    source_name: str
    scope: RequestScope | None


def _request_fields(submission: Submission) -> dict:
    """What the request records about the changes besides who acts and why."""
    return {
        "edition": submission["edition"],
        "title": submission["title"][:300],
        "project": submission.get("project"),
        "kpi": submission.get("kpi"),
        "source": submission.get("source", ChangeRequest.Source.ADMIN),
        "source_name": submission.get("source_name", ""),
    }


def _write_items(
    change_request: ChangeRequest, changes: list[ProposedChange], *, first_position: int = 1
) -> list[ChangeItem]:
    """Insert the changes as the request's items (at once); returns them, with their keys."""
    items = []
    for position, change in enumerate(changes, start=first_position):
        instance = change.instance
        items.append(
            ChangeItem(
                change_request=change_request,
                position=position,
                model_label=change.model_label,
                object_pk=None if instance is None else instance.pk,
                key=change.key,
                operation=change.operation,
                object_repr=str(instance)[:300] if instance is not None else _describe_new(change),
                base={} if instance is None else snapshot(instance),
                proposed={name: to_json(value) for name, value in change.values.items()},
            )
        )
    insert_all(ChangeItem, items, router.db_for_write(ChangeItem))
    return items


def _merge_items(
    change_request: ChangeRequest, changes: list[ProposedChange], scope: RequestScope
) -> None:
    """Keep the request's items the form did not show, replace those it showed (appended after).

    New records are named afresh (``r<revision>-<key>``) so that they never collide with the
    names of the new records the request already holds."""
    kept = [item for item in change_request.items.order_by("position") if not scope.covers(item)]
    change_request.items.exclude(pk__in=[item.pk for item in kept]).delete()
    prefix = f"r{change_request.revision}-"
    renamed = [
        ProposedChange(
            change.operation,
            change.model_label,
            change.instance,
            {
                name: Ref(prefix + value.key) if isinstance(value, Ref) else value
                for name, value in change.values.items()
            },
            prefix + change.key if change.key else "",
        )
        for change in changes
    ]
    last = max((item.position for item in kept), default=0)
    _write_items(change_request, renamed, first_position=last + 1)


def _describe_new(change: ProposedChange) -> str:
    for name in ("name", "indicator", "title", "text"):
        if change.values.get(name):
            return str(change.values[name])[:300]
    return f"新しい{apps.get_model(change.model_label)._meta.verbose_name}"


@transaction.atomic
def change_request_submit(**submission: Unpack[Submission]) -> ChangeRequest:
    """Turn a 「所管局担当者」's change into a request (the official record is unchanged).

    With a ``scope`` (a form's records and its task, see plan.changes.scope), the changes join the
    user's open request about the same project and its KPIs, replacing its items on the records
    the form showed and keeping the others. Without it, an open request of the user about the
    same project or KPI from the same source (「審査待ち」 or 「差し戻し」) is replaced by the new
    content (an amendment).
    """
    acting_user, changes = submission["acting_user"], submission["changes"]
    if not permissions.requires_approval(acting_user):
        raise PermissionDenied(permissions.SUBMISSION_REFUSED)
    reason = require_text(submission["reason"], "変更理由を入力してください。")
    check_changes(acting_user, changes)
    fields = _request_fields(submission)
    existing = None
    scope = submission.get("scope")
    if scope is not None:
        existing = open_request_for_task(acting_user, scope, lock=True)
        if existing is not None:
            # The request keeps what it is about; a KPI's request joined by its project's save
            # becomes the project's.
            fields["project"] = existing.project or fields["project"]
            fields["kpi"] = existing.kpi or fields["kpi"]
            if existing.project is not None:
                fields["title"] = existing.title
            fields["source"], fields["source_name"] = existing.source, existing.source_name
    elif fields["project"] is not None or fields["kpi"] is not None:
        existing = (
            ChangeRequest.objects.select_for_update()
            .filter(
                submitted_by=acting_user,
                project=fields["project"],
                kpi=fields["kpi"],
                source=fields["source"],
                source_name=fields["source_name"],
            )
            .open()
            .first()
        )
    edition = fields.pop("edition")
    change_request = existing or ChangeRequest(edition=edition, submitted_by=acting_user)
    # Every submission and amendment is a new revision: a decision names the one it was shown.
    change_request.revision = existing.revision + 1 if existing is not None else 1
    for name, value in fields.items():
        setattr(change_request, name, value)
    change_request.reason = reason
    change_request.status = ChangeRequest.Status.PENDING
    change_request.submitted_at = timezone.now()
    # The earlier decision (a return) stays in the thread of events, no longer as the current one.
    change_request.decided_by = None
    change_request.decided_at = None
    change_request.decision_comment = ""
    change_request.save()
    kind = (
        ChangeRequestEvent.Kind.AMENDED
        if existing is not None
        else ChangeRequestEvent.Kind.SUBMITTED
    )
    record_event(change_request, kind, actor=acting_user, comment=reason)
    if scope is not None and existing is not None:
        change_request.bureaus.add(*bureaus_concerned(changes))
        _merge_items(change_request, changes, scope)
    else:
        change_request.bureaus.set(bureaus_concerned(changes))
        change_request.items.all().delete()
        _write_items(change_request, changes)
    transaction.on_commit(lambda: notifications.notify_submitted(change_request))
    return change_request


@transaction.atomic
def change_direct_apply(
    **submission: Unpack[Submission],
) -> tuple[ChangeRequest, dict[str, int]]:
    """A 「取りまとめ担当」's edit: recorded in the shape of a request and applied at once.
    Returns the new records' pks. A ``scope`` is accepted for the one door's sake and not used
    (nothing waits to be joined)."""
    acting_user, changes = submission["acting_user"], submission["changes"]
    if not permissions.may_apply_directly(acting_user):
        raise PermissionDenied(permissions.DIRECT_APPLY_REFUSED)
    check_changes(acting_user, changes)
    now = timezone.now()
    change_request = ChangeRequest.objects.create(
        **_request_fields(submission),
        status=ChangeRequest.Status.APPLIED_DIRECTLY,
        reason=(submission["reason"] or "").strip() or "取りまとめ担当による直接の編集",
        submitted_by=acting_user,
        submitted_at=now,
        decided_by=acting_user,
        decided_at=now,
    )
    change_request.bureaus.set(bureaus_concerned(changes))
    items = _write_items(change_request, changes)
    record_event(
        change_request,
        ChangeRequestEvent.Kind.APPLIED_DIRECTLY,
        actor=acting_user,
        comment=change_request.reason,
    )
    # The items just written are applied as they are (not read back: one query and a record
    # each fewer), when the database gave each its key.
    written = items if all(item.pk is not None for item in items) else None
    created = apply_items(change_request, proposer=acting_user, approver=acting_user, items=written)
    return change_request, created


@dataclass(frozen=True)
class Proposal:
    """What became of a set of changes: the request that records it, whether it was applied, and
    the primary keys of the records it created (by key; empty until applied)."""

    change_request: ChangeRequest
    applied: bool
    created: dict[str, int] = field(default_factory=dict)


def change_propose(**submission: Unpack[Submission]) -> Proposal:
    """One door for every change: bureau staff's becomes a change request (``change_request_submit``),
    a coordinator's is applied at once (``change_direct_apply``). The policy says which."""
    if permissions.requires_approval(submission["acting_user"]):
        return Proposal(change_request_submit(**submission), applied=False)
    change_request, created = change_direct_apply(**submission)
    return Proposal(change_request, applied=True, created=created)
