"""Applying a change request's items to the official record, all or nothing, with conflict checks."""

from __future__ import annotations

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

from plan.changes.history import attributed_to
from plan.changes.values import decode, snapshot
from plan.changes.vocabulary import CHANGEABLE_MODELS, ChangeConflict
from plan.models import ChangeItem, ChangeRequest

# --- Applying ---------------------------------------------------------------------------------


def apply_items(change_request: ChangeRequest, *, proposer, approver) -> dict[str, int]:
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
