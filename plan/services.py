"""State changes of the official record: change requests (変更申請) and how they are applied.

Every write to the plan made through the application goes through these functions, whichever door
it came in by (the admin's forms, deletions, imports, a restore from history):

- 所管局担当者の変更は ``change_request_submit`` で申請になり、公式の記録は変わらない。
- 取りまとめ担当は ``change_request_approve`` / ``_return`` / ``_reject`` で決定する。自分の申請は決定できない。
- 取りまとめ担当自身の編集は ``change_direct_apply``: 申請と同じ形で記録し、その場で反映する。
- 反映は全体を一つのトランザクションで行い、対象の行をロックしたうえで、どのレコードも申請時点の
  値のままであることを確かめる。違っていれば何も反映せず ``ChangeConflict`` (更新を失わない)。
- 反映した変更は django-simple-history が記録し、申請・申請者・承認者を付ける (plan/history.py)。

誰が何をしてよいかは accounts/permissions.py に問い、ここでは決めない。
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from accounts import permissions
from plan import notifications
from plan.history import attributed_to
from plan.models import ChangeItem, ChangeRequest, Edition

# The records a change request may touch, in the order creations are applied (parents first).
CHANGEABLE_MODELS = (
    "plan.plan",
    "plan.edition",
    "plan.policygoal",
    "plan.measure",
    "plan.project",
    "plan.projectbureau",
    "plan.listing",
    "kpis.kpi",
    "kpis.kpivalue",
    "kpis.projectkpi",
)
DERIVED_FIELDS = {"search_text"}


class ChangeConflict(Exception):
    """The official record changed after the request was made, or the result would be invalid."""

    def __init__(self, messages: list[str]):
        super().__init__("\n".join(messages))
        self.messages = messages


@dataclass(frozen=True)
class Ref:
    """A record created by the same request (named by its ``key``)."""

    key: str


@dataclass
class ProposedChange:
    """One record to create, update or delete. ``values`` maps field attnames to new values."""

    operation: str
    model_label: str
    instance: models.Model | None = None
    values: dict[str, Any] = field(default_factory=dict)
    key: str = ""

    @classmethod
    def create(cls, model: type[models.Model], values: dict[str, Any], key: str) -> ProposedChange:
        return cls(ChangeItem.Operation.CREATE, model._meta.label_lower, None, values, key)

    @classmethod
    def update(cls, instance: models.Model, values: dict[str, Any]) -> ProposedChange:
        return cls(ChangeItem.Operation.UPDATE, instance._meta.label_lower, instance, values)

    @classmethod
    def delete(cls, instance: models.Model) -> ProposedChange:
        return cls(ChangeItem.Operation.DELETE, instance._meta.label_lower, instance)


def replace_ordered_links(
    current: list[models.Model],
    wanted: list,
    *,
    model,
    parent_field: str,
    parent,
    target_field: str,
    key: str,
) -> list[ProposedChange]:
    """Links whose order matters (a project's bureaus, its KPIs): when the wanted targets differ
    from the current ones (or their order does), delete the old links and create the new ones in
    order. This never collides with the uniqueness of positions (deletions are applied first)."""
    if [getattr(link, f"{target_field}_id") for link in current] == list(wanted):
        return []
    return [ProposedChange.delete(link) for link in current] + [
        ProposedChange.create(
            model,
            {f"{parent_field}_id": parent, f"{target_field}_id": target, "position": position},
            key=f"{key}:{position}",
        )
        for position, target in enumerate(wanted, start=1)
    ]


def replace_listings(
    current: list[models.Model], wanted: set[tuple[int, int]], *, project, key: str
):
    """A project's listings: delete those no longer wanted, create the new (measure, No) pairs."""
    from plan.models import Listing

    existing = {(listing.measure_id, listing.number): listing for listing in current}
    return [ProposedChange.delete(existing[pair]) for pair in sorted(set(existing) - wanted)] + [
        ProposedChange.create(
            Listing,
            {"measure_id": measure_id, "project_id": project, "number": number},
            key=f"{key}:{measure_id}",
        )
        for measure_id, number in sorted(wanted - set(existing))
    ]


# --- Values -----------------------------------------------------------------------------------


def tracked_fields(model: type[models.Model]) -> list[models.Field]:
    return [
        f for f in model._meta.concrete_fields if not f.primary_key and f.name not in DERIVED_FIELDS
    ]


def to_json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, Ref):
        return {"ref": value.key}
    return value


def snapshot(instance: models.Model) -> dict[str, Any]:
    """The record's values as stored in a request (JSON), to compare versions."""
    return {
        f.attname: to_json(getattr(instance, f.attname)) for f in tracked_fields(type(instance))
    }


def field_values(instance: models.Model, names: list[str] | None = None) -> dict[str, Any]:
    """The instance's values (by attname) for the named fields, or for every tracked field."""
    fields = tracked_fields(type(instance))
    if names is not None:
        fields = [f for f in fields if f.name in names or f.attname in names]
    return {f.attname: getattr(instance, f.attname) for f in fields}


def decode(
    model: type[models.Model], stored: dict[str, Any], created: dict[str, int]
) -> dict[str, Any]:
    by_attname = {f.attname: f for f in tracked_fields(model)}
    values = {}
    for attname, value in stored.items():
        if isinstance(value, dict) and "ref" in value:
            values[attname] = created[value["ref"]]
        else:
            values[attname] = by_attname[attname].to_python(value)
    return values


# --- Who may propose what ---------------------------------------------------------------------


# A record attached to a project or a KPI may be attached only to one the user may change.
PARENTS = {
    "project_id": ("plan.Project", "plan.change_project"),
    "kpi_id": ("kpis.Kpi", "kpis.change_kpi"),
}


def check_change_allowed(user, change: ProposedChange) -> None:
    """Every record of a request must be one the user may change, and every project or KPI it is
    attached to (before and after the change) one they may change too. The policy decides."""
    app_label, model_name = change.model_label.split(".")
    action = {"create": "add", "update": "change", "delete": "delete"}[change.operation]
    if change.model_label not in CHANGEABLE_MODELS or not user.has_perm(
        f"{app_label}.{action}_{model_name}", change.instance
    ):
        model = apps.get_model(change.model_label)
        operation = ChangeItem.Operation(change.operation).label
        raise PermissionDenied(f"{model._meta.verbose_name}の{operation}は許可されていません。")
    if change.model_label not in {"plan.projectbureau", "kpis.projectkpi", "kpis.kpivalue"}:
        return
    for attname, (parent_label, permission) in PARENTS.items():
        value = change.values.get(attname)
        if value is None or isinstance(value, Ref):
            continue
        parent = apps.get_model(parent_label)._base_manager.filter(pk=value).first()
        if parent is None or not user.has_perm(permission, parent):
            raise PermissionDenied("変更できない事業や KPI に結び付けることはできません。")


def check_bureau_assignment(user, changes: list[ProposedChange]) -> None:
    """Every project a request touches keeps one of the user's bureaus among its responsible
    bureaus: staff cannot create a project for another bureau, nor hand theirs over."""
    from plan.models import ProjectBureau

    resulting: dict[object, set[int]] = {}
    for change in changes:
        if change.model_label == "plan.project" and change.operation == "create":
            resulting.setdefault(Ref(change.key), {})
        if change.model_label != "plan.projectbureau":
            continue
        if change.instance is not None:
            project = change.instance.project_id
            if project not in resulting:
                links = ProjectBureau.objects.filter(project_id=project)
                resulting[project] = {link.pk: link.bureau_id for link in links}
        else:
            project = change.values["project_id"]
            resulting.setdefault(
                project,
                {}
                if isinstance(project, Ref)
                else {
                    link.pk: link.bureau_id
                    for link in ProjectBureau.objects.filter(project_id=project)
                },
            )
    for change in changes:
        if change.model_label != "plan.projectbureau":
            continue
        if change.instance is not None:
            links = resulting[change.instance.project_id]
            if change.operation == "delete":
                links.pop(change.instance.pk, None)
            else:
                links[change.instance.pk] = change.values.get(
                    "bureau_id", links[change.instance.pk]
                )
        else:
            links = resulting[change.values["project_id"]]
            links[f"new-{change.key}"] = change.values["bureau_id"]
    for links in resulting.values():
        bureau_ids = set(links.values())
        if not permissions.may_assign_bureaus(user, bureau_ids):
            raise PermissionDenied(permissions.BUREAU_ASSIGNMENT_REFUSED)


def _check_changes(user, changes: list[ProposedChange]) -> None:
    if not changes:
        raise ValidationError("変更がありません。")
    for change in changes:
        check_change_allowed(user, change)
    check_bureau_assignment(user, changes)


def _bureaus_concerned(changes: list[ProposedChange]) -> set[int]:
    """The bureaus responsible for the records a request touches (their staff may follow it)."""
    bureau_ids = set()
    for change in changes:
        if change.instance is not None:
            bureau_ids |= permissions.owned_bureau_ids(change.model_label, change.instance)
        if change.model_label == "plan.projectbureau" and "bureau_id" in change.values:
            bureau_ids.add(change.values["bureau_id"])
    return bureau_ids


# --- Submitting -------------------------------------------------------------------------------


def _write_items(change_request: ChangeRequest, changes: list[ProposedChange]) -> None:
    change_request.items.all().delete()
    items = []
    for position, change in enumerate(changes, start=1):
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
    ChangeItem.objects.bulk_create(items)


def _describe_new(change: ProposedChange) -> str:
    for name in ("name", "indicator", "title", "text"):
        if change.values.get(name):
            return str(change.values[name])[:300]
    return f"新しい{apps.get_model(change.model_label)._meta.verbose_name}"


def _require_text(value: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError(message)
    return value


@transaction.atomic
def change_request_submit(
    *,
    acting_user,
    edition: Edition | None,
    changes: list[ProposedChange],
    reason: str,
    title: str,
    project=None,
    kpi=None,
    source: str = ChangeRequest.Source.ADMIN,
    source_name: str = "",
) -> ChangeRequest:
    """所管局担当者の変更を申請にする (公式の記録は変えない)。

    同じ対象に自分の未決定の申請 (審査待ち・差し戻し) があれば、それを新しい内容で置き換える (修正)。
    """
    if not permissions.requires_approval(acting_user):
        raise PermissionDenied("この利用者の変更は申請ではなく直接反映されます。")
    reason = _require_text(reason, "変更理由を入力してください。")
    _check_changes(acting_user, changes)
    existing = None
    if project is not None or kpi is not None:
        existing = (
            ChangeRequest.objects.select_for_update()
            .filter(submitted_by=acting_user, project=project, kpi=kpi, source=source)
            .open()
            .first()
        )
    change_request = existing or ChangeRequest(edition=edition, submitted_by=acting_user)
    change_request.title = title[:300]
    change_request.project = project
    change_request.kpi = kpi
    change_request.reason = reason
    change_request.source = source
    change_request.source_name = source_name
    change_request.status = ChangeRequest.Status.PENDING
    change_request.submitted_at = timezone.now()
    change_request.save()
    change_request.bureaus.set(_bureaus_concerned(changes))
    _write_items(change_request, changes)
    transaction.on_commit(lambda: notifications.notify_submitted(change_request))
    return change_request


@transaction.atomic
def change_direct_apply(
    *,
    acting_user,
    edition: Edition | None,
    changes: list[ProposedChange],
    reason: str,
    title: str,
    project=None,
    kpi=None,
    source: str = ChangeRequest.Source.ADMIN,
    source_name: str = "",
) -> tuple[ChangeRequest, dict[str, int]]:
    """取りまとめ担当の編集: 申請と同じ形で記録し、その場で反映する。新規レコードの pk を返す。"""
    if not permissions.may_apply_directly(acting_user):
        raise PermissionDenied("直接反映できるのは取りまとめ担当だけです。")
    _check_changes(acting_user, changes)
    now = timezone.now()
    change_request = ChangeRequest.objects.create(
        edition=edition,
        title=title[:300],
        project=project,
        kpi=kpi,
        status=ChangeRequest.Status.APPLIED_DIRECTLY,
        source=source,
        source_name=source_name,
        reason=(reason or "").strip() or "取りまとめ担当による直接の編集",
        submitted_by=acting_user,
        submitted_at=now,
        decided_by=acting_user,
        decided_at=now,
    )
    change_request.bureaus.set(_bureaus_concerned(changes))
    _write_items(change_request, changes)
    created = _apply(change_request, proposer=acting_user, approver=acting_user)
    return change_request, created


# --- Deciding ---------------------------------------------------------------------------------


def _locked(change_request: ChangeRequest) -> ChangeRequest:
    return ChangeRequest.objects.select_for_update().get(pk=change_request.pk)


def _check_may_decide(user, change_request: ChangeRequest) -> None:
    if change_request.submitted_by_id == user.pk:
        raise PermissionDenied("自分の申請は承認・差し戻し・却下できません。")
    if change_request.status != ChangeRequest.Status.PENDING:
        raise PermissionDenied(
            f"この申請はすでに「{change_request.get_status_display()}」です。審査待ちの申請だけを決定できます。"
        )
    if not permissions.may_decide(user, change_request):
        raise PermissionDenied("変更申請を決定できるのは取りまとめ担当だけです。")


@transaction.atomic
def change_request_approve(*, acting_user, change_request: ChangeRequest) -> ChangeRequest:
    """承認: 申請全体を反映する。申請後にどれかのレコードが変わっていれば ChangeConflict。

    申請の行をロックするので、二人が同時に承認しても反映は一度だけ (後の一人は「すでに承認済み」)。
    """
    change_request = _locked(change_request)
    _check_may_decide(acting_user, change_request)
    _apply(change_request, proposer=change_request.submitted_by, approver=acting_user)
    change_request.status = ChangeRequest.Status.APPROVED
    change_request.decided_by = acting_user
    change_request.decided_at = timezone.now()
    change_request.save(update_fields=["status", "decided_by", "decided_at"])
    transaction.on_commit(lambda: notifications.notify_decided(change_request))
    return change_request


@transaction.atomic
def change_request_return(
    *, acting_user, change_request: ChangeRequest, comment: str
) -> ChangeRequest:
    """差し戻し: 申請者が修正して再申請できる。コメントは必須。"""
    comment = _require_text(comment, "差し戻しのコメントを入力してください。")
    return _decide(acting_user, change_request, ChangeRequest.Status.RETURNED, comment)


@transaction.atomic
def change_request_reject(
    *, acting_user, change_request: ChangeRequest, reason: str
) -> ChangeRequest:
    """却下: 理由は必須。"""
    reason = _require_text(reason, "却下の理由を入力してください。")
    return _decide(acting_user, change_request, ChangeRequest.Status.REJECTED, reason)


def _decide(acting_user, change_request: ChangeRequest, status: str, comment: str) -> ChangeRequest:
    change_request = _locked(change_request)
    _check_may_decide(acting_user, change_request)
    change_request.status = status
    change_request.decision_comment = comment
    change_request.decided_by = acting_user
    change_request.decided_at = timezone.now()
    change_request.save(update_fields=["status", "decision_comment", "decided_by", "decided_at"])
    transaction.on_commit(lambda: notifications.notify_decided(change_request))
    return change_request


@transaction.atomic
def change_request_withdraw(*, acting_user, change_request: ChangeRequest) -> ChangeRequest:
    """取り下げ: 申請者が、決定前 (審査待ち・差し戻し) に限って。"""
    change_request = _locked(change_request)
    if not permissions.may_withdraw(acting_user, change_request):
        raise PermissionDenied("取り下げられるのは、自分の決定前の申請だけです。")
    change_request.status = ChangeRequest.Status.WITHDRAWN
    change_request.save(update_fields=["status"])
    return change_request


# --- Applying ---------------------------------------------------------------------------------


def _apply(change_request: ChangeRequest, *, proposer, approver) -> dict[str, int]:
    """Apply every item, all or nothing. Returns the pks of the records created, by key."""
    items = list(change_request.items.order_by("position"))
    conflicts = []
    targets: dict[int, models.Model] = {}
    for item in items:
        if item.operation == ChangeItem.Operation.CREATE:
            continue
        model = apps.get_model(item.model_label)
        instance = model._base_manager.select_for_update().filter(pk=item.object_pk).first()
        if instance is None:
            conflicts.append(f"「{item.object_repr}」は申請の後に削除されています。")
        elif snapshot(instance) != item.base:
            conflicts.append(f"「{item.object_repr}」は申請の後に変更されています。")
        else:
            targets[item.pk] = instance
    if conflicts:
        raise ChangeConflict(conflicts)

    created: dict[str, int] = {}
    # Deletions first (they free numbers and positions), then updates, then creations, parents
    # before the records attached to them.
    model_order = {label: index for index, label in enumerate(CHANGEABLE_MODELS)}
    phase = {"delete": 0, "update": 1, "create": 2}

    def order(item: ChangeItem):
        rank = model_order.get(item.model_label, 99)
        return phase[item.operation], -rank if item.operation == "delete" else rank, item.position

    ordered = sorted(items, key=order)
    try:
        with (
            transaction.atomic(),
            attributed_to(
                change_request=change_request,
                proposed_by=proposer,
                approved_by=approver,
                reason=change_request.reason,
            ),
        ):
            for item in ordered:
                model = apps.get_model(item.model_label)
                if item.operation == ChangeItem.Operation.CREATE:
                    instance = model(**decode(model, item.proposed, created))
                    instance.full_clean(validate_unique=False, validate_constraints=False)
                    instance.save()
                    created[item.key] = instance.pk
                elif item.operation == ChangeItem.Operation.UPDATE:
                    instance = targets[item.pk]
                    for attname, value in decode(model, item.proposed, created).items():
                        setattr(instance, attname, value)
                    instance.full_clean(validate_unique=False, validate_constraints=False)
                    instance.save()
                else:
                    targets[item.pk].delete()
    except ValidationError as error:
        raise ChangeConflict(
            [f"反映できません: {message}" for message in error.messages]
        ) from error
    except IntegrityError as error:
        raise ChangeConflict(
            ["反映できません: 番号や名称が他のレコードと重複するなど、データの制約に反します。"]
        ) from error
    return created


def project_restore(*, acting_user, project, record) -> ChangeRequest | None:
    """過去の状態への復元: 履歴の一時点の事業 (項目、所管局とその順、掲載、KPI の結び付きとその順) を
    提案値にする。所管局担当者は申請 (掲載が違えば取りまとめ担当の仕事なので拒まれる)、取りまとめ担当は
    直接反映。その後に削除された基本施策・KPI への結び付きは戻せないので外す。
    """
    from kpis.models import Kpi, ProjectKpi
    from plan.models import Listing, Measure, ProjectBureau

    project = type(project)._base_manager.get(pk=project.pk)  # compare with what is stored now
    # The version's links are those it had until the project next changed (links saved in the same
    # request as the project's record come a moment after it).
    following = record.next_record
    if following is None:
        when = timezone.now()
    else:
        # ... and until the start of the request that changed it next (which may have changed
        # links before the project itself).
        starts = [following.history_date]
        if following.change_request_id:
            for model in (ProjectBureau, Listing, ProjectKpi):
                first = (
                    model.history.filter(change_request_id=following.change_request_id)
                    .order_by("history_date")
                    .first()
                )
                if first is not None:
                    starts.append(first.history_date)
        when = min(starts) - datetime.timedelta(microseconds=1)
    values = {f.attname: getattr(record, f.attname) for f in tracked_fields(type(project))}
    differences = {name: value for name, value in values.items() if getattr(project, name) != value}
    changes = [ProposedChange.update(project, differences)] if differences else []

    def then(model):
        return sorted(
            model.history.as_of(when).filter(project_id=project.pk),
            key=lambda link: getattr(link, "position", 0),
        )

    existing_kpis = set(Kpi.objects.filter(edition=project.edition).values_list("pk", flat=True))
    existing_measures = set(Measure.objects.values_list("pk", flat=True))
    changes += replace_ordered_links(
        list(project.bureau_links.order_by("position")),
        [link.bureau_id for link in then(ProjectBureau)],
        model=ProjectBureau,
        parent_field="project",
        parent=project.pk,
        target_field="bureau",
        key="restore-bureau",
    )
    changes += replace_listings(
        list(project.listings.all()),
        {
            (link.measure_id, link.number)
            for link in then(Listing)
            if link.measure_id in existing_measures
        },
        project=project.pk,
        key="restore-listing",
    )
    changes += replace_ordered_links(
        list(project.kpi_links.order_by("position")),
        [link.kpi_id for link in then(ProjectKpi) if link.kpi_id in existing_kpis],
        model=ProjectKpi,
        parent_field="project",
        parent=project.pk,
        target_field="kpi",
        key="restore-kpi",
    )
    if not changes:
        return None
    arguments = {
        "acting_user": acting_user,
        "edition": project.edition,
        "changes": changes,
        "reason": f"{timezone.localtime(record.history_date):%Y-%m-%d %H:%M} の状態への復元",
        "title": project.name,
        "project": project,
        "source": ChangeRequest.Source.RESTORE,
    }
    if permissions.requires_approval(acting_user):
        return change_request_submit(**arguments)
    change_request, _created = change_direct_apply(**arguments)
    return change_request


# --- Excel import ------------------------------------------------------------------------------


class ImportRefused(Exception):
    """The workbook cannot be imported: nothing was written. ``issues`` say where and why."""

    def __init__(self, issues):
        super().__init__("\n".join(str(issue) for issue in issues))
        self.issues = list(issues)


@dataclass
class ImportPreview:
    """What an import would do: the comparison with the edition, the records it would change
    (grouped by project and KPI), and every error, including those of the importing user's scope."""

    preview: Any
    groups: list
    errors: list
    warnings: list

    @property
    def change_count(self) -> int:
        return sum(len(group.changes) for group in self.groups)


def workbook_import_preview(*, acting_user, edition: Edition, file) -> ImportPreview:
    """Read a workbook and say what importing it would change, without writing anything.

    A row that would change a project or KPI the user may not change is an error (the policy
    decides, exactly as for the admin's forms); unchanged rows of other bureaus are fine.
    Raises ``WorkbookRejected`` for a file that cannot be read at all.
    """
    from plan.workbook import Issue, compare_with_database, read_workbook
    from plan.workbook_changes import change_groups

    preview = compare_with_database(read_workbook(file), edition=edition)
    errors = list(preview.errors)
    groups = [] if preview.has_errors else change_groups(preview, edition)
    for group in groups:
        try:
            for change in group.changes:
                check_change_allowed(acting_user, change)
            check_bureau_assignment(acting_user, group.changes)
        except PermissionDenied as denied:
            column = "事業コード" if group.sheet != "KPI" else "KPIコード"
            errors.append(
                Issue(
                    f"{group.label}は変更できません ({denied})。所管する事業と、その KPI だけを変えられます。",
                    sheet=group.sheet,
                    row=group.rows[0] if group.rows else None,
                    column=column,
                )
            )
    errors.sort(key=lambda issue: issue.sort_key)
    return ImportPreview(
        preview=preview, groups=groups, errors=errors, warnings=list(preview.warnings)
    )


@transaction.atomic
def workbook_import_apply(
    *,
    acting_user,
    edition: Edition,
    file_name: str,
    file=None,
    preview: ImportPreview | None = None,
) -> ChangeRequest | None:
    """Import a workbook, all or nothing: bureau staff's import becomes one change request;
    a coordinator's is applied at once and recorded with the file's name. ``None``: no changes.

    Give the ``file``, or the ``preview`` already made of it by the same user (the file is then not
    read twice). A preview that has gone stale is still safe: applying compares every record with
    the version the preview saw and refuses on any difference.
    """
    result = preview or workbook_import_preview(acting_user=acting_user, edition=edition, file=file)
    if result.errors:
        raise ImportRefused(result.errors)
    changes = [change for group in result.groups for change in group.changes]
    if not changes:
        return None
    arguments = {
        "acting_user": acting_user,
        "edition": edition,
        "changes": changes,
        "reason": f"Excel 取込 ({file_name})",
        "title": f"Excel 取込: {file_name}",
        "source": ChangeRequest.Source.IMPORT,
        "source_name": file_name,
    }
    try:
        if permissions.requires_approval(acting_user):
            return change_request_submit(**arguments)
        change_request, _created = change_direct_apply(**arguments)
        return change_request
    except ChangeConflict as conflict:
        from plan.workbook import Issue

        raise ImportRefused([Issue(message) for message in conflict.messages]) from conflict
