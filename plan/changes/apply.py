"""Applying a change request's items to the official record, all or nothing, with conflict checks."""

from __future__ import annotations

import functools
import json
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

from plan.changes.authorise import check_editions_open
from plan.changes.bulk import bulk_creatable, create_all
from plan.changes.history import attributed_to
from plan.changes.values import decode, snapshot
from plan.changes.vocabulary import CHANGEABLE_MODELS, ChangeConflict, ProposedChange, Ref
from plan.models import ChangeItem, ChangeRequest

# --- Applying ---------------------------------------------------------------------------------

#: Records locked and loaded by one query (well below every database's limit on parameters).
_LOCK_CHUNK = 500


def _verified_references(items: list[ChangeItem]) -> set[tuple[str, object]]:
    """The records the creations' foreign keys point at that exist, as (model label, pk), checked
    with one query per model (in chunks) rather than one per key by ``full_clean``. A reference
    not found here is left for ``full_clean`` to refuse with its own message."""
    wanted: dict[type[models.Model], set] = {}
    for item in items:
        if item.operation != ChangeItem.Operation.CREATE:
            continue
        created: type[models.Model] = apps.get_model(item.model_label)
        for field in _plain_keys(created):
            value = item.proposed.get(field.attname)
            if value is not None and not isinstance(value, dict):
                wanted.setdefault(field.related_model, set()).add(
                    field.target_field.to_python(value)
                )
    verified: set[tuple[str, object]] = set()
    for model, pks in wanted.items():
        ordered = sorted(pks)
        for start in range(0, len(ordered), _LOCK_CHUNK):
            found = model._base_manager.filter(pk__in=ordered[start : start + _LOCK_CHUNK])
            label = model._meta.label_lower
            verified.update((label, pk) for pk in found.values_list("pk", flat=True))
    # A record this request deletes is not a safe target (full_clean looks again, after deletions).
    deleted = {
        (item.model_label, item.object_pk)
        for item in items
        if item.operation == ChangeItem.Operation.DELETE
    }
    return verified - deleted


def _plain_key(field) -> bool:
    """A foreign key to a primary key, without ``limit_choices_to`` (checked by existence alone)."""
    return (
        field.is_relation
        and field.many_to_one
        and not field.remote_field.limit_choices_to
        and field.target_field == field.related_model._meta.pk
    )


@functools.cache
def _plain_keys(model: type[models.Model]) -> list[Any]:
    """The model's concrete fields that are plain keys (``_plain_key``), in their order (found
    once per process)."""
    return [f for f in model._meta.concrete_fields if _plain_key(f)]


def _new_record(
    model: type[models.Model], item: ChangeItem, created: dict[str, int], verified: set
) -> models.Model:
    """The record an item creates, validated (not saved). Its foreign keys to records known to
    exist (``verified``) are not looked up again."""
    instance = model(**decode(model, item.proposed, created))
    known = []
    for field in _plain_keys(model):
        related: type[models.Model] = field.related_model
        if (related._meta.label_lower, getattr(instance, field.attname)) in verified:
            known.append(field.name)
    instance.full_clean(exclude=known, validate_unique=False, validate_constraints=False)
    return instance


class _Batch:
    """New records of one model waiting to be inserted at once (``bulk.create_all``), in the
    order of their items. A creation joins the batch when its model may be inserted so and it
    refers to no record of the batch (which needs its key first); otherwise the batch is
    inserted before it."""

    def __init__(self, created: dict[str, int]) -> None:
        self.created = created
        self.model: type[models.Model] | None = None
        self.items: list[tuple[ChangeItem, models.Model]] = []
        self.keys: set[str] = set()
        self._creatable: dict[type[models.Model], bool] = {}

    def takes(self, model: type[models.Model], item: ChangeItem) -> bool:
        if model not in self._creatable:
            self._creatable[model] = bulk_creatable(model)
        if not self._creatable[model]:
            return False
        refers = {
            value["ref"]
            for value in item.proposed.values()
            if isinstance(value, dict) and "ref" in value
        }
        if model is not self.model or refers & self.keys:
            self.flush()
        return True

    def add(self, model: type[models.Model], item: ChangeItem, instance: models.Model) -> None:
        self.model = model
        self.items.append((item, instance))
        self.keys.add(item.key)

    def flush(self) -> None:
        if self.model is not None and self.items:
            create_all(self.model, [instance for _, instance in self.items])
            self.created.update((item.key, instance.pk) for item, instance in self.items)
        self.model, self.items, self.keys = None, [], set()


def apply_items(  # noqa: C901 — lock, check, then apply in one pass per phase
    change_request: ChangeRequest,
    *,
    proposer,
    approver,
    items: list[ChangeItem] | None = None,
) -> dict[str, int]:
    """Apply every item, all or nothing. Returns the pks of the records created, by key.

    ``items``: the request's items just inserted (with their keys), when the caller holds them;
    otherwise they are read. Their JSON values are replaced (in place) by what reading them back
    would give, so that both ways apply the same values."""
    if items is None:
        items = list(change_request.items.order_by("position"))
    else:
        items = sorted(items, key=lambda item: item.position)
        stored = json.loads(json.dumps([[item.base, item.proposed] for item in items]))
        for item, (base, proposed) in zip(items, stored, strict=True):
            item.base, item.proposed = base, proposed
    conflicts = []
    targets: dict[int, models.Model] = {}
    # Lock and load the records to change with one query per model (in chunks), not one per item.
    pks_by_model: dict[str, set] = {}
    for item in items:
        if item.operation != ChangeItem.Operation.CREATE:
            pks_by_model.setdefault(item.model_label, set()).add(item.object_pk)
    current: dict[str, dict] = {}
    for label, pks in pks_by_model.items():
        model = apps.get_model(label)
        loaded: dict = {}
        ordered_pks = sorted(pks)
        for start in range(0, len(ordered_pks), _LOCK_CHUNK):
            chunk = ordered_pks[start : start + _LOCK_CHUNK]
            locked = model._base_manager.select_for_update().filter(pk__in=chunk).order_by("pk")
            loaded.update((instance.pk, instance) for instance in locked)
        current[label] = loaded
    # A published edition is frozen: a request made before publication is refused now.
    check_editions_open(
        [
            ProposedChange(
                item.operation,
                item.model_label,
                current.get(item.model_label, {}).get(item.object_pk),
                {
                    name: Ref(value["ref"]) if isinstance(value, dict) and "ref" in value else value
                    for name, value in item.proposed.items()
                },
                item.key,
            )
            for item in items
        ],
        lock=True,
    )
    for item in items:
        if item.operation == ChangeItem.Operation.CREATE:
            continue
        instance = current[item.model_label].get(item.object_pk)
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
    verified = _verified_references(items)
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
            batch = _Batch(created)
            for item in ordered:
                model = apps.get_model(item.model_label)
                if item.operation == ChangeItem.Operation.CREATE and batch.takes(model, item):
                    batch.add(model, item, _new_record(model, item, created, verified))
                    continue
                batch.flush()
                if item.operation == ChangeItem.Operation.CREATE:
                    instance = _new_record(model, item, created, verified)
                    instance.save()
                    created[item.key] = instance.pk
                elif item.operation == ChangeItem.Operation.UPDATE:
                    instance = targets[item.pk]
                    proposed = decode(model, item.proposed, created)
                    for attname, value in proposed.items():
                        setattr(instance, attname, value)
                    # A foreign key the item does not change points at a record that exists (the
                    # database says so); validating it again would cost a query per item.
                    unchanged_keys = [
                        field.name
                        for field in model._meta.concrete_fields
                        if field.is_relation and field.attname not in proposed
                    ]
                    instance.full_clean(
                        exclude=unchanged_keys, validate_unique=False, validate_constraints=False
                    )
                    instance.save()
                else:
                    targets[item.pk].delete()
            batch.flush()
    except ValidationError as error:
        raise ChangeConflict(
            [f"反映できません: {message}" for message in error.messages]
        ) from error
    except IntegrityError as error:
        raise ChangeConflict(
            ["反映できません: 番号や名称が他のレコードと重複するなど、データの制約に反します。"]
        ) from error
    return created
